"""The channel table: incidents counted through their links to channels (``engine.Link``).

An incident spreads through any number of channels: it counts once in each of its channels'
rows and once in the total; an incident with none counts in "not recorded". The figures are
those of the join the link table replaced, scoped and filtered as every report is, and each
cell's drill-down lists exactly the incidents behind it.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.cases.models import Incident, Victim
from casetracker.core.models import Channel, SchoolLevel
from casetracker.reports.definitions import CHANNELS, REPORTS, VICTIMS, channels_in_order, where
from casetracker.reports.engine import (
    NOT_RECORDED,
    TOTAL,
    CountColumn,
    Dimension,
    Link,
    Structure,
    TableSpec,
    compute_table,
)
from casetracker.reports.reporting import filtered_incidents, run_report
from tests.factories import (
    ChannelFactory,
    IncidentFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

CODES = ("t-chat", "t-telegram", "t-room")
BY_CHANNEL = Dimension("channel", "channel", "channels__code", values=channels_in_order)


@pytest.fixture
def cases():
    """Two offices. North: an incident through two channels, one through one, two through none (a
    high school and a middle school, each its own local office). South: one through two, one through none."""
    chat, telegram, room = (ChannelFactory(code=code) for code in CODES)
    north, south = OfficeFactory(code="t-north"), OfficeFactory(code="t-south")
    high = SchoolFactory(office=north)
    middle = SchoolFactory(office=north, level=SchoolLevel.MIDDLE)
    southern = SchoolFactory(office=south)

    def incident(office, school, date, channels=(), police=False):
        return IncidentFactory(
            office=office,
            school=school,
            report_date=date,
            channels=list(channels),
            police_referred_on=date + datetime.timedelta(days=1) if police else None,
        )

    return {
        "both": incident(north, high, datetime.date(2024, 3, 1), [chat, telegram], police=True),
        "chat": incident(north, middle, datetime.date(2023, 5, 1), [chat]),
        "none": incident(north, high, datetime.date(2024, 4, 1), police=True),
        "none_2023": incident(north, middle, datetime.date(2023, 6, 1)),
        "south_two": incident(south, southern, datetime.date(2024, 2, 1), [chat, room]),
        "south_none": incident(south, southern, datetime.date(2024, 2, 2)),
        "north": north,
        "south": south,
        "high": high,
    }


@pytest.fixture
def national():
    return UserFactory(supervisor=True, office=None)


def figures(user, params=None) -> dict:
    """The channel table's counts: the test's channels, "not recorded" (when shown) and the total."""
    table = run_report(CHANNELS, user, params or {}).table("channels")
    return {row.value: row.cells["reports"] for row in table.rows if row.value in {*CODES, NOT_RECORDED, TOTAL}}


def by_join(monkeypatch):
    """The engine as it was: the incidents joined to their channels (no link table)."""
    monkeypatch.setattr(Dimension, "link", lambda self, unit, model: None)


def test_an_incident_counts_in_each_of_its_channels_and_once_in_the_total(cases, national):
    assert figures(national) == {"t-chat": 3, "t-telegram": 1, "t-room": 1, NOT_RECORDED: 3, TOTAL: 6}
    table = run_report(CHANNELS, national, {}).table("channels")
    shares = {row.value: row.cells["pct"] for row in table.rows}
    assert str(shares["t-chat"]) == "50.0"  # of the 6 incidents, not of the 8 links
    assert str(shares[NOT_RECORDED]) == "50.0"
    assert [(row.value, row.kind) for row in table.rows][-2:] == [(NOT_RECORDED, "row"), (TOTAL, "total")]
    sources = run_report(CHANNELS, national, {}).table("sources")
    assert sources.rows[-1].cells["reports"] == 6


def test_without_incidents_lacking_a_channel_there_is_no_not_recorded_row(cases, national):
    for name in ("none", "none_2023", "south_none"):
        cases[name].channels.set([Channel.objects.get(code="t-room")])
    assert figures(national) == {"t-chat": 3, "t-telegram": 1, "t-room": 4, TOTAL: 6}


def test_an_office_sees_only_its_incidents(cases):
    north_clerk = UserFactory(office=cases["north"])
    assert figures(north_clerk) == {"t-chat": 2, "t-telegram": 1, "t-room": 0, NOT_RECORDED: 2, TOTAL: 4}
    south_supervisor = UserFactory(supervisor=True, office=cases["south"])
    assert figures(south_supervisor) == {"t-chat": 1, "t-telegram": 0, "t-room": 1, NOT_RECORDED: 1, TOTAL: 2}
    # A clerk of one local office: the high school's incidents only.
    local_clerk = UserFactory(office=cases["north"], local_office=cases["high"].local_office)
    assert figures(local_clerk) == {"t-chat": 1, "t-telegram": 1, "t-room": 0, NOT_RECORDED: 1, TOTAL: 2}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_from": "2024-01-01"}, {"t-chat": 2, "t-telegram": 1, "t-room": 1, NOT_RECORDED: 2, TOTAL: 4}),
        ({"date_to": "2023-12-31"}, {"t-chat": 1, "t-telegram": 0, "t-room": 0, NOT_RECORDED: 1, TOTAL: 2}),
        ({"school_level": "middle"}, {"t-chat": 1, "t-telegram": 0, "t-room": 0, NOT_RECORDED: 1, TOTAL: 2}),
        ({"office": "t-south"}, {"t-chat": 1, "t-telegram": 0, "t-room": 1, NOT_RECORDED: 1, TOTAL: 2}),
        ({"date_from": "2025-01-01"}, {"t-chat": 0, "t-telegram": 0, "t-room": 0, TOTAL: 0}),
    ],
)
def test_the_filters_count_only_their_incidents(cases, national, params, expected):
    assert figures(national, params) == expected


# Counts with and without conditions, and a count of another unit (victims: through the join).
FOUR_COUNTS = TableSpec(
    "t",
    "t",
    BY_CHANNEL,
    (
        CountColumn("reports", "reports", REPORTS),
        CountColumn("police", "police", REPORTS, where(police_referred_on__isnull=False)),
        CountColumn("middle", "middle", REPORTS, where(school__level=SchoolLevel.MIDDLE)),
        CountColumn("victims", "victims", VICTIMS),
    ),
    suppression=Structure(rows_add_up=False),
)


@pytest.mark.parametrize("params", [{}, {"date_from": "2024-01-01"}, {"school_level": "high"}])
@pytest.mark.parametrize("who", ["national", "north clerk", "local clerk"])
def test_the_link_table_gives_the_figures_of_the_join(cases, national, monkeypatch, params, who):
    user = {
        "national": national,
        "north clerk": UserFactory(office=cases["north"]),
        "local clerk": UserFactory(office=cases["north"], local_office=cases["high"].local_office),
    }[who]
    spec = FOUR_COUNTS
    incidents = filtered_incidents(user, params).qs
    by_links = [(row.value, row.cells) for row in compute_table(spec, user, incidents).rows]
    by_join(monkeypatch)
    assert by_links == [(row.value, row.cells) for row in compute_table(spec, user, incidents).rows]


def test_several_counts_each_with_its_condition(cases, national):
    VictimFactory(incident=cases["both"])
    VictimFactory(incident=cases["none"], teacher=True)
    spec = FOUR_COUNTS
    incidents = filtered_incidents(national, {}).qs
    rows = {row.value: row.cells for row in compute_table(spec, national, incidents).rows}
    counts = ("reports", "police", "middle", "victims")
    assert {key: rows["t-chat"][key] for key in counts} == {"reports": 3, "police": 1, "middle": 1, "victims": 1}
    assert {key: rows["t-telegram"][key] for key in counts} == {"reports": 1, "police": 1, "middle": 0, "victims": 1}
    assert {key: rows[NOT_RECORDED][key] for key in counts} == {"reports": 3, "police": 1, "middle": 1, "victims": 1}
    assert {key: rows[TOTAL][key] for key in counts} == {"reports": 6, "police": 2, "middle": 2, "victims": 2}


def test_what_is_counted_on_the_link_table():
    """The channels' code (unique) of an incident's own channels; not a field several channels may
    share, nor channels reached from another unit's rows, nor a relation that is not many-to-many."""
    link = BY_CHANNEL.link(REPORTS, Incident)
    assert link == Link("channels", Incident.channels.through, "incident", "channel", Channel, "code")
    assert Dimension("c", "c", "channels").link(REPORTS, Incident).field == ""
    assert Dimension("c", "c", "channels__name_en").link(REPORTS, Incident) is None
    assert Dimension("c", "c", "channels__code").link(VICTIMS, Victim) is None
    assert Dimension("o", "o", "office__code").link(REPORTS, Incident) is None
    assert Dimension("y", "y", "report_date", by_year=True).link(REPORTS, Incident) is None


