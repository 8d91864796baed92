"""Demo accounts for trying casetracker out; refused when DEBUG is off."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.accounts.models import User

DEMO_PASSWORD = "casetracker-demo"  # noqa: S105 -- printed to the user; never used with DEBUG off


class Command(BaseCommand):
    help = _("Create (or reset) the demo accounts and print their logins. Only with DEBUG on.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(_("Demo accounts are only created when DEBUG is on."))
        admin, _created = User.objects.get_or_create(username="admin", defaults={"role": User.Role.ADMIN})
        admin.role = User.Role.ADMIN
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        self.stdout.write(_("Demo logins (password for each: %(password)s):") % {"password": DEMO_PASSWORD})
        self.stdout.write(f"  admin ({User.Role.ADMIN.label})")
