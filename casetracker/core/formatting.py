"""The one rule for a date written into text that people read: messages, details, e-mails.

Pages show dates with the ``date`` template filter, which is the same rule (the active
language's ``DATE_FORMAT``: 2024년 3월 4일 in Korean, Mar. 4, 2024 in English). Text built in
Python goes through ``format_date``. Machine-read values (CSV/XLSX cells, URL parameters,
form inputs) stay ISO: they are not formatted here.
"""

import datetime

from django.utils.formats import date_format

EMPTY = "\N{EM DASH}"


def format_date(value: datetime.date | None) -> str:
    """``value`` in the active language's date format; a dash when there is no date."""
    if value is None:
        return EMPTY
    return date_format(value, "DATE_FORMAT")
