from django.urls import path

from . import downloads, views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("<slug:name>/", views.report_detail, name="detail"),
    path("<slug:name>/print/", views.report_print, name="print"),
    path("<slug:name>/cases/", views.report_cases, name="cases"),
    path("<slug:name>/download.csv", downloads.report_csv, name="csv"),
    path("<slug:name>/download.xlsx", downloads.report_xlsx, name="xlsx"),
]
