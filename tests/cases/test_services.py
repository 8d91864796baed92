"""The case services and what reports count: appeals and their replacement measures,
final and original measures, hearing deadlines, and ``save_record``."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from casetracker.cases import rules, services
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Tier
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    VictimFactory,
    days_after,
)

pytestmark = pytest.mark.django_db


def decide(appeal: Appeal, outcome: str, *, replacement_number: int | None = None, **fields) -> Appeal:
    appeal.outcome = outcome
    appeal.decided_on = None if outcome == Appeal.Outcome.PENDING else days_after(appeal.filed_on, 30)
    appeal.replacement_number = replacement_number
    for name, value in fields.items():
        setattr(appeal, name, value)
    return services.save_appeal(appeal=appeal)


# save_appeal keeps the replacement measure in step ------------------------------------------


def test_a_changed_appeal_orders_the_replacement_measure():
    original = MeasureFactory(number=8, days=None)
    appeal = AppealFactory.build(measure=original, changed=True, replacement_number=6, replacement_days=5)
    services.save_appeal(appeal=appeal)

    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    assert replacement.pk != original.pk
    assert replacement.committee_case == original.committee_case
    assert replacement.offender == original.offender
    assert replacement.law == original.law
    assert (replacement.number, replacement.days, replacement.hours) == (6, 5, None)
    assert replacement.decided_on == appeal.decided_on
    assert Measure.objects.count() == 2


def test_changing_the_appeal_updates_its_replacement_in_place():
    appeal = AppealFactory(measure=MeasureFactory(number=8), changed=True, replacement_number=7)
    replacement = appeal.replacement

    appeal.replacement_number = 5
    appeal.replacement_hours = 10
    appeal.decided_on = days_after(appeal.decided_on, 3)
    services.save_appeal(appeal=appeal)

    replacement.refresh_from_db()
    assert Measure.objects.filter(ordered_by_appeal=appeal).count() == 1
    assert (replacement.number, replacement.hours, replacement.decided_on) == (5, 10, appeal.decided_on)
    assert Measure.objects.count() == 2


@pytest.mark.parametrize("outcome", [Appeal.Outcome.UPHELD, Appeal.Outcome.REVOKED, Appeal.Outcome.PENDING])
def test_an_appeal_no_longer_changed_drops_its_replacement(outcome):
    """Only in a correction of the decision (``corrections_appeals``); any other save is refused."""
    appeal = AppealFactory(changed=True)
    original = appeal.measure
    assert Measure.objects.filter(ordered_by_appeal=appeal).exists()
    with pytest.raises(ValidationError) as refused:
        decide(appeal, outcome)
    assert "outcome" in refused.value.message_dict
    assert Measure.objects.filter(ordered_by_appeal=appeal).exists()

    with rules.correcting():
        decide(appeal, outcome)

    assert not Measure.objects.filter(ordered_by_appeal=appeal).exists()
    assert list(Measure.objects.all()) == [original]
    assert Appeal.objects.get(pk=appeal.pk).outcome == outcome


def test_an_appeal_cannot_drop_a_replacement_under_appeal():
    appeal = AppealFactory(changed=True)
    replacement = appeal.replacement
    AppealFactory(measure=replacement)

    with pytest.raises(ValidationError) as excinfo:
        decide(appeal, Appeal.Outcome.UPHELD)

    assert "outcome" in excinfo.value.message_dict
    assert Measure.objects.filter(pk=replacement.pk).exists()
    assert Appeal.objects.get(pk=appeal.pk).outcome == Appeal.Outcome.CHANGED


def test_save_appeal_refuses_an_invalid_appeal_and_saves_nothing():
    measure = MeasureFactory()
    appeal = AppealFactory.build(measure=measure, changed=True, replacement_number=None)
    with pytest.raises(ValidationError):
        services.save_appeal(appeal=appeal)
    assert not Appeal.objects.exists()
    assert list(Measure.objects.all()) == [measure]


def test_save_record_routes_appeals_through_save_appeal():
    appeal = AppealFactory.build(measure=MeasureFactory(number=4), changed=True, replacement_number=5)
    services.save_record(record=appeal, actor=None)
    assert Measure.objects.get(ordered_by_appeal=appeal).number == 5


# What reports count: final, original, finality, tiers -----------------------------------------


@pytest.fixture
def appealed_measures():
    """One case, one offender, measures with every kind of appeal history.

    - untouched 1, upheld 2, pending 3: stand
    - changed 8 -> 7: the 7 stands
    - revoked 9: nothing stands
    - chain 6 -> 4 -> 5: the 5 stands; chain 6 -> 3 -> revoked: nothing stands
    """
    case = HeardCommitteeCaseFactory()
    offender = OffenderFactory(incident=case.incident, school_level="high")

    def measure(number: int) -> Measure:
        return MeasureFactory(committee_case=case, offender=offender, number=number)

    rows = {name: measure(number) for name, number in [("untouched", 1), ("upheld", 2), ("pending", 3)]}
    AppealFactory(measure=rows["upheld"], upheld=True)
    AppealFactory(measure=rows["pending"])

    rows["changed"] = measure(8)
    rows["changed_to"] = AppealFactory(measure=rows["changed"], changed=True, replacement_number=7).replacement

    rows["revoked"] = measure(9)
    AppealFactory(measure=rows["revoked"], revoked=True)

    rows["chain"] = measure(6)
    rows["chain_middle"] = AppealFactory(measure=rows["chain"], changed=True, replacement_number=4).replacement
    AppealFactory(measure=rows["chain_middle"], upheld=True)  # a first, failed appeal against the 4
    rows["chain_end"] = AppealFactory(measure=rows["chain_middle"], changed=True, replacement_number=5).replacement

    rows["revoked_chain"] = measure(6)
    rows["revoked_chain_middle"] = AppealFactory(
        measure=rows["revoked_chain"], changed=True, replacement_number=3
    ).replacement
    AppealFactory(measure=rows["revoked_chain_middle"], revoked=True)
    return rows


def names(rows: dict, queryset) -> set[str]:
    by_pk = {measure.pk: name for name, measure in rows.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


def test_final_measures_are_those_no_appeal_changed_or_revoked(appealed_measures):
    assert names(appealed_measures, Measure.objects.final()) == {
        "untouched",
        "upheld",
        "pending",
        "changed_to",
        "chain_end",
    }


def test_original_measures_are_those_the_committee_imposed(appealed_measures):
    assert names(appealed_measures, Measure.objects.original()) == {
        "untouched",
        "upheld",
        "pending",
        "changed",
        "revoked",
        "chain",
        "revoked_chain",
    }


def test_with_finality_flags_every_measure(appealed_measures):
    flags = dict(Measure.objects.with_finality().values_list("pk", "is_final"))
    final = names(appealed_measures, Measure.objects.final())
    assert len(flags) == len(appealed_measures) == Measure.objects.count()
    assert {name for name, measure in appealed_measures.items() if flags[measure.pk]} == final
    assert all(isinstance(flag, bool) for flag in flags.values())


def test_of_tier_splits_art17_measures_by_number(appealed_measures):
    final = Measure.objects.final()
    assert names(appealed_measures, final.of_tier(Tier.OFF_RECORD)) == {"untouched", "upheld", "pending"}
    assert names(appealed_measures, final.of_tier(Tier.RECORDED)) == {"chain_end"}
    assert names(appealed_measures, final.of_tier(Tier.HEAVY)) == {"changed_to"}
    original = Measure.objects.original()
    assert names(appealed_measures, original.of_tier(Tier.HEAVY)) == {"changed", "revoked"}
    assert names(appealed_measures, original.of_tier(Tier.RECORDED)) == {"chain", "revoked_chain"}


def test_a_revoked_appeal_turned_pending_again_restores_the_measure(appealed_measures):
    appeal = appealed_measures["revoked"].appeals.get()
    decide(appeal, Appeal.Outcome.PENDING)
    assert "revoked" in names(appealed_measures, Measure.objects.final())


def test_of_tier_leaves_out_art25_measures():
    case = HeardCommitteeCaseFactory(committee__kind="teacher_rights")
    MeasureFactory(committee_case=case, number=1)
    MeasureFactory(committee_case=case, number=7)
    assert case.law == "art25"
    for tier in Tier:
        assert not Measure.objects.of_tier(tier).exists()


def test_measure_tier_property():
    assert [MeasureFactory.build(law="art17", number=n).tier for n in (1, 3, 4, 6, 7, 9)] == [
        Tier.OFF_RECORD,
        Tier.OFF_RECORD,
        Tier.RECORDED,
        Tier.RECORDED,
        Tier.HEAVY,
        Tier.HEAVY,
    ]
    assert MeasureFactory.build(law="art25", number=5).tier is None


# Hearing deadlines ------------------------------------------------------------------------


def test_hearing_deadline_is_21_days_after_the_referral():
    case = CommitteeCaseFactory.build(requested_on=datetime.date(2024, 3, 4))
    assert case.hearing_deadline == datetime.date(2024, 3, 25)
    assert case.heard_late is None


def test_hearing_deadline_is_28_days_after_an_extension():
    case = CommitteeCaseFactory.build(
        requested_on=datetime.date(2024, 3, 4), extended_on=datetime.date(2024, 3, 20), extension_reason="Witnesses."
    )
    assert case.hearing_deadline == datetime.date(2024, 4, 1)


def test_no_deadline_without_a_referral_date():
    assert CommitteeCase(requested_on=None).hearing_deadline is None


@pytest.mark.parametrize(
    ("extended", "hearing_day", "late"),
    [(False, 0, False), (False, 21, False), (False, 22, True), (True, 28, False), (True, 29, True)],
)
def test_heard_late(extended, hearing_day, late):
    requested_on = datetime.date(2024, 3, 4)
    case = CommitteeCaseFactory.build(
        requested_on=requested_on,
        extended_on=requested_on if extended else None,
        hearing_date=days_after(requested_on, hearing_day),
    )
    assert case.heard_late is late


def test_extension_through_the_service_moves_the_deadline():
    case = CommitteeCaseFactory()
    before = case.hearing_deadline
    services.extend_hearing_deadline(committee_case=case, on=case.requested_on, reason="Police investigation.")
    assert CommitteeCase.objects.get(pk=case.pk).hearing_deadline == days_after(before, 7)


# save_record -----------------------------------------------------------------------------


def test_save_record_validates_and_saves():
    incident = IncidentFactory()
    victim = VictimFactory.build(incident=incident)
    assert services.save_record(record=victim, actor=None) is victim
    assert victim.pk is not None
    assert incident.victims.get() == victim


def test_save_record_refuses_an_invalid_record_and_saves_nothing():
    incident = IncidentFactory()
    victim = VictimFactory.build(incident=incident, grade=None)
    with pytest.raises(ValidationError) as excinfo:
        services.save_record(record=victim, actor=None)
    assert list(excinfo.value.message_dict) == ["grade"]
    assert victim.pk is None
    assert not incident.victims.exists()


def test_save_record_looks_up_a_key_once_when_the_scope_check_found_it():
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    incident = IncidentFactory()
    clerk = UserFactory(role="clerk", office=incident.office)
    victim = VictimFactory.build(incident=incident)
    with CaptureQueriesContext(connection) as queries:
        services.save_record(record=victim, actor=clerk)
    assert victim.rows_found is None and incident.victims.get() == victim
    # The scope's query found the incident; ``full_clean`` does not look it up again.
    lookups = [q["sql"] for q in queries if q["sql"].startswith('SELECT 1 AS "a" FROM "cases_incident"')]
    assert lookups == []
    # (the savepoints, the scope, the check constraints, the unique code, the insert, its history
    # and the identifiers' check of the case's five kinds of text)
    assert len(queries) == 14


def test_save_record_without_an_actor_still_looks_up_the_keys():
    victim = VictimFactory.build(incident=IncidentFactory.build(pk=987654))
    with pytest.raises(ValidationError) as excinfo:
        services.save_record(record=victim, actor=None)
    assert list(excinfo.value.message_dict) == ["incident"]


def test_save_record_refuses_a_key_outside_the_scope_as_before():
    from tests.factories import UserFactory

    incident = IncidentFactory()
    victim = VictimFactory.build(incident=incident)
    with pytest.raises(ValidationError) as excinfo:
        services.save_record(record=victim, actor=UserFactory(role="clerk"))  # (of another office)
    assert [error.code for error in excinfo.value.error_dict["incident"]] == ["out_of_scope"]
    assert not incident.victims.exists()


def test_save_record_fills_in_the_law_of_a_measure():
    case = HeardCommitteeCaseFactory(committee__kind="teacher_rights")
    measure = MeasureFactory.build(
        committee_case=case, offender=OffenderFactory(incident=case.incident), law="", number=7
    )
    services.save_record(record=measure, actor=None)
    assert Measure.objects.get(pk=measure.pk).law == "art25"


def test_save_record_is_atomic(monkeypatch):
    """A failure after the row is written takes the row back with it."""
    existing = IncidentFactory()
    incident = IncidentFactory.build(office=existing.office, school=existing.school)
    original_save = Incident.save

    def save_then_fail(self, *args, **kwargs):
        original_save(self, *args, **kwargs)
        assert Incident.objects.filter(pk=self.pk).exists()
        raise RuntimeError("the audit entry could not be written")

    monkeypatch.setattr(Incident, "save", save_then_fail)
    with pytest.raises(RuntimeError):
        services.save_record(record=incident, actor=None)
    monkeypatch.undo()
    assert not Incident.objects.filter(case_number=incident.case_number).exists()


def test_save_appeal_is_atomic(monkeypatch):
    """If the replacement cannot be saved, the appeal is not saved either."""
    measure = MeasureFactory(number=4)
    appeal = AppealFactory.build(measure=measure, changed=True, replacement_number=5)

    def refuse(self, *args, **kwargs):
        raise ValidationError({"number": "refused"})

    monkeypatch.setattr(Measure, "full_clean", refuse)
    with pytest.raises(ValidationError):
        services.save_appeal(appeal=appeal)
    monkeypatch.undo()
    assert not Appeal.objects.exists()
    assert list(Measure.objects.all()) == [measure]
