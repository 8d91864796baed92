"""A release: the figures of chosen reports for a period, frozen as published (with their
suppression), the data and code they were computed from, who published them and when.

A release never changes: the database refuses any UPDATE of a release row (and, on PostgreSQL,
any DELETE; see the migration), and ``save()`` refuses too, so no path goes around it.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FrozenError(Exception):
    """Raised on any attempt to change or delete a published release."""


class Release(models.Model):
    title = models.CharField(_("title"), max_length=200)
    date_from = models.DateField(_("reported from"))
    date_to = models.DateField(_("reported until"))
    reports = models.JSONField(_("reports"), help_text=_("The names of the reports, in order."))
    # {report name: {"title", "unit", "json": the report's JSON as published, "tables": [...]}}, suppressed.
    figures = models.JSONField(_("figures as published"))
    # {cell key: value} before suppression: for the regeneration check (national supervisors only).
    raw_cells = models.JSONField(_("figures before suppression"))
    methodology = models.JSONField(_("methodology"))
    data_version = models.CharField(_("data version"), max_length=64)
    # {case model: the highest history id when published}: the cases changed since are those above.
    data_marks = models.JSONField(_("change history marks"))
    code_version = models.CharField(_("code version"), max_length=100)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=F("date_from")),
                name="release_period_in_order",
                violation_error_message=_("The end of the period cannot be before its start."),
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise FrozenError("A published release cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenError("A published release cannot be deleted.")

    def previous(self) -> "Release | None":
        """The release published just before this one."""
        return (
            Release.objects.filter(
                Q(published_at__lt=self.published_at) | Q(published_at=self.published_at, pk__lt=self.pk)
            )
            .order_by("-published_at", "-pk")
            .first()
        )
