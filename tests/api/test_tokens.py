"""Machine accounts: issuing (command, admin), the 401s, read-only methods, the access log, the rate."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from casetracker.api.models import ApiToken, token_hash
from casetracker.api.tokens import revoke_token
from casetracker.audit.models import AccessLog
from tests.api.conftest import Api
from tests.factories import LocalOfficeFactory, OfficeFactory

pytestmark = pytest.mark.django_db
INCIDENTS = "/api/v1/incidents/"


def create_token(*args) -> tuple[ApiToken, str]:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    return ApiToken.objects.get(key_hash=token_hash(raw)), raw


@pytest.mark.parametrize("scope", ["national", "office", "local"])
def test_the_command_issues_a_token_of_each_scope_and_prints_it_once(scope):
    local_office = LocalOfficeFactory(code="gangnam", office=OfficeFactory(code="seoul"))
    code = {"national": "national", "office": "seoul", "local": "gangnam"}[scope]
    token, raw = create_token("ministry", "--scope", code, "--days", "10")
    assert raw.startswith("ct_") and len(raw) > 40
    assert token.name == "ministry"
    assert (token.office, token.local_office) == {
        "national": (None, None),
        "office": (local_office.office, None),
        "local": (local_office.office, local_office),
    }[scope]
    assert datetime.timedelta(days=9, hours=23) < token.expires_at - timezone.now() <= datetime.timedelta(days=10)
    # Only its hash is kept.
    assert all(raw not in str(getattr(token, field.attname)) for field in ApiToken._meta.concrete_fields)
    assert Api(raw).get(INCIDENTS).status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE, target_type="api.apitoken").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "--scope", "atlantis"), "atlantis"),
        (("x", "--scope", "national", "--days", "0"), "--days"),
        (("x", "--scope", "national", "--days", "5000"), "--days"),
        (("  ", "--scope", "national"), "NAME"),
    ],
)
def test_the_command_refuses_bad_arguments(args, message):
    with pytest.raises(CommandError) as raised:
        call_command("create_api_token", *args, stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert message in str(raised.value)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked", "malformed", "missing"])
def test_refused_tokens_get_a_401_with_a_message(case, api_for):
    api = api_for()
    if case == "expired":
        ApiToken.objects.filter(pk=api.token.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=2),
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )
    elif case == "revoked":
        revoke_token(token=api.token)
    elif case == "unknown":
        api = Api("ct_no_such_token")
    elif case == "malformed":
        api.headers = {"HTTP_AUTHORIZATION": "Token two words"}
    else:
        api = Api(None)
    response = api.get(INCIDENTS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    expected = {
        "unknown": "not known",
        "expired": "expired",
        "revoked": "revoked",
        "malformed": "Authorization: Token",
        "missing": "",
    }[case]
    assert expected in response.json()["detail"]
    entry = AccessLog.objects.get(action=AccessLog.Action.DENIED)
    assert "→ 401" in entry.detail
    if case in ("expired", "revoked"):
        assert entry.target_id == str(api.token.pk)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", [INCIDENTS, "/api/v1/reports/", "/api/v1/reports/offices/", "/api/v1/releases/"])
def test_there_are_no_write_endpoints(api_for, method, path):
    assert api_for().call(method, path).status_code == 405


def test_every_call_is_on_the_access_log(api_for):
    api = api_for()
    api.get(INCIDENTS, {"updated_since": "2024-01-01T00:00:00Z"})
    api.get("/api/v1/reports/offices/", {"from": "nonsense"})
    entries = list(AccessLog.objects.filter(target_type="api.apitoken", target_id=str(api.token.pk)).order_by("id"))
    assert [entry.action for entry in entries] == [AccessLog.Action.VIEW, AccessLog.Action.DENIED]
    assert entries[0].username == f"api:{api.token.name}"
    assert entries[0].user is None and entries[0].ip_address == "127.0.0.1"
    assert "updated_since=2024-01-01T00" in entries[0].detail and "→ 200" in entries[0].detail
    assert "→ 400" in entries[1].detail


def test_calls_past_the_rate_are_refused(api_for, settings):
    settings.API_RATE_LIMIT = "3/minute"
    api, other = api_for(), api_for()
    assert [api.get(INCIDENTS).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert other.get(INCIDENTS).status_code == 200  # counted per token


def test_the_admin_issues_a_token_shown_once_and_revokes_it(admin_client, admin_user):
    OfficeFactory(code="busan")
    response = admin_client.post(
        reverse("admin:api_apitoken_add"), {"name": "busan system", "scope": "busan", "days": "30"}
    )
    assert response.status_code == 200
    raw = response.context["raw"]
    token = ApiToken.objects.get(key_hash=token_hash(raw))
    assert (token.office.code, token.created_by) == ("busan", admin_user)
    assert raw in response.content.decode()
    # The list and the token's page never show it again.
    for url in (reverse("admin:api_apitoken_changelist"), reverse("admin:api_apitoken_change", args=[token.pk])):
        page = admin_client.get(url)
        assert page.status_code == 200 and raw not in page.content.decode()
    admin_client.post(
        reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
    assert Api(raw).get(INCIDENTS).status_code == 401


def test_the_admin_refuses_an_unknown_scope(admin_client):
    response = admin_client.post(reverse("admin:api_apitoken_add"), {"name": "x", "scope": "atlantis", "days": "30"})
    assert response.status_code == 200
    assert "scope" in response.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_a_clerk_cannot_issue_tokens(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("admin:api_apitoken_add")).status_code in (302, 403)


def test_the_admin_pages(check_admin_pages):
    check_admin_pages(ApiToken)


HOSTILE = ["\x00", "1" * 30, "-5", "0", "99999", "x" * 300, "2024-02-30", "(", "%"]
API_PARAMETERS = [
    "from",
    "to",
    "office",
    "school_level",
    "committee_kind",
    "publication",
    "reported_from",
    "reported_to",
    "updated_since",
    "cursor",
]


def test_no_api_call_fails_on_hostile_parameters(api_for, settings):
    """Every endpoint, each parameter in turn and all at once set to each hostile value: a 200, 400 or
    404 with a JSON message, never a server error."""
    from tests.factories import IncidentFactory

    settings.API_RATE_LIMIT = "100000/minute"
    incident = IncidentFactory()
    api = api_for()
    paths = [
        "/api/v1/reports/",
        "/api/v1/reports/offices/",
        "/api/v1/reports/channels/",
        INCIDENTS,
        f"{INCIDENTS}{incident.pk}/",
        f"{INCIDENTS}{'9' * 30}/",
        "/api/v1/releases/",
        f"/api/v1/releases/{'9' * 30}/",
    ]
    for path in paths:
        for value in HOSTILE:
            for params in [{name: value} for name in API_PARAMETERS] + [dict.fromkeys(API_PARAMETERS, value)]:
                response = api.get(path, params)
                assert response.status_code in (200, 400, 404), (path, params, response.status_code)
                assert response["Content-Type"] == "application/json", (path, params)
