from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("two-factor/", views.two_factor, name="two_factor"),
]
