from django.urls import path

from . import views

app_name = "releases"

urlpatterns = [
    path("", views.release_list, name="index"),
    path("publish/", views.release_publish, name="publish"),
    path("<int:pk>/", views.release_detail, name="detail"),
    path("<int:pk>/download.<slug:extension>", views.release_download, name="download"),
]
