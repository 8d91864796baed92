"""Which office-years of cases have changed: a token per office of education and report year that
the database replaces on every write to those cases' rows (``cases/generations.py``).

A cache of figures over some office-years keys them by these tokens: while none has changed, no
row the figures read has changed. Row ``(0, 0)`` stands for everything else the figures read (the
reference data: offices, schools, committees, channels) and changes when any of it changes, or
when rows of this table are deleted.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The row of the reference data and of deletions from this table: every key includes it.
EVERYTHING = (0, 0)


class OfficeYearGeneration(models.Model):
    """The token of one office's cases reported in one year. Written by triggers only."""

    office_id = models.BigIntegerField(_("office of education"))
    year = models.IntegerField(_("report year"))
    token = models.BigIntegerField(_("token"))

    class Meta:
        verbose_name = _("generation of an office's year")
        verbose_name_plural = _("generations of offices' years")
        ordering = ["office_id", "year"]
        constraints = [models.UniqueConstraint(fields=["office_id", "year"], name="generation_office_year_unique")]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.year}: {self.token}"


class PendingGeneration(models.Model):
    """An office-year a transaction has changed, until it commits (PostgreSQL only).

    The triggers note here what a write changed; at the commit a deferred trigger gives those
    office-years their new tokens, in one statement in their order, and removes its rows: so a
    write holds an office-year's token row only while it commits, not for the whole transaction.
    A transaction's own rows tell a report run inside it that its figures are not committed yet."""

    txid = models.BigIntegerField(_("transaction"))
    office_id = models.BigIntegerField(_("office of education"))
    year = models.IntegerField(_("report year"))

    class Meta:
        verbose_name = _("office-year changed by a transaction")
        verbose_name_plural = _("office-years changed by transactions")
        constraints = [models.UniqueConstraint(fields=["txid", "office_id", "year"], name="pending_generation_unique")]

    def __str__(self) -> str:
        return f"{self.txid}: {self.office_id}/{self.year}"
