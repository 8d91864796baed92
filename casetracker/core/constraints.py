"""A model's check constraints validated in one query, where Django runs one for each.

Django's ``CheckConstraint.validate`` asks the database whether the row would pass, one
``SELECT 1 WHERE <condition>`` per constraint, each inside a savepoint of its own when a
transaction is open (three round trips): a new case of two victims and an offender ran 27 of
them, about 80 of its 157 queries (issue 20). Here every check constraint of the row is one
column of a single SELECT (under one savepoint), with the same outcome constraint by
constraint: a condition that is NULL passes, as in the database; a constraint on a field left
out (``exclude``) is skipped; and if the query fails, each constraint is asked on its own again,
as Django would, so one that cannot be checked passes alone.
"""

from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, router, transaction
from django.db.models import BooleanField, CheckConstraint, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE


def failed_checks(instance, checks: list[CheckConstraint], *, exclude, using: str) -> set[int] | None:
    """The positions in ``checks`` of the constraints ``instance`` fails (None: not known, ask each)."""
    connection = connections[using]
    if not connection.features.supports_comparing_boolean_expr:
        return None
    query = Query(None)
    for name, value in instance._get_field_expression_map(meta=instance._meta, exclude=exclude).items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    columns = {}
    for position, constraint in enumerate(checks):
        try:
            query.add_annotation(
                Coalesce(Q(constraint.condition), True, output_field=BooleanField()), f"_check_{position}"
            )
        except FieldError:
            continue  # a field left out (``exclude``): not checked, as Django leaves it
        columns[f"_check_{position}"] = position
    if not columns:
        return set()
    try:
        with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError:
        return None
    return {columns[name] for name, passed in zip(query.annotation_select, row, strict=True) if not passed}


def validate_constraints(instance, exclude=None) -> None:
    """``Model.validate_constraints``, the check constraints in one query (see the module's docstring)."""
    using = router.db_for_write(instance.__class__, instance=instance)
    constraints = instance.get_constraints()
    checks = [c for _model, of_model in constraints for c in of_model if type(c) is CheckConstraint]
    failed = failed_checks(instance, checks, exclude=exclude, using=using) if checks else set()
    positions = {id(check): position for position, check in enumerate(checks)}
    errors = {}
    for model_class, model_constraints in constraints:
        for constraint in model_constraints:
            try:
                if id(constraint) in positions and failed is not None:
                    if positions[id(constraint)] in failed:
                        raise ValidationError(
                            constraint.get_violation_error_message(), code=constraint.violation_error_code
                        )
                else:
                    constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as error:
                if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
