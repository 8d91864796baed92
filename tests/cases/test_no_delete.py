"""Committee cases, measures and appeals are never deleted (``cases.no_delete``): the database refuses
the delete whatever path it comes by (an instance's delete, a queryset's, raw SQL, a cascade from
the incident or the offender), on SQLite and PostgreSQL; only ``corrections.withdraw_appeal``
removes an appeal (and the measure it ordered), inside an allowance that ends with it; the flush of
a test database still empties them; the admin pages offer no delete."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from casetracker.cases import corrections, corrections_appeals, no_delete, services
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender
from tests.factories import AppealFactory, CommitteeCaseFactory, IncidentFactory, MeasureFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "담당자 입력 오류 정정"
REFUSED = {CommitteeCase: "a committee case is never deleted", Measure: "a measure is never deleted"}
REFUSED[Appeal] = "an appeal is never deleted"
FACTORIES = {CommitteeCase: CommitteeCaseFactory, Measure: MeasureFactory, Appeal: AppealFactory}


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def raw_delete(record) -> None:
    table, pk = record._meta.db_table, record._meta.pk.column
    raw(f'DELETE FROM "{table}" WHERE "{pk}" = %s', [record.pk])


def allowances() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT appeal_id FROM "{no_delete.ALLOWANCE}"')
        return [row[0] for row in cursor.fetchall()]


WAYS = {
    "instance": lambda record: record.delete(),
    "queryset": lambda record: type(record).objects.filter(pk=record.pk).delete(),
    "collector skipped": lambda record: type(record).objects.filter(pk=record.pk)._raw_delete(record._state.db),
    "raw SQL": raw_delete,
    "whole table": lambda record: raw(f'DELETE FROM "{record._meta.db_table}"'),  # (what SQLite's flush runs)
}


@pytest.mark.parametrize("model", list(FACTORIES))
@pytest.mark.parametrize("way", list(WAYS))
def test_the_database_refuses_the_delete(model, way):
    record = FACTORIES[model]()  # (with nothing of its own: nothing in the ORM protects it)
    with pytest.raises(IntegrityError, match=REFUSED[model]), transaction.atomic():
        WAYS[way](record)
    assert model.objects.filter(pk=record.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize("model", list(FACTORIES))
def test_postgresql_refuses_a_truncate(model):
    record = FACTORIES[model]()
    with pytest.raises(IntegrityError, match=REFUSED[model]), transaction.atomic():
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # (TRUNCATE waits for no deferred check of the fixture's rows)
        raw(f'TRUNCATE "{model._meta.db_table}" CASCADE')
    assert model.objects.filter(pk=record.pk).exists()


def test_an_incident_with_a_committee_case_is_not_deleted():
    case = CommitteeCaseFactory()
    incident = case.incident
    with pytest.raises(ProtectedError), transaction.atomic():
        incident.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).delete()
    assert CommitteeCase.objects.filter(pk=case.pk).exists()


def test_a_cascade_by_hand_is_refused():
    """What Django's cascade would have run (the appeals, the measures, the case, then the incident)."""
    appeal = AppealFactory()
    measure = appeal.measure
    with pytest.raises(IntegrityError, match=REFUSED[Appeal]), transaction.atomic():
        raw('DELETE FROM "cases_appeal" WHERE measure_id = %s', [measure.pk])
        raw('DELETE FROM "cases_measure" WHERE id = %s', [measure.pk])
    assert Appeal.objects.filter(pk=appeal.pk).exists()


def test_the_incident_deleted_by_raw_sql_fails_its_committee_cases_foreign_key():
    case = CommitteeCaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_delete(case.incident)
        connection.check_constraints(table_names=[CommitteeCase._meta.db_table])
    assert Incident.objects.filter(pk=case.incident_id).exists()


def test_an_offender_with_measures_is_not_deleted_and_one_without_is():
    measure = MeasureFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        measure.offender.delete()
    assert Offender.objects.filter(pk=measure.offender_id).exists()
    IncidentFactory().delete()  # (an incident with no committee case goes as before)


