"""English: Mar. 4, 2024, 14:05 (Django's English formats otherwise, for input)."""

from django.conf.locale.en.formats import *  # noqa: F403 (the input formats stay Django's)

DATE_FORMAT = "N j, Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
