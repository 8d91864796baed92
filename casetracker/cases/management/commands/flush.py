"""Django's ``flush``, with the allowance to empty the committee cases, measures and appeals.

SQLite flushes with DELETE FROM, PostgreSQL with TRUNCATE, both of which the tables' triggers refuse
(``no_delete``); the flush runs inside ``no_delete.flushing()``, the one transaction they let
through. Between ``TransactionTestCase`` and live-server tests too.
"""

from django.core.management.commands import flush

from casetracker.cases import no_delete


class Command(flush.Command):
    def handle(self, **options):
        with no_delete.flushing(using=options["database"]):
            super().handle(**options)
