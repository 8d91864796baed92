"""The one scoping rule's building block: a user's scope, and querysets that apply it.

A scope says which office's records a user may see: every office (national), one
office (optionally one local office within it), or nothing. ``accounts.policy`` decides
each user's scope from their role; every queryset of scoped data applies it through
``for_user``, and every save checks its choices against it (``choices_outside_scope``).
Core cannot import accounts (a floor up), so the scope is reached through the user
object: ``user.case_scope`` and ``user.reference_scope``.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _


def _pk_of(path: str) -> str:
    """The lookup of the id at the end of ``path`` ("" is the row itself)."""
    return f"{path}_id" if path else "pk"


@dataclass(frozen=True)
class Scope:
    national: bool = False
    office_id: int | None = None
    local_office_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.national and self.office_id is None

    def condition(
        self, office_path: str, local_office_path: str | None = None, *, shared_by_the_office: bool = False
    ) -> Q:
        """The filter a queryset needs: ``office_path`` leads to the record's office ("" for offices).

        ``local_office_path`` leads to its local office ("" for local offices; None where rows have
        none): a scope of one local office keeps that local office's rows only, and also the office's
        own rows (no local office) when they are ``shared_by_the_office`` (a provincial committee).
        """
        if self.national:
            return Q()
        if self.office_id is None:
            return Q(pk__in=[])
        condition = Q(**{_pk_of(office_path): self.office_id})
        if self.local_office_id is not None and local_office_path is not None:
            local = Q(**{_pk_of(local_office_path): self.local_office_id})
            if shared_by_the_office:
                local |= Q(**{f"{local_office_path}__isnull": True})
            condition &= local
        return condition


NOTHING = Scope()
NATIONAL = Scope(national=True)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows the path from its rows to their office and local office."""

    office_path: str = "office"
    local_office_path: str | None = None
    shared_by_the_office = False
    scope_attribute = "case_scope"

    def for_user(self, user) -> Self:
        scope = getattr(user, self.scope_attribute, NOTHING) if user.is_authenticated else NOTHING
        return self.filter(
            scope.condition(self.office_path, self.local_office_path, shared_by_the_office=self.shared_by_the_office)
        )


class ReferenceQuerySet(ScopedQuerySet):
    """Reference rows (schools, committees) a user may pick from: their office's, or their local office's."""

    scope_attribute = "reference_scope"


def choices_outside_scope(
    user, records: Sequence[models.Model], *, found: dict | None = None
) -> dict[int, ValidationError]:
    """The records (by position) that point at a row ``user`` may not choose, with a message on the field.

    Every foreign key to a scoped model (a school, a committee, an incident...) must lead to a
    row of ``for_user``: what the forms offer is what a save accepts, whatever path it comes by.
    One query per field for all of ``records``. ``found`` (a dict), if given, receives for each
    position the foreign keys' values found in the scope (``{attname: value}``): those rows exist.
    """
    errors: dict[int, dict[str, ValidationError]] = defaultdict(dict)
    by_field: dict[models.ForeignKey, dict[int, object]] = defaultdict(dict)
    for position, record in enumerate(records):
        for field in record._meta.concrete_fields:
            # Not a field nobody types: the database keeps it (a work-queue item's local office).
            if (not field.many_to_one and not field.one_to_one) or not field.editable:
                continue
            value = getattr(record, field.attname)
            if value is not None and hasattr(field.related_model._default_manager, "for_user"):
                by_field[field][position] = value
    for field, values in by_field.items():
        chosen = field.related_model._default_manager.for_user(user).filter(pk__in=set(values.values()))
        allowed = set(chosen.values_list("pk", flat=True))
        for position, value in values.items():
            if value in allowed and found is not None:
                found.setdefault(position, {})[field.attname] = value
            if value not in allowed:
                errors[position][field.name] = ValidationError(
                    _("This %(model)s is outside your office of education or local office: choose one of yours.")
                    % {"model": field.related_model._meta.verbose_name},
                    code="out_of_scope",
                )
    return {position: ValidationError(by_name) for position, by_name in errors.items()}
