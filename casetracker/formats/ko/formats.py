"""Korean: 2024년 3월 4일, 14:05 (Django's Korean formats otherwise, for input)."""

from django.conf.locale.ko.formats import *  # noqa: F403 (the input formats stay Django's)

DATE_FORMAT = "Y년 n월 j일"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y년 n월 j일 H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
