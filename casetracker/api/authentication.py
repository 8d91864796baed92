"""How a call is let in: its token (``Authorization: Token <token>``), the client it stands for,
read-only methods, and a rate per token."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions, throttling

from casetracker.accounts import policy
from casetracker.accounts.roles import Role

from .models import ApiToken, token_hash

KEYWORD = "Token"


class ApiClient:
    """The system a token was issued to, as the scoping rule sees a user.

    It reads like a supervisor of the token's scope (``accounts.policy``): counts and
    de-identified records, never a name, nothing to change. Every queryset takes its scope
    through ``for_user`` (``user.case_scope``), as the pages' do.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    role = Role.SUPERVISOR
    pk = id = None

    def __init__(self, token: ApiToken):
        self.token = token
        self.office_id = token.office_id
        self.local_office_id = token.local_office_id

    @property
    def case_scope(self):
        return self.token.scope

    @property
    def reference_scope(self):
        return self.token.scope

    def get_username(self) -> str:
        return f"api:{self.token.name}"[:150]

    def has_perm(self, perm: str, obj=None) -> bool:
        return perm in policy.role_permissions(self)

    def __str__(self) -> str:
        return self.get_username()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token as: Authorization: Token <token>."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This API token is not known.")) from None
        token = ApiToken.objects.filter(key_hash=token_hash(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("This API token is not known."))
        refusal = token.refusal()
        if refusal:
            request._refused_token = token  # for the access log entry of the refused call
            raise exceptions.AuthenticationFailed(refusal)
        return ApiClient(token), token

    def authenticate_header(self, request) -> str:
        return KEYWORD  # so that a refused call is a 401, not a 403


class ReadOnlyApiClient(permissions.BasePermission):
    """A valid token, and only reading: there are no write endpoints (other methods are a 405)."""

    def has_permission(self, request, view) -> bool:
        # Any other method finds no handler: a 405 (the views declare GET, HEAD and OPTIONS only).
        return isinstance(request.user, ApiClient)


class ApiTokenRateThrottle(throttling.SimpleRateThrottle):
    """``API_RATE_LIMIT`` calls per token (read at each call, so a setting's change takes effect)."""

    scope = "api_token"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if not isinstance(request.user, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
