"""Every date typed in falls in a plausible window: not before 2000, not later than its step allows.

The rule is each date field's validator, so every path that runs ``full_clean`` keeps it (the
entry forms, the workflow steps, the importer); the database refuses dates before 2000 too
(tests/cases/test_model_rules.py::test_the_database_refuses_a_violating_row).
"""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from casetracker.cases import services
from casetracker.cases.models import PLANNED_DAYS_AHEAD, SEPARATION_MAX_DAYS, CommitteeCase, Incident
from casetracker.core.dates import EARLIEST_DATE, PlausibleDate
from casetracker.core.formatting import format_date
from tests.factories import AppealFactory, CommitteeCaseFactory, IncidentFactory, UserFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


# How far ahead of today each date may be: what has happened, not at all.
AHEAD = {
    ("takedownrequest", "follow_up_on"): PLANNED_DAYS_AHEAD,
    ("committeecase", "hearing_scheduled_on"): PLANNED_DAYS_AHEAD,
    ("separation", "ends_on"): SEPARATION_MAX_DAYS,
    ("offender", "expected_graduation_on"): 366 * 12,
}


def date_fields():
    return [
        pytest.param(model, field, id=f"{model._meta.model_name}.{field.name}")
        for model in apps.get_app_config("cases").get_models()
        if not model._meta.model_name.startswith("historical")
        for field in model._meta.concrete_fields
        if type(field) is models.DateField
    ]


def messages(field, value) -> list[str]:
    try:
        field.run_validators(value)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize(("model", "field"), date_fields())
def test_every_date_field_keeps_its_window(model, field):
    assert any(isinstance(validator, PlausibleDate) for validator in field.validators)
    ahead = AHEAD.get((model._meta.model_name, field.name), 0)
    today = timezone.localdate()
    latest = today + datetime.timedelta(days=ahead)
    with override("en"):
        assert messages(field, EARLIEST_DATE) == []
        assert messages(field, latest) == []
        assert messages(field, EARLIEST_DATE - DAY) == ["The date cannot be before Jan. 1, 2000."]
        if ahead:
            expected = f"The date cannot be later than {format_date(latest)}."
        else:
            expected = "The date cannot be in the future."
        assert messages(field, latest + DAY) == [expected]
        assert messages(field, datetime.date.max) == [expected]


@pytest.mark.django_db
def test_full_clean_puts_the_message_on_the_field():
    case = CommitteeCaseFactory()
    case.requested_on = datetime.date.max
    with override("en"), pytest.raises(ValidationError) as excinfo:
        case.full_clean()
    assert excinfo.value.message_dict == {"requested_on": ["The date cannot be in the future."]}


@pytest.mark.django_db
def test_the_steps_refuse_a_hearing_or_an_appeal_decided_in_the_future():
    case = CommitteeCaseFactory()
    with override("en"), pytest.raises(ValidationError) as excinfo:
        services.record_hearing_and_decision(committee_case=case, hearing_date=datetime.date.max, measures=[])
    assert excinfo.value.message_dict == {"hearing_date": ["The date cannot be in the future."]}
    appeal = AppealFactory()
    with override("en"), pytest.raises(ValidationError) as excinfo:
        services.decide_appeal(appeal=appeal, outcome="upheld", decided_on=timezone.localdate() + DAY)
    assert excinfo.value.message_dict == {"decided_on": ["The date cannot be in the future."]}


@pytest.mark.django_db
def test_a_hearing_may_be_scheduled_a_little_ahead_not_further():
    case = CommitteeCaseFactory(
        incident__report_date=timezone.localdate() - 10 * DAY, requested_on=timezone.localdate()
    )
    case.hearing_scheduled_on = timezone.localdate() + PLANNED_DAYS_AHEAD * DAY
    case.full_clean()
    case.hearing_scheduled_on += DAY
    with override("en"), pytest.raises(ValidationError) as excinfo:
        case.full_clean()
    assert list(excinfo.value.message_dict) == ["hearing_scheduled_on"]


@pytest.mark.django_db
def test_the_step_form_refuses_an_absurd_date_on_its_field(client):
    case = CommitteeCaseFactory()
    client.force_login(UserFactory(office=case.incident.office))
    url = reverse("admin:cases_incident_step", args=[case.incident.pk, "schedule"]) + f"?on={case.pk}"
    response = client.post(url, {"on": "9999-12-31"})
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["on"]] == ["too_far_ahead"]
    assert CommitteeCase.objects.get(pk=case.pk).hearing_scheduled_on is None


@pytest.mark.django_db
def test_the_incident_form_refuses_a_report_before_2000(client):
    incident = IncidentFactory()
    client.force_login(UserFactory(office=incident.office))
    url = reverse("admin:cases_incident_change", args=[incident.pk])
    response = client.get(url)
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    data["report_date"] = "1999-12-31"
    data["channels"] = []
    response = client.post(url, data)
    assert response.status_code == 200
    assert [error.code for error in response.context["adminform"].form.errors.as_data()["report_date"]] == [
        "before_earliest"
    ]
    assert Incident.objects.get(pk=incident.pk).report_date == incident.report_date


@pytest.mark.django_db
@pytest.mark.writes_around_services
def test_the_migration_names_the_rows_dated_before_2000_instead_of_failing_on_a_constraint():
    import importlib

    from django.db import connection

    migration = importlib.import_module("casetracker.cases.migrations.0008_plausible_dates")
    migration.refuse_dates_before_2000(apps, schema_editor=None)  # nothing to correct
    case = CommitteeCaseFactory()
    with connection.cursor() as cursor:
        # A database from before the constraint: lift it for this test's transaction.
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # (no ALTER TABLE with deferred checks pending)
            cursor.execute("ALTER TABLE cases_committeecase DROP CONSTRAINT committee_case_dates_from_2000")
    try:
        CommitteeCase.objects.filter(pk=case.pk).update(requested_on=datetime.date(1024, 5, 9))
        with pytest.raises(RuntimeError, match=rf"CommitteeCase.requested_on \(ids {case.pk}\)"):
            migration.refuse_dates_before_2000(apps, schema_editor=None)
        CommitteeCase.objects.filter(pk=case.pk).update(requested_on=case.requested_on)
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
