"""An uploaded file between its preview and its commit.

The file is kept only until it is committed or discarded (its content is then emptied), and
uncommitted uploads are deleted after a day: names in a spreadsheet stay nowhere but in the
case records they were imported into.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import Office

KEEP_UNCOMMITTED = datetime.timedelta(days=1)


class ImportBatchQuerySet(models.QuerySet):
    def for_user(self, user) -> "ImportBatchQuerySet":
        """A clerk sees the uploads they made, nobody else's."""
        return self.filter(user=user) if user.is_authenticated else self.none()

    def stale(self) -> "ImportBatchQuerySet":
        return self.exclude(status=ImportBatch.Status.COMMITTED).filter(
            created_at__lt=timezone.now() - KEEP_UNCOMMITTED
        )


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("previewed")
        COMMITTED = "committed", _("imported")
        DISCARDED = "discarded", _("discarded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_batches", verbose_name=_("account")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="import_batches", verbose_name=_("office of education")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_names = models.CharField(_("files"), max_length=500)
    # The uploaded files as one zip archive, until the batch is committed or discarded.
    content = models.BinaryField(_("content"), editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    result = models.JSONField(_("result"), default=dict, editable=False)
    # The fingerprint of each case the file names, as the preview saw it (imports/fingerprints.py).
    case_fingerprints = models.JSONField(_("cases as previewed"), default=dict, editable=False)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_names}"

    @property
    def reason(self) -> str:
        """How the change history names this import."""
        return f"import #{self.pk}: {self.file_names}"[:100]
