"""Views shared by the whole site."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    """The process answers: 200 "ok", reading nothing (asked without a session cookie, as a probe is,
    no middleware reads a session, a user or the database).

    For a load balancer's probe, and for the load test's measure of a request that costs nothing
    but gunicorn and the middleware (bench/loadtest.py), against which a page's cost is a ratio.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
