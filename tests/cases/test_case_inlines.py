"""The case page's tabular inlines, their rows written in Python (``cases/templatetags/case_inlines.py``):
the same markup as Django's ``admin/edit_inline/tabular.html``, white space included, for a clerk
(every field a widget), for a supervisor (every field read only) and for a page shown again with
its errors."""

import pytest
from django.template.loader import get_template

from casetracker.cases.admin.incidents import CASE_TABULAR
from tests.cases.test_admin import page_data
from tests.cases.test_case_page import case_url, whole_case  # noqa: F401 (a fixture)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DJANGO_TABULAR = "admin/edit_inline/tabular.html"


def assert_rendered_as_django(response) -> None:
    formsets = response.context["inline_admin_formsets"]
    assert len(formsets) == 4  # (victims, offenders, separations, takedown requests)
    for formset in formsets:
        assert formset.opts.template == CASE_TABULAR
        context = {"inline_admin_formset": formset}
        ours = get_template(CASE_TABULAR).render(context, response.wsgi_request)
        assert ours == get_template(DJANGO_TABULAR).render(context, response.wsgi_request)
        assert f'id="{formset.formset.prefix}-0"' in ours


@pytest.mark.parametrize("supervisor", [False, True], ids=["clerk", "supervisor"])
def test_the_rows_are_djangos_markup(whole_case, client, supervisor):  # noqa: F811
    client.force_login(UserFactory(office=whole_case.office, supervisor=supervisor, is_staff=True))
    response = client.get(case_url(whole_case))
    assert response.status_code == 200
    assert_rendered_as_django(response)
    page = response.content.decode()
    assert ("inlinechangelink" in page) is not supervisor and ("inlineviewlink" in page) is supervisor


def test_the_rows_shown_again_with_their_errors_are_djangos_markup(whole_case, client):  # noqa: F811
    client.force_login(UserFactory(office=whole_case.office))
    data = page_data(client.get(case_url(whole_case)))
    data["victims-0-code"] = ""  # (required)
    response = client.post(case_url(whole_case), data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert_rendered_as_django(response)
