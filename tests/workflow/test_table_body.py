"""The work-queue lists' rows, written in Python (``ListTable.body_html``, issue 20), are the rows
django-tables2's template loop wrote: each list rendered both ways, in Korean and in English, gives
the same markup (white space between tags aside). And the clerk's and the supervisors' queue pages
take a fixed number of queries."""

import itertools
import re

import pytest
from django.template import engines
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory
from tests.workflow.test_backlog import office_with_backlog  # noqa: F401 (fixtures)
from tests.workflow.test_identity_retention import YEARS, cases  # noqa: F401
from tests.workflow.test_queue import live_offices, takedowns  # noqa: F401
from tests.workflow.test_retention import gyeonggi, records, seoul  # noqa: F401

pytestmark = pytest.mark.django_db

# ``workflow/table.html`` as it was: django-tables2's loop over the rows and their cells.
TEMPLATE_LOOP = """{% extends "workflow/table.html" %}
{% block table.tbody %}
<tbody {{ table.attrs.tbody.as_html }}>
{% for row in table.paginated_rows %}
<tr {{ row.attrs.as_html }}>
  {% for column, cell in row.items %}
    {% if column.name == table.row_header %}<th scope="row" {{ column.attrs.td.as_html }}>{{ cell }}</th>
    {% else %}<td {{ column.attrs.td.as_html }}>{{ cell }}</td>{% endif %}
  {% endfor %}
</tr>
{% empty %}
{% if table.empty_text %}<tr><td colspan="{{ table.columns|length }}">{{ table.empty_text }}</td></tr>{% endif %}
{% endfor %}
</tbody>
{% endblock table.tbody %}
"""


def tags_only(markup: str) -> str:
    """``markup`` without the white space between tags, each run of white space one space."""
    return re.sub(r"\s+", " ", re.sub(r">\s+", ">", re.sub(r"\s+<", "<", markup))).strip()


def both_ways(response) -> tuple[str, str]:
    """The page's table rendered by ``body_html`` and by the template loop (each from its first row)."""
    table, request = response.context["table"], response.wsgi_request
    table._counter = itertools.count()
    written = get_template("workflow/table.html").render({"table": table}, request)
    table._counter = itertools.count()
    looped = engines["django"].from_string(TEMPLATE_LOOP).render({"table": table}, request)
    return tags_only(written), tags_only(looped)


def rendered(client, user, url, language, **params):
    client.force_login(user)
    with translation.override(language):
        response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return both_ways(response)


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("params", [{}, {"sort": "-deadline"}, {"sort": "case"}, {"due": "measure"}])
def test_the_clerks_queue_is_written_as_the_template_wrote_it(client, live_offices, language, params):  # noqa: F811
    seoul_items, _gyeonggi = live_offices
    written, looped = rendered(
        client, UserFactory(office=seoul_items.office), reverse("workflow:queue"), language, **params
    )
    assert written == looped
    assert written.count("<tr ") > 1
    assert 'href="/admin/cases/incident/' in written


def test_the_backlog_and_its_badge_are_written_as_before(client, office_with_backlog):  # noqa: F811
    office, _today, _cases = office_with_backlog
    written, looped = rendered(client, UserFactory(office=office), reverse("workflow:queue"), "ko")
    assert written == looped
    assert 'class="urgency-0 backlog odd"' in written
    assert '<span class="badge backlog">' in written


@pytest.mark.parametrize("office", [False, True])
def test_the_supervisors_counts_are_written_as_before(client, live_offices, office):  # noqa: F811
    supervisor = UserFactory(supervisor=True, office=live_offices[0].office if office else None)
    written, looped = rendered(client, supervisor, reverse("workflow:queue"), "ko")
    assert written == looped
    assert '<th scope="row" >' in written


def test_an_empty_queue_says_so_as_before(client):
    written, looped = rendered(client, UserFactory(), reverse("workflow:queue"), "en")
    assert written == looped
    assert '<tr><td colspan="5">Nothing is due.</td></tr>' in written


def test_the_open_takedowns_are_written_as_before(client, takedowns):  # noqa: F811
    written, looped = rendered(client, UserFactory(office=takedowns["seoul"]), reverse("workflow:open_takedowns"), "ko")
    assert written == looped
    assert written.count("<tr ") > 1


def test_the_records_due_for_deletion_are_written_as_before(client, seoul, records):  # noqa: F811
    written, looped = rendered(client, UserFactory(office=seoul), reverse("workflow:retention"), "ko")
    assert written == looped
    assert written.count("<tr ") > 1


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=YEARS)
def test_the_names_due_for_removal_are_written_as_before(client, seoul, cases):  # noqa: F811
    written, looped = rendered(client, UserFactory(office=seoul), reverse("workflow:identities"), "ko")
    assert written == looped
    assert written.count("<tr ") > 1


@pytest.mark.parametrize(
    "user, queries",
    [
        # The session and the user; the offices with their backlog's counts; the live work's counts; the
        # page's rows; the user's office in the masthead; saving the session (savepoint, update, release).
        ({}, 9),
        # The same without the rows: the counts are the page.
        ({"supervisor": True}, 8),
        # And no office in the masthead.
        ({"supervisor": True, "office": None}, 7),
    ],
)
def test_the_queue_page_takes_a_fixed_number_of_queries(client, live_offices, user, queries, django_assert_num_queries):  # noqa: F811
    fields = {"office": live_offices[0].office, **user}
    client.force_login(UserFactory(**fields))
    with django_assert_num_queries(queries):
        assert client.get(reverse("workflow:queue")).status_code == 200