def test_the_national_figures_read_the_link_table_alone(cases, national):
    incidents = filtered_incidents(national, {}).qs
    with CaptureQueriesContext(connection) as captured:
        compute_table(CHANNELS.table("channels"), national, incidents)
    on_links = [q["sql"] for q in captured.captured_queries if '"cases_incident_channels"' in q["sql"]]
    assert len(on_links) == 2  # by channel, and the incidents among the links
    assert not any('"cases_incident"' in sql for sql in on_links)


# Drill-down --------------------------------------------------------------------------------------


def drilled(client, row, **params):
    query = {"table": "channels", "row": row, "column": "reports", **params}
    response = client.get(reverse("reports:cases", args=["channels"]), query)
    assert response.status_code == 200
    listed = set(response.context["table"].data.data)
    assert response.context["count"] == len(listed)
    return listed


@pytest.mark.parametrize(
    ("who", "params", "expected"),
    [
        (
            "national",
            {},
            {
                "t-chat": {"both", "chat", "south_two"},
                "t-telegram": {"both"},
                NOT_RECORDED: {"none", "none_2023", "south_none"},
                TOTAL: {"both", "chat", "none", "none_2023", "south_two", "south_none"},
            },
        ),
        (
            "national",
            {"date_from": "2024-01-01"},
            {
                "t-chat": {"both", "south_two"},
                NOT_RECORDED: {"none", "south_none"},
                TOTAL: {"both", "none", "south_two", "south_none"},
            },
        ),
        (
            "north clerk",
            {},
            {
                "t-chat": {"both", "chat"},
                "t-room": set(),
                NOT_RECORDED: {"none", "none_2023"},
                TOTAL: {"both", "chat", "none", "none_2023"},
            },
        ),
        ("north clerk", {"school_level": "middle"}, {"t-chat": {"chat"}, NOT_RECORDED: {"none_2023"}}),
    ],
)
def test_each_cell_lists_exactly_its_incidents(client, cases, national, who, params, expected):
    user = national if who == "national" else UserFactory(office=cases["north"])
    client.force_login(user)
    shown = figures(user, params)
    for row, names in expected.items():
        assert drilled(client, row, **params) == {cases[name] for name in names}, row
        assert shown[row] == len(names), row


def test_a_clerk_cannot_drill_into_another_office(client, cases):
    client.force_login(UserFactory(office=cases["north"]))
    assert cases["south_two"] not in drilled(client, "t-room")
    assert drilled(client, "t-room") == set()
    assert cases["south_none"] not in drilled(client, NOT_RECORDED)
