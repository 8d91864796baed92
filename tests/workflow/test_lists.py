"""The work queue's lists as django-tables2 tables (casetracker/workflow/tables.py): filters that
are not valid are a message on the form (still only the user's scope, the valid ones still
applied), sorting by the columns the database sorts by, pages that answer any number, and table
headers a screen reader can follow."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casetracker.workflow.queue import Due
from casetracker.workflow.tables import OpenTakedownsTable, QueueTable
from tests.conftest import rows_kept
from tests.factories import IncidentFactory, OfficeFactory, TakedownRequestFactory, UserFactory
from tests.workflow.test_queue import Office
from tests.workflow.test_retention import recorded

pytestmark = pytest.mark.django_db

QUEUE = reverse("workflow:queue")
OPEN_TAKEDOWNS = reverse("workflow:open_takedowns")
RETENTION = reverse("workflow:retention")


def on(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@rows_kept
def offices():
    """Two offices of the work queue's tests (made once for the module's tests that ask for them)."""
    today = timezone.localdate()
    return Office("seoul", today).build(), Office("gyeonggi", today).build()


def get(client, user, url=QUEUE, **params):
    client.force_login(user)
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def records(response) -> list:
    return [row.record for row in response.context["table"].paginated_rows]


def case_numbers(office) -> set[str]:
    return set(office.incidents.values_list("case_number", flat=True))


# Filters that are not valid -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"due": "everything-at-once"}, "due"),
        ({"when": "yesterday"}, "when"),
        ({"sort": "latest"}, "sort"),
        ({"sort": "detail"}, "sort"),  # a column the list does not sort by
        ({"sort": "deadline,case"}, "sort"),
        ({"due": "\x00"}, "due"),
    ],
)
def test_a_filter_that_is_not_valid_is_a_message_on_the_form(client, offices, params, field):
    seoul, gyeonggi = offices
    response = get(client, UserFactory(office=seoul.office), **params)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'role="alert"' in content and "These filters are not valid:" in content
    errors = re.search(rf'<div class="field-errors" id="id_{field}_errors">(.*?)</div>', content, re.S)
    assert errors and "Select a valid choice" in errors.group(1)
    assert f'<select name="{field}" aria-invalid="true"' in content
    # The list is still there, in the user's scope only, in the usual order.
    assert [(item.due, item.deadline) for item in records(response)] == [
        (due, deadline) for due, _pk, deadline in seoul.ordered()
    ]
    shown = set(re.findall(r'<a href="/admin/cases/incident/\d+/change/">([^<]+)</a>', content))
    assert shown and shown <= case_numbers(seoul.office)
    assert not shown & case_numbers(gyeonggi.office)


def test_the_valid_filters_still_apply_beside_one_that_is_not(client, offices):
    seoul, _gyeonggi = offices
    response = get(client, UserFactory(office=seoul.office), due="measure", when="someday")
    assert response.status_code == 400
    assert {item.due for item in records(response)} == {Due.MEASURE}
    assert len(records(response)) == 2


def test_a_supervisor_with_a_filter_that_is_not_valid_still_sees_only_their_offices(client, offices):
    seoul, _gyeonggi = offices
    response = get(client, UserFactory(supervisor=True, office=seoul.office), when="yesterday", due="measure")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert [(entry.office.code, entry.total) for entry in records(response)] == [("seoul", 2)]


def test_the_sort_choices_are_the_columns_the_queue_sorts_by(client, offices):
    response = get(client, UserFactory(office=offices[0].office))
    choices = [value for value, _label in response.context["filters"].form.fields["sort"].choices]
    assert choices == ["deadline", "-deadline", "due", "-due", "case", "-case"]
    assert [value for value, _label in QueueTable.sort_choices()] == choices


# Sorting ------------------------------------------------------------------------------------------


def test_the_queue_sorts_by_each_of_its_columns(client, offices):
    seoul, _gyeonggi = offices
    clerk = UserFactory(office=seoul.office)
    expected = seoul.ordered()  # deadline, case, due, item
    by_due = [(item.due, item.deadline) for item in records(get(client, clerk, sort="due"))]
    assert by_due == sorted(((due, deadline) for due, _pk, deadline in expected), key=lambda item: item[0].value)
    by_due_down = [item.due.value for item in records(get(client, clerk, sort="-due"))]
    assert by_due_down == sorted(by_due_down, reverse=True)
    by_case = [item.case_number for item in records(get(client, clerk, sort="case"))]
    assert by_case == sorted(by_case)
    by_case_down = records(get(client, clerk, sort="-case"))
    assert [item.case_number for item in by_case_down] == sorted(by_case, reverse=True)
    # Within a case, still the earliest deadline first.
    first_case = [item.deadline for item in by_case_down if item.case_number == by_case_down[0].case_number]
    assert first_case == sorted(first_case)
    latest_first = [item.deadline for item in records(get(client, clerk, sort="-deadline"))]
    assert latest_first == sorted(latest_first, reverse=True)


def test_the_headers_link_to_each_sort_and_say_which_is_in_use(client, offices):
    response = get(client, UserFactory(office=offices[0].office), sort="-case", due="hearing")
    content = response.content.decode()
    header = re.search(r'<th scope="col"[^>]*aria-sort="([a-z]+)"[^>]*>\s*<a href="([^"]+)">([^<]+)</a>', content)
    assert header and header.group(1) == "descending" and header.group(3) == "case"
    # The link sorts the other way, keeps the filters and starts again at page 1.
    link = header.group(2).replace("&amp;", "&")
    assert "sort=case" in link and "due=hearing" in link and "page=1" in link
    assert content.count('aria-sort="') == 1
    assert '<a href="?sort=deadline&amp;due=hearing&amp;page=1">deadline</a>' in content


def test_by_default_the_queue_says_it_is_sorted_by_deadline(client, offices):
    content = get(client, UserFactory(office=offices[0].office)).content.decode()
    assert re.search(r'<th scope="col" class="asc orderable" aria-sort="ascending">\s*<a [^>]*>deadline</a>', content)


def test_a_sorted_queue_needs_the_same_queries(client, django_assert_num_queries):
    seoul = Office("seoul", timezone.localdate()).build()
    client.force_login(UserFactory(office=seoul.office))
    # As unsorted (tests/workflow/test_queue.py): the sort is in the page's SQL, not in Python.
    for sort in ("-case", "due", "-deadline"):
        with django_assert_num_queries(9):
            assert client.get(QUEUE, {"sort": sort, "page": "2"}).status_code == 200


@pytest.fixture
def takedowns():
    seoul, gyeonggi = OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")

    def request(office, days_ago):
        return TakedownRequestFactory(
            incident=IncidentFactory(office=office, report_date=on(-60)), requested_on=on(-days_ago)
        )

    return {
        "seoul": seoul,
        "gyeonggi": gyeonggi,
        "requests": [request(seoul, days) for days in (9, 30, 12, 20)],
        "other": request(gyeonggi, 15),
    }


def test_the_open_takedowns_sort_by_date_case_and_office(client, takedowns):
    clerk = UserFactory(office=takedowns["seoul"])
    oldest_first = sorted(takedowns["requests"], key=lambda item: item.requested_on)
    assert records(get(client, clerk, OPEN_TAKEDOWNS)) == oldest_first
    assert records(get(client, clerk, OPEN_TAKEDOWNS, sort="-requested_on")) == oldest_first[::-1]
    by_case = sorted(takedowns["requests"], key=lambda item: item.incident.case_number)
    assert records(get(client, clerk, OPEN_TAKEDOWNS, sort="case")) == by_case
    supervisor = UserFactory(supervisor=True, office=None)
    offices = [item.incident.office.code for item in records(get(client, supervisor, OPEN_TAKEDOWNS, sort="office"))]
    order = {office.code: office.sort_order for office in (takedowns["seoul"], takedowns["gyeonggi"])}
    assert offices == sorted(offices, key=order.get) and set(offices) == {"seoul", "gyeonggi"}


@pytest.mark.parametrize("sort", ["platform", "bogus", "-days_open", "\x00", "x" * 300])
def test_a_sort_the_takedowns_do_not_offer_leaves_the_usual_order(client, takedowns, sort):
    response = get(client, UserFactory(office=takedowns["seoul"]), OPEN_TAKEDOWNS, sort=sort)
    assert response.status_code == 200
    assert records(response) == sorted(takedowns["requests"], key=lambda item: item.requested_on)


def test_the_retention_list_sorts_by_its_columns(client):
    seoul = OfficeFactory(code="seoul")
    measures = [recorded(seoul, number, due_in=days) for number, days in ((6, 10), (4, -3), (8, 25), (5, 0))]
    client.force_login(UserFactory(office=seoul))
    shown = records(client.get(RETENTION))
    assert [measure.number for measure in shown] == [4, 5, 6, 8]  # earliest deletion first
    assert records(client.get(RETENTION, {"sort": "-deletion_due"})) == shown[::-1]
    by_number = records(client.get(RETENTION, {"sort": "-measure"}))
    assert [measure.number for measure in by_number] == [8, 6, 5, 4]
    by_offender = records(client.get(RETENTION, {"sort": "offender"}))
    assert [measure.offender.code for measure in by_offender] == sorted(measure.offender.code for measure in measures)


# Pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "shown"),
    [("1", 1), ("2", 2), ("3", 2), ("-5", 2), ("0", 2), ("99999999999", 2), ("1" * 30, 2), ("abc", 1), ("1e400", 1)],
)
def test_any_page_number_answers(client, takedowns, monkeypatch, page, shown):
    """Two requests a page: page 1 or 2; before the start or past the end, the last; not a number, the first."""
    monkeypatch.setattr(OpenTakedownsTable._meta, "per_page", 2)
    response = get(client, UserFactory(office=takedowns["seoul"]), OPEN_TAKEDOWNS, page=page, sort="-requested_on")
    assert response.status_code == 200
    newest_first = sorted(takedowns["requests"], key=lambda item: item.requested_on, reverse=True)
    assert records(response) == newest_first[(shown - 1) * 2 : shown * 2]
    assert response.context["table"].page.number == shown
    content = response.content.decode()
    assert f'<span aria-current="page">{shown}</span>' in content
    other = 3 - shown
    assert (
        f'href="?page={other}&amp;sort=-requested_on"' in content or f'sort=-requested_on&amp;page={other}"' in content
    )


def test_the_page_size_is_the_lists_own(client, takedowns, monkeypatch):
    monkeypatch.setattr(OpenTakedownsTable._meta, "per_page", 2)
    response = get(client, UserFactory(office=takedowns["seoul"]), OPEN_TAKEDOWNS, per_page="1000000")
    assert len(records(response)) == 2


# Headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, OPEN_TAKEDOWNS, RETENTION])
@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_each_table_has_a_caption_column_headers_and_row_headers(client, offices, url, role):
    recorded(offices[0].office, 6, due_in=-3)
    user = UserFactory(office=offices[0].office, supervisor=role == "supervisor")
    response = get(client, user, url)
    assert response.status_code == 200
    content = response.content.decode()
    table = re.search(r"<table[^>]*>(.*?)</table>", content, re.S).group(1)
    assert re.search(r"<caption>[^<]+</caption>", table)
    columns = len(response.context["table"].columns)
    assert table.count('<th scope="col"') == columns
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody")[1], re.S)
    assert rows and all(row.count('<th scope="row"') == 1 for row in rows)
    assert "<script" not in content and "style=" not in content


@pytest.mark.parametrize(
    ("url", "empty_text"),
    [
        (QUEUE, "처리할 일이 없습니다."),
        (OPEN_TAKEDOWNS, "7일 넘게 처리되지 않은 삭제 요청이 없습니다."),
        (RETENTION, "학교생활기록부에서 삭제할 조치가 없습니다."),
    ],
)
def test_an_empty_list_says_so_in_korean(client, url, empty_text):
    client.force_login(UserFactory(office=OfficeFactory(code="seoul")))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    response = client.get(url)
    assert response.status_code == 200
    assert records(response) == []
    columns = len(response.context["table"].columns)
    assert f'<tr><td colspan="{columns}">{empty_text}</td></tr>' in response.content.decode()
