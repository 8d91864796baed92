"""The admin's fieldsets written in Python (``core/templatetags/admin_fieldsets.py``): the same
markup as Django's ``admin/includes/fieldset.html``, white space included, on the incident's pages
(a clerk's, a supervisor's read-only one, a new case, a page shown again with its errors), on an
account's page (checkboxes, help texts) and for a fieldset of every kind of line."""

from pathlib import Path

import django.contrib.admin
import pytest
from django import forms
from django.contrib.admin import helpers
from django.template import engines
from django.template.loader import get_template
from django.urls import reverse

from tests.cases.test_admin import page_data
from tests.cases.test_case_page import case_url, whole_case  # noqa: F401 (a fixture)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OURS = "admin/includes/fieldset.html"
DJANGO = Path(django.contrib.admin.__file__).parent / "templates" / OURS


def djangos_fieldset():
    return engines["django"].from_string(DJANGO.read_text())


def assert_same(fieldset, request=None, **include) -> str:
    context = {"fieldset": fieldset, **include}
    ours = get_template(OURS).render(context, request)
    assert ours == djangos_fieldset().render(context, request)
    return ours


def assert_page_fieldsets_as_django(response) -> int:
    fieldsets = list(response.context["adminform"])
    for counter, fieldset in enumerate(fieldsets):
        assert_same(fieldset, response.wsgi_request, heading_level=2, prefix="fieldset", id_prefix=0, id_suffix=counter)
    return len(fieldsets)


@pytest.mark.parametrize("supervisor", [False, True], ids=["clerk", "supervisor"])
def test_the_case_pages_fieldsets_are_djangos_markup(whole_case, client, supervisor):  # noqa: F811
    client.force_login(UserFactory(office=whole_case.office, supervisor=supervisor, is_staff=True))
    response = client.get(case_url(whole_case))
    assert response.status_code == 200
    assert assert_page_fieldsets_as_django(response) == 4
    assert ('class="readonly"' in response.content.decode()) is True  # (the status, read only for all)


def test_the_new_case_and_a_page_shown_again_with_errors_are_djangos_markup(whole_case, client):  # noqa: F811
    client.force_login(UserFactory(office=whole_case.office))
    assert assert_page_fieldsets_as_django(client.get(reverse("admin:cases_incident_add"))) == 4
    data = page_data(client.get(case_url(whole_case)))
    data["report_date"] = "not a date"
    response = client.post(case_url(whole_case), data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert_page_fieldsets_as_django(response)


def test_an_accounts_fieldsets_are_djangos_markup(client):
    client.force_login(UserFactory(username="admin_a", role="admin", office=None))
    response = client.get(reverse("admin:accounts_user_change", args=[UserFactory().pk]))
    assert response.status_code == 200
    assert assert_page_fieldsets_as_django(response) > 1
    page = response.content.decode()
    assert "checkbox-row" in page and 'class="help' in page


class EveryLine(forms.Form):
    first = forms.CharField(help_text="<b>one</b>")
    second = forms.CharField(required=False)
    ticked = forms.BooleanField(required=False, help_text="ticked")
    secret = forms.CharField(widget=forms.HiddenInput, required=False, help_text="hidden")


@pytest.mark.parametrize("bound", [False, True], ids=["unbound", "with errors"])
@pytest.mark.parametrize("classes", [(), ("collapse", "wide")], ids=["plain", "collapsible"])
def test_a_fieldset_of_every_kind_of_line_is_djangos_markup(bound, classes):
    form = EveryLine({"second": "<i>x</i>"} if bound else None)
    fieldset = helpers.Fieldset(
        form,
        name="Lines & <more>",
        fields=[("first", "second"), "ticked", "secret", ("ticked", "secret")],
        classes=classes,
        description="<p>Said</p>",
    )
    ours = assert_same(fieldset, heading_level=4, prefix="people", id_prefix=3, id_suffix=1)
    assert ("errorlist" in ours) is bound
    assert_same(helpers.Fieldset(form, fields=["first"]))  # (no name, no heading, no variables)
