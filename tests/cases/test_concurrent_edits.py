"""Two clerks editing the same record: the first save wins, the second is refused with what
changed meanwhile (labels and values from the change history, never names), and nothing of it
is saved. A save from an up-to-date form raises the version; a form without its version is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from casetracker.cases import services
from casetracker.cases.models import Incident, Measure, Victim
from tests.cases.test_admin import english_date, inline_formset, page_data, page_errors
from tests.factories import (
    ChannelFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

LOADED_VERSION = "loaded_version"


def change_url(record) -> str:
    return reverse(f"admin:cases_{record._meta.model_name}_change", args=[record.pk])


def clerk(office) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(office=office))
    return client


def in_page_language(response, text) -> str:
    """``text`` (a lazy translation) in the language the page was rendered in."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return str(text)


def refusal(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.context["adminform"].form.non_field_errors())


@pytest.fixture
def incident():
    incident = IncidentFactory(
        content_kind=Incident.ContentKind.SEXUAL_IMAGE, content_description="Found in a class group chat."
    )
    VictimFactory(incident=incident, code="V1", name="김영희")
    return incident


def test_the_second_save_of_an_incident_is_refused_with_what_changed(incident):
    first, second = clerk(incident.office), clerk(incident.office)
    url = change_url(incident)
    first_data, second_data = page_data(first.get(url)), page_data(second.get(url))
    assert first_data[LOADED_VERSION] == second_data[LOADED_VERSION] == 1

    first_data["content_kind"] = Incident.ContentKind.SEXUAL_VIDEO
    response = first.post(url, first_data)
    assert response.status_code == 302, page_errors(response)

    second_data["content_kind"] = Incident.ContentKind.OTHER_COMPOSITE
    second_data["content_description"] = "Typed by the second clerk."
    response = second.post(url, second_data)

    message = refusal(response)
    label = in_page_language(response, Incident._meta.get_field("content_kind").verbose_name)
    old = in_page_language(response, Incident.ContentKind.SEXUAL_IMAGE.label)
    new = in_page_language(response, Incident.ContentKind.SEXUAL_VIDEO.label)
    assert f"{label}: {old} → {new}" in message
    # Only what changed meanwhile is listed, and never a name.
    assert in_page_language(response, Incident._meta.get_field("content_description").verbose_name) not in message
    assert "김영희" not in message
    incident.refresh_from_db()
    assert (incident.content_kind, incident.content_description, incident.version) == (
        Incident.ContentKind.SEXUAL_VIDEO,
        "Found in a class group chat.",
        2,
    )
    # Reloaded, the second clerk's page carries the new version and saves.
    retry = page_data(second.get(url))
    assert retry[LOADED_VERSION] == 2
    retry["content_kind"] = Incident.ContentKind.OTHER_COMPOSITE
    assert second.post(url, retry).status_code == 302
    incident.refresh_from_db()
    assert (incident.content_kind, incident.version) == (Incident.ContentKind.OTHER_COMPOSITE, 3)


def test_the_second_save_of_a_measure_is_refused_with_what_changed():
    measure = MeasureFactory(
        decided_on=datetime.date(2024, 5, 23), committee_case__hearing_date=datetime.date(2024, 5, 23)
    )
    first, second = clerk(measure.committee_case.incident.office), clerk(measure.committee_case.incident.office)
    url = change_url(measure)
    first_data, second_data = page_data(first.get(url)), page_data(second.get(url))

    first_data["notified_on"] = "2024-05-28"
    response = first.post(url, first_data)
    assert response.status_code == 302, page_errors(response)
    second_data["notified_on"] = "2024-05-30"
    response = second.post(url, second_data)

    label = in_page_language(response, Measure._meta.get_field("notified_on").verbose_name)
    assert f"{label}: — → May 28, 2024" in refusal(response)  # the date as the page's language writes it
    measure.refresh_from_db()
    assert (measure.notified_on, measure.version) == (datetime.date(2024, 5, 28), 2)


def test_a_save_with_no_concurrent_change_succeeds_and_raises_the_version(incident):
    client = clerk(incident.office)
    url = change_url(incident)
    data = page_data(client.get(url))
    data["police_referred_on"] = str(incident.report_date)
    response = client.post(url, data)
    assert response.status_code == 302, page_errors(response)
    incident.refresh_from_db()
    assert (incident.police_referred_on, incident.version) == (incident.report_date, 2)
    assert incident.history.latest().version == 2


def test_a_post_without_the_version_is_refused_with_a_form_error(incident):
    client = clerk(incident.office)
    url = change_url(incident)
    data = page_data(client.get(url))
    del data[LOADED_VERSION]
    data["content_kind"] = Incident.ContentKind.SEXUAL_VIDEO
    response = client.post(url, data)
    assert refusal(response)
    incident.refresh_from_db()
    assert (incident.content_kind, incident.version) == (Incident.ContentKind.SEXUAL_IMAGE, 1)


