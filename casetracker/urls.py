from django.contrib import admin
from django.urls import include, path

from casetracker.core.views import healthz
from casetracker.reports.views import home

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("account/", include("casetracker.accounts.urls")),
    path("reports/", include("casetracker.reports.urls")),
    path("queue/", include("casetracker.workflow.urls")),
    path("imports/", include("casetracker.imports.urls")),
    path("releases/", include("casetracker.releases.urls")),
    path("api/", include("casetracker.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("", home, name="home"),
]
