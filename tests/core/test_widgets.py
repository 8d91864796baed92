"""``CompactSelect`` writes the markup of Django's ``Select``, but for the white space between options."""

import re

import pytest
from django import forms

from casetracker.core.widgets import CompactSelect


class CompactSelectMultiple(CompactSelect):
    allow_multiple_selected = True


def markup(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


CHOICES = [("", "—"), ("a", 'A & <b>"'), ("group", [("b", "B"), ("c", "C")]), (3, "three")]
ATTRS = {"id": "id_x", "form": "step-1", "required": True, "disabled": False, "data-note": 'a"<b', "data-none": None}


@pytest.mark.parametrize("value", ["a", "c", 3, "3", None, ""])
def test_a_compact_select_reads_as_djangos(value):
    django_select = forms.Select(choices=CHOICES).render("x", value, attrs=ATTRS)
    compact = CompactSelect(choices=CHOICES).render("x", value, attrs=ATTRS)
    assert markup(compact) == markup(django_select)
    assert compact.count("<option") == 5 and compact.count(" selected") == 1


def test_a_compact_multiple_select_reads_as_djangos():
    django_select = forms.SelectMultiple(choices=CHOICES).render("x<", ["a", 3], attrs=ATTRS)
    compact = CompactSelectMultiple(choices=CHOICES).render("x<", ["a", 3], attrs=ATTRS)
    assert markup(compact) == markup(django_select)
    assert "&lt;" in compact and " multiple" in compact and compact.count(" selected") == 2
