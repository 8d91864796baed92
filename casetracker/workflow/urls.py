from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("", views.work_queue, name="queue"),
    path("takedowns/", views.open_takedowns, name="open_takedowns"),
    path("retention/", views.retention, name="retention"),
    path("identities/", views.identities, name="identities"),
]
