"""The one scoping rule's building block: a user's scope, and querysets that apply it.

A scope says which office's records a user may see: every office (national), one
office (optionally one local office within it), or nothing. ``accounts.policy`` decides
each user's scope from their role; every queryset of scoped data applies it through
``for_user``. Core cannot import accounts (a floor up), so the scope is reached through
the user object: ``user.case_scope`` and ``user.reference_scope``.
"""

from dataclasses import dataclass
from typing import Self

from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class Scope:
    national: bool = False
    office_id: int | None = None
    local_office_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.national and self.office_id is None

    def condition(self, office_path: str, local_office_path: str | None = None) -> Q:
        """The filter a queryset needs: ``office_path`` leads to the record's office ("" for offices)."""
        if self.national:
            return Q()
        if self.office_id is None:
            return Q(pk__in=[])
        condition = Q(**{f"{office_path}_id" if office_path else "pk": self.office_id})
        if self.local_office_id is not None and local_office_path is not None:
            condition &= Q(**{f"{local_office_path}_id": self.local_office_id})
        return condition


NOTHING = Scope()
NATIONAL = Scope(national=True)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows the path from its rows to their office."""

    office_path: str = "office"
    local_office_path: str | None = None
    scope_attribute = "case_scope"

    def for_user(self, user) -> Self:
        scope = getattr(user, self.scope_attribute, NOTHING) if user.is_authenticated else NOTHING
        return self.filter(scope.condition(self.office_path, self.local_office_path))


class ReferenceQuerySet(ScopedQuerySet):
    """Reference rows (schools, committees) a user may pick from: their office's."""

    scope_attribute = "reference_scope"
