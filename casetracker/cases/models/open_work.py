"""How much open work the cases of each local office hold, written by database triggers only
(``casetracker/cases/open_work.py``): the work queue reads an office's figures here instead of
counting a hundred thousand rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from casetracker.core.scoping import ScopedQuerySet


class OpenWorkKind(models.TextChoices):
    """What the open work is; each is a column of the incident (``Incident.hearings_awaited`` ...)."""

    HEARING = "hearing", _("committee cases awaiting a hearing")
    MEASURE = "measure", _("measures to carry out")
    TAKEDOWN = "takedown", _("takedown requests still open")


# The incident's column that holds each kind, for one case.
OPEN_WORK_FIELDS = {
    OpenWorkKind.HEARING: "hearings_awaited",
    OpenWorkKind.MEASURE: "measures_to_carry_out",
    OpenWorkKind.TAKEDOWN: "takedowns_open",
}
# ``local_office_id`` of the cases whose school belongs to no local office (Sejong's).
NO_LOCAL_OFFICE = 0


class OpenWorkQuerySet(ScopedQuerySet):
    """Scoped as the cases are: by the office, and by the local office of the cases' schools."""

    office_path = "office"
    local_office_path = "local_office"


class OpenWork(models.Model):
    """The open work of one kind in the cases of one office and local office (of the case's school):
    the sum of the incidents' column of that kind. Written by triggers only."""

    office_id = models.BigIntegerField(_("office of education"))
    local_office_id = models.BigIntegerField(_("local education support office"))
    kind = models.CharField(_("kind"), max_length=10, choices=OpenWorkKind.choices)
    count = models.BigIntegerField(_("count"), default=0)

    objects = OpenWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("open work of a local office")
        verbose_name_plural = _("open work of the local offices")
        ordering = ["office_id", "local_office_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["office_id", "local_office_id", "kind"], name="open_work_unique")
        ]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.local_office_id} {self.kind}: {self.count}"


class PendingOpenWork(models.Model):
    """A change to ``OpenWork`` that a transaction made, until it commits (PostgreSQL only): a
    deferred trigger adds it to ``OpenWork`` at the commit, so that a write holds a count's row only
    while it commits. A transaction reads its own changes from here (``selectors.with_open_work``)."""

    txid = models.BigIntegerField(_("transaction"))
    office_id = models.BigIntegerField(_("office of education"))
    local_office_id = models.BigIntegerField(_("local education support office"))
    kind = models.CharField(_("kind"), max_length=10, choices=OpenWorkKind.choices)
    count = models.BigIntegerField(_("count"), default=0)

    objects = OpenWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("change to the open work, not committed")
        verbose_name_plural = _("changes to the open work, not committed")
        constraints = [
            models.UniqueConstraint(
                fields=["txid", "office_id", "local_office_id", "kind"], name="pending_open_work_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.txid}: {self.office_id}/{self.local_office_id} {self.kind} {self.count:+d}"
