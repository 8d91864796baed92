"""Issue an API token: manage.py create_api_token NAME --scope national|OFFICE_CODE|LOCAL_OFFICE_CODE [--days N].

The token is printed once, here; only its hash is kept. A bad scope or number of days ends with a
message and exit status 2.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casetracker.api.tokens import issue_token


class Command(BaseCommand):
    help = _("Issue an API token for another system and print it once.")

    def add_arguments(self, parser):
        parser.add_argument("name", metavar="NAME", help=_("the system that will use the token"))
        parser.add_argument(
            "--scope",
            required=True,
            metavar="national|OFFICE_CODE|LOCAL_OFFICE_CODE",
            help=_("what the token reads: national, an office of education or a local office"),
        )
        parser.add_argument("--days", type=int, help=_("days until it expires (365)"))

    def handle(self, *args, name: str, scope: str, days: int | None, **options):
        try:
            token, raw = issue_token(name=name, scope=scope, days=days)
        except ValidationError as error:
            options = {"scope": "--scope: ", "days": "--days: ", "name": "NAME: "}
            messages = [
                f"{options.get(field, '')}{message}" for field, texts in error.message_dict.items() for message in texts
            ]
            raise CommandError("\n".join(messages), returncode=2) from error
        self.stdout.write(
            _("API token %(name)s (%(scope)s), expires %(expires)s. It is shown only now:")
            % {"name": token.name, "scope": token.scope_label, "expires": f"{token.expires_at:%Y-%m-%d %H:%M %Z}"}
        )
        self.stdout.write(raw)