def test_a_stale_inline_row_is_refused_and_an_untouched_one_does_not_block(incident):
    """One clerk changes a victim on the victim's page, another the incident page with its rows."""
    victim = incident.victims.get()
    OffenderFactory(incident=incident, code="O1")
    on_victim_page, on_incident_page = clerk(incident.office), clerk(incident.office)
    incident_page = on_incident_page.get(change_url(incident))
    stale = page_data(incident_page)
    victim_data = page_data(on_victim_page.get(change_url(victim)))
    victim_data["code"] = "V2"
    assert on_victim_page.post(change_url(victim), victim_data).status_code == 302

    # Changing the stale victim row: refused on that row, nothing saved.
    prefix = inline_formset(incident_page, Victim).prefix
    changed_row = {**stale, f"{prefix}-0-code": "V3", "content_kind": Incident.ContentKind.SEXUAL_VIDEO}
    response = on_incident_page.post(change_url(incident), changed_row)
    assert response.status_code == 200
    row_errors = " ".join(inline_formset(response, Victim).forms[0].non_field_errors())
    assert f"{in_page_language(response, Victim._meta.get_field('code').verbose_name)}: V1 → V2" in row_errors
    victim.refresh_from_db()
    incident.refresh_from_db()
    assert (victim.code, incident.content_kind) == ("V2", Incident.ContentKind.SEXUAL_IMAGE)

    # Leaving the stale row as it was: the incident saves, the victim keeps the other clerk's change.
    untouched_row = {**stale, f"{prefix}-0-code": "V2", "content_kind": Incident.ContentKind.SEXUAL_VIDEO}
    response = on_incident_page.post(change_url(incident), untouched_row)
    assert response.status_code == 302, page_errors(response)
    victim.refresh_from_db()
    incident.refresh_from_db()
    assert (victim.code, victim.version, incident.content_kind) == ("V2", 2, Incident.ContentKind.SEXUAL_VIDEO)


def test_the_second_save_of_a_measure_page_is_refused():
    measure = MeasureFactory(number=1)
    first, second = clerk(measure.committee_case.incident.office), clerk(measure.committee_case.incident.office)
    url = change_url(measure)
    first_data, second_data = page_data(first.get(url)), page_data(second.get(url))
    first_data["hours"] = "4"
    assert first.post(url, first_data).status_code == 302
    second_data["hours"] = "6"
    response = second.post(url, second_data)
    label = in_page_language(response, Measure._meta.get_field("hours").verbose_name)
    assert f"{label}: — → 4" in refusal(response)
    measure.refresh_from_db()
    assert (measure.hours, measure.version) == (4, 2)


def test_a_workflow_step_raises_the_version_so_a_form_loaded_before_it_is_refused():
    measure = MeasureFactory()
    client = clerk(measure.committee_case.incident.office)
    data = page_data(client.get(change_url(measure)))
    services.record_measure_carried_out(measure=measure, on=measure.decided_on)
    measure.refresh_from_db()
    assert measure.version == 2
    data["hours"] = "3"  # typed on a stale page
    response = client.post(change_url(measure), data)
    label = in_page_language(response, Measure._meta.get_field("carried_out_on").verbose_name)
    assert f"{label}: — → {english_date(measure.decided_on)}" in refusal(response)


def test_the_service_refuses_a_stale_version_and_saves_nothing(incident):
    stale = Incident.objects.get(pk=incident.pk)
    incident.police_referred_on = incident.report_date
    services.save_record(record=incident, actor=None, expected_version=1)
    stale.content_kind = Incident.ContentKind.SEXUAL_VIDEO
    with pytest.raises(services.StaleRecordError):
        services.save_record(record=stale, actor=None, expected_version=1)
    incident.refresh_from_db()
    assert (incident.content_kind, incident.version) == (Incident.ContentKind.SEXUAL_IMAGE, 2)
    with pytest.raises(ValidationError):
        services.check_version(record=incident, expected_version=None)


def test_the_refusal_names_the_channels_added_meanwhile(incident):
    channel = ChannelFactory(name_en="Telegram", name_ko="텔레그램")
    first, second = clerk(incident.office), clerk(incident.office)
    url = change_url(incident)
    first_data, second_data = page_data(first.get(url)), page_data(second.get(url))
    first_data["channels"] = [str(channel.pk)]
    assert first.post(url, first_data).status_code == 302
    second_data["content_kind"] = Incident.ContentKind.SEXUAL_VIDEO
    response = second.post(url, second_data)
    label = in_page_language(response, Incident._meta.get_field("channels").verbose_name)
    assert f"{label}: — → {in_page_language(response, channel)}" in refusal(response)
