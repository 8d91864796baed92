"""Demo accounts for trying casetracker out, one per role; refused when DEBUG is off."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.accounts.models import User
from casetracker.accounts.roles import Role
from casetracker.accounts.services import create_account, save_account
from casetracker.core.models import Office

DEMO_PASSWORD = "casetracker-demo"  # noqa: S105 -- printed to the user; never used with DEBUG off
DEMO_ACCOUNTS = (
    ("clerk_seoul", Role.CLERK, "seoul"),
    ("clerk_gyeonggi", Role.CLERK, "gyeonggi"),
    ("supervisor_seoul", Role.SUPERVISOR, "seoul"),
    ("supervisor_national", Role.SUPERVISOR, None),
    ("admin", Role.ADMIN, None),
)


class Command(BaseCommand):
    help = _("Create (or reset) the demo accounts and print their logins. Only with DEBUG on.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(_("Demo accounts are only created when DEBUG is on."))
        if not Office.objects.exists():
            raise CommandError(_("Load the reference data first: python manage.py load_shipped_data"))
        self.stdout.write(_("Demo logins (password for each: %(password)s):") % {"password": DEMO_PASSWORD})
        for username, role, office in DEMO_ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user, _password = create_account(
                    username=username, role=role, office_code=office, password=DEMO_PASSWORD, validate=False
                )
            else:  # running make run again resets the demo account (its log entries stay)
                user.role, user.office, user.local_office = role, Office.objects.filter(code=office).first(), None
                user.is_active = user.is_staff = True
                user.set_password(DEMO_PASSWORD)
                save_account(account=user, by=None)  # on the access log, as every account change
            scope = user.office.name if user.office else _("national")
            self.stdout.write(f"  {username:<20} {user.get_role_display()} · {scope}")
