"""The browsable docs (Swagger UI) under the strict CSP: its files from our own static files
(drf-spectacular-sidecar), its start-up script as a file of its own (``SpectacularSwaggerSplitView``)
and our template without the inline style block, so no 'unsafe-inline' is needed."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"
    permission_classes = [AllowAny]  # the description of the API is no secret; its data needs a token
    authentication_classes = []
    throttle_classes = []


class SchemaView(SpectacularAPIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []
