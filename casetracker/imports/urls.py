from django.urls import path, re_path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/discard/", views.discard, name="discard"),
    re_path(r"^template-(?P<language>ko|en)\.(?P<file_format>xlsx|zip)$", views.template, name="template"),
    path("export/", views.export, name="export"),
]