def test_withdraw_appeal_removes_the_appeal_and_its_measure_and_leaves_no_allowance():
    appeal = AppealFactory(changed=True)
    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    other = AppealFactory()
    with transaction.atomic():
        corrections.withdraw_appeal(appeal=appeal, reason=REASON)
        assert not Appeal.objects.filter(pk=appeal.pk).exists()
        assert not Measure.objects.filter(pk=replacement.pk).exists()
        assert allowances() == []
        # Later in the same transaction, the next delete is refused again.
        with pytest.raises(IntegrityError, match=REFUSED[Appeal]), transaction.atomic():
            other.delete()
        with pytest.raises(IntegrityError, match=REFUSED[Measure]), transaction.atomic():
            raw_delete(appeal.measure)
    assert Appeal.objects.filter(pk=other.pk).exists()


def test_the_allowance_lets_through_its_appeal_and_the_measure_it_ordered_only():
    appeal, other = AppealFactory(changed=True), AppealFactory()
    with no_delete.withdrawing(appeal):
        assert allowances() == [appeal.pk]
        for record in (other, appeal.measure, appeal.measure.committee_case):
            with pytest.raises(IntegrityError, match=REFUSED[type(record)]), transaction.atomic():
                raw_delete(record)
        raw_delete(Measure.objects.get(ordered_by_appeal=appeal))
        raw_delete(appeal)
    assert allowances() == []


def test_a_refused_withdrawal_leaves_no_allowance():
    appeal = AppealFactory(changed=True)
    with pytest.raises(ValidationError), transaction.atomic(), no_delete.withdrawing(appeal):
        raise ValidationError("refused")
    assert allowances() == []
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_delete(appeal)


def test_a_changed_appeal_keeps_its_decision_and_its_measure():
    """The replacement is never deleted by re-deciding the appeal (an import's row): refused by field."""
    appeal = AppealFactory(changed=True)
    appeal.outcome, appeal.replacement_number = Appeal.Outcome.UPHELD, None
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            services.save_appeal(appeal=appeal)
        assert "change the decision by its correction" in refused.value.message_dict["outcome"][0]
    assert Measure.objects.filter(ordered_by_appeal=appeal).exists()


def test_the_correction_of_a_decision_removes_its_measure_inside_the_allowance():
    """Only the audited correction lets the replacement go, and it leaves no allowance behind."""
    appeal = AppealFactory(changed=True)
    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    with transaction.atomic():
        corrections_appeals.correct_appeal_decision(
            appeal=appeal, outcome=Appeal.Outcome.UPHELD, decided_on=appeal.decided_on, reason=REASON
        )
        assert not Measure.objects.filter(pk=replacement.pk).exists()
        assert allowances() == []
        with pytest.raises(IntegrityError, match=REFUSED[Appeal]), transaction.atomic():
            raw_delete(appeal)


@pytest.mark.django_db(transaction=True)
def test_the_flush_empties_them():
    """Django's flush (SQLite: DELETE FROM each table) between transactional tests and live-server ones."""
    AppealFactory(changed=True)
    call_command("flush", interactive=False, verbosity=0)
    assert not (Appeal.objects.exists() or Measure.objects.exists() or CommitteeCase.objects.exists())
    assert allowances() == []
    appeal = AppealFactory()  # (and the refusal is there again after it)
    with pytest.raises(IntegrityError, match=REFUSED[Appeal]), transaction.atomic():
        raw_delete(appeal)


def test_the_admin_pages_offer_no_delete(admin_client):
    request = RequestFactory().get("/")
    request.user = UserFactory(superuser=True)
    appeal = AppealFactory()
    records = {Appeal: appeal, Measure: appeal.measure, CommitteeCase: appeal.measure.committee_case}
    for model, record in records.items():
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request, record)
        assert "delete_selected" not in model_admin.get_actions(request)
        for inline in model_admin.get_inline_instances(request, record):
            assert not inline.has_delete_permission(request, record)
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}_delete"
        assert admin_client.post(reverse(info, args=[record.pk]), {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=record.pk).exists()


def test_the_admin_says_why_an_incident_with_a_committee_case_is_not_deleted(admin_client):
    incident = CommitteeCaseFactory().incident
    url = reverse("admin:cases_incident_delete", args=[incident.pk])
    response = admin_client.get(url)
    assert response.status_code == 200 and response.context["protected"]
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200 and response.context["protected"]
    assert Incident.objects.filter(pk=incident.pk).exists()
