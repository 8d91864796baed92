"""Provision an account: manage.py create_account USERNAME --role ROLE [--office CODE] [--local-office CODE]."""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.accounts.roles import Role
from casetracker.accounts.services import create_account


class Command(BaseCommand):
    help = _(
        "Create an account with a role and scope. The password is read from standard input "
        "(a prompt on a terminal); an empty one, or --generate-password, makes a strong one and prints it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--office", help=_("office of education code, e.g. seoul"))
        parser.add_argument("--local-office", help=_("local education support office code, e.g. seoul-gangnam-seocho"))
        parser.add_argument("--email", default="")
        parser.add_argument("--generate-password", action="store_true")

    def handle(self, *args, username, role, office, local_office, email, generate_password, **options):
        password = None if generate_password else self.read_password()
        try:
            user, password_used = create_account(
                username=username,
                role=role,
                office_code=office,
                local_office_code=local_office,
                password=password,
                email=email,
            )
        except ValidationError as error:
            messages = [f"{field}: {message}" for field, errors in error.message_dict.items() for message in errors]
            raise CommandError("\n".join(messages)) from error
        self.stdout.write(
            _("Created %(username)s (%(role)s, %(scope)s).")
            % {"username": user.username, "role": user.get_role_display(), "scope": user.office or _("national")}
        )
        if not password:
            self.stdout.write(_("Password: %(password)s") % {"password": password_used})

    def read_password(self) -> str | None:
        if sys.stdin.isatty():
            first = getpass.getpass(_("Password (empty to generate one): "))
            if first and first != getpass.getpass(_("Password again: ")):
                raise CommandError(_("The two passwords differ."))
            return first or None
        return sys.stdin.readline().rstrip("\n") or None
