"""Middleware shared by every page."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Keep signed-in pages (cases, reports) out of browser and proxy caches: ``Cache-Control: no-store``.

    Static files carry nothing confidential and are left cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)
        return response
