from django.urls import path

from . import views
from .docs import DocsView, SchemaView

app_name = "api"

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("v1/reports/", views.ReportListView.as_view(), name="reports"),
    path("v1/reports/<slug:name>/", views.ReportDetailView.as_view(), name="report"),
    path("v1/incidents/", views.IncidentListView.as_view(), name="incidents"),
    path("v1/incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident"),
    path("v1/releases/", views.ReleaseListView.as_view(), name="releases"),
    path("v1/releases/<int:pk>/", views.ReleaseDetailView.as_view(), name="release"),
]
