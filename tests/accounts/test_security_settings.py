"""The security settings every environment starts from (test settings relax some; see settings/test.py)."""

from casetracker.settings import base
from tests.test_settings import manage


def test_logins_lock_out_after_five_failures_for_30_minutes():
    assert base.AXES_FAILURE_LIMIT == 5
    assert base.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert base.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert base.AXES_RESET_ON_SUCCESS is True
    assert getattr(base, "AXES_ENABLED", True) is True


def test_admins_and_supervisors_need_two_factor_outside_the_local_demo():
    assert base.TWO_FACTOR_REQUIRED_ROLES == ["admin", "supervisor"]


def roles_in_local(**env: str) -> str:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.TWO_FACTOR_REQUIRED_ROLES)",
        DJANGO_SETTINGS_MODULE="casetracker.settings.local",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_local_demo_needs_no_two_factor_unless_the_environment_asks():
    assert roles_in_local() == "[]"
    assert roles_in_local(TWO_FACTOR_REQUIRED_ROLES="admin,supervisor") == "['admin', 'supervisor']"
