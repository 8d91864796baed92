"""manage.py create_account: provisioning with a role and a scope, clear errors, nothing half-made."""

import io

import pytest
from django.core.management import CommandError, call_command

from casetracker.accounts.models import User
from tests.factories import LocalOfficeFactory, OfficeFactory


@pytest.fixture
def seoul(db):
    return OfficeFactory(code="seoul")


def run(*args):
    out = io.StringIO()
    call_command("create_account", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def piped_stdin(monkeypatch):
    """The command reads the password from standard input; tests pipe it."""

    def use(text: str):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    use("")
    return use


def test_generates_and_prints_a_password(seoul):
    out = run("clerk_a", "--role", "clerk", "--office", "seoul", "--generate-password")
    user = User.objects.get(username="clerk_a")
    password = out.strip().splitlines()[-1].split(": ", 1)[1]
    assert user.check_password(password)
    assert (user.role, user.office, user.is_staff, user.is_superuser) == ("clerk", seoul, True, False)


def test_reads_the_password_from_standard_input(seoul, piped_stdin):
    piped_stdin("a-very-long-pass-phrase-2024\n")
    out = run("supervisor_a", "--role", "supervisor", "--office", "seoul")
    user = User.objects.get(username="supervisor_a")
    assert user.check_password("a-very-long-pass-phrase-2024")
    assert "a-very-long-pass-phrase-2024" not in out


def test_empty_standard_input_generates_one(seoul):
    out = run("national", "--role", "supervisor")
    assert "Password" in out or "비밀번호" in out
    assert User.objects.get(username="national").office is None


def test_local_office_scope(seoul):
    local = LocalOfficeFactory(office=seoul, code="seoul-gangnam-seocho")
    run("clerk_b", "--role", "clerk", "--office", "seoul", "--local-office", local.code, "--generate-password")
    assert User.objects.get(username="clerk_b").local_office == local


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["x", "--role", "clerk"], "", "office"),
        (["x", "--role", "clerk", "--office", "nowhere"], "", "nowhere"),
        (["x", "--role", "admin", "--office", "seoul", "--local-office", "other-local"], "", "local_office"),
        (["x", "--role", "clerk", "--office", "seoul"], "short\n", "password"),
        (["x", "--role", "clerk", "--office", "seoul", "--local-office", "other-local"], "", "local_office"),
    ],
)
def test_bad_input_is_a_clear_error_and_creates_nothing(seoul, piped_stdin, args, stdin, message):
    LocalOfficeFactory(code="other-local")  # of another office
    piped_stdin(stdin)
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not User.objects.filter(username="x").exists()


def test_an_existing_username_is_refused(seoul):
    run("dup", "--role", "supervisor", "--generate-password")
    with pytest.raises(CommandError, match="dup"):
        run("dup", "--role", "supervisor", "--generate-password")
    assert User.objects.filter(username="dup").count() == 1


def test_an_unknown_role_is_refused(seoul):
    with pytest.raises(CommandError):
        run("x", "--role", "superhero", "--generate-password")
