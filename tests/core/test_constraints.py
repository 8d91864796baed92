"""The check constraints of a row validated in one query (core.constraints) give Django's own errors."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import CheckConstraint
from django.test.utils import CaptureQueriesContext

from casetracker.cases.models import Incident, Offender, Victim
from casetracker.core.constraints import validate_constraints
from casetracker.core.models import TimeStampedModel
from tests.factories import IncidentFactory, OffenderFactory, VictimFactory

pytestmark = pytest.mark.django_db


def errors_of(check, instance, exclude=None):
    try:
        check(instance, exclude)
    except ValidationError as error:
        return {
            field: [(e.message % (e.params or {}), e.code) for e in found] for field, found in error.error_dict.items()
        }
    return {}


def djangos(instance, exclude=None):
    models.Model.validate_constraints(instance, exclude)


def rows():
    """Rows that break none, one or several of their models' check constraints."""
    incident = IncidentFactory()
    broken_incident = Incident(
        office=incident.office,
        school=incident.school,
        case_number=incident.case_number,  # (the unique constraint, asked by its own query)
        report_date=datetime.date(1999, 5, 1),
        police_referred_on=datetime.date(1998, 1, 1),
        closed_on=datetime.date(1998, 1, 2),
        closure_reason="",
        content_kind=Incident.ContentKind.SEXUAL_IMAGE,
    )
    victim = VictimFactory(incident=incident)
    return [
        incident,
        broken_incident,
        victim,
        Victim(incident=incident, code=victim.code, kind=Victim.Kind.STUDENT, school_level="", grade=None),
        Victim(incident=incident, code="V77", kind=Victim.Kind.TEACHER, school_level="middle", grade=40),
        OffenderFactory(incident=incident),
        Offender(incident=incident, code="O9", kind=Offender.Kind.UNIDENTIFIED, name="Someone", grade=2),
    ]


@pytest.mark.parametrize("exclude", [None, {"grade"}, {"report_date", "code"}])
def test_the_same_errors_as_djangos_one_query_per_constraint(exclude):
    for instance in rows():
        assert errors_of(validate_constraints, instance, exclude) == errors_of(djangos, instance, exclude), instance


def test_a_row_with_errors_is_refused_and_a_good_row_passes():
    good, broken, *_rest = rows()
    assert errors_of(validate_constraints, good) == {}
    assert errors_of(validate_constraints, broken)


def test_every_check_constraint_of_a_row_in_one_query():
    instance = rows()[4]
    checks = [c for c in instance._meta.constraints if type(c) is CheckConstraint]
    others = [c for c in instance._meta.constraints if type(c) is not CheckConstraint]
    assert len(checks) > 2
    with CaptureQueriesContext(connection) as queries:
        errors_of(validate_constraints, instance)
    selects = [q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(selects) == 1 + len(others)


def test_every_model_of_the_project_validates_so():
    mine = [model for model in apps.get_models() if issubclass(model, TimeStampedModel)]
    assert Incident in mine and Victim in mine
    assert all(model.validate_constraints is TimeStampedModel.validate_constraints for model in mine)
