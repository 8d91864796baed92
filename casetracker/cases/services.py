"""Every write to case data goes through here: one function per use case.

Each validates with the model's rules (``full_clean``) and runs in one transaction,
so a case is never half-saved. The admin, and later the importer and the workflow,
call these functions rather than ``Model.save()``.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from casetracker.core.models import Office

from .models import Appeal, CommitteeCase, Incident, Measure


@transaction.atomic
def save_record(*, record: models.Model) -> models.Model:
    """Validate and save one case record (incident, person, committee case, measure...)."""
    if isinstance(record, Appeal):
        return save_appeal(appeal=record)
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def delete_record(*, record: models.Model) -> None:
    record.delete()


@transaction.atomic
def save_appeal(*, appeal: Appeal) -> Appeal:
    """Save an appeal and keep its replacement measure in step with the outcome.

    An appeal that changed a measure orders a new one (same case, same offender);
    that replacement is what reports count from the day of the decision on.
    """
    appeal.full_clean()
    appeal.save()
    replacement = Measure.objects.filter(ordered_by_appeal=appeal).first()
    if appeal.outcome == Appeal.Outcome.CHANGED:
        original = appeal.measure
        replacement = replacement or Measure(ordered_by_appeal=appeal)
        replacement.committee_case = original.committee_case
        replacement.offender = original.offender
        replacement.law = original.law
        replacement.number = appeal.replacement_number
        replacement.decided_on = appeal.decided_on
        replacement.days = appeal.replacement_days
        replacement.hours = appeal.replacement_hours
        replacement.full_clean()
        replacement.save()
    elif replacement is not None:
        if replacement.appeals.exists():
            raise ValidationError(
                {"outcome": _("The measure this appeal ordered is itself under appeal; decide that appeal first.")}
            )
        replacement.delete()
    return appeal


@transaction.atomic
def extend_hearing_deadline(*, committee_case: CommitteeCase, on: datetime.date, reason: str) -> CommitteeCase:
    """Extend the hearing deadline by 7 days; the law allows this once."""
    if committee_case.extended_on is not None:
        raise ValidationError({"extended_on": _("The hearing deadline has already been extended once.")})
    committee_case.extended_on = on
    committee_case.extension_reason = reason
    committee_case.full_clean()
    committee_case.save(update_fields=["extended_on", "extension_reason", "updated_at"])
    return committee_case


def next_case_number(*, office: Office, year: int) -> str:
    """The next free number of the form YYYY-NNNN in ``office`` (a suggestion; clerks may type their own)."""
    numbers = Incident.objects.filter(office=office, case_number__startswith=f"{year}-").values_list(
        "case_number", flat=True
    )
    highest = max((int(n.split("-", 1)[1]) for n in numbers if n.split("-", 1)[1].isdigit()), default=0)
    return f"{year}-{highest + 1:04d}"
