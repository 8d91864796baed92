"""What the workflow keeps of its own: which overdue items each clerk was reminded of.

Case data is not here (it stays in ``cases``, written through its services); a reminder
only names the item (what is due, its row and its deadline) so each is e-mailed once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .queue import Due


class ReminderSent(models.Model):
    """One overdue item e-mailed to one clerk. A deadline that moves (an extension) is a new item."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # accounts are deactivated, never deleted
        related_name="reminders_sent",
        verbose_name=_("account"),
    )
    due = models.CharField(_("what is due"), max_length=20, choices=Due.choices)
    item_pk = models.PositiveBigIntegerField(_("record id"))
    deadline = models.DateField(_("deadline"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "due", "item_pk", "deadline"],
                name="reminder_sent_once_per_item",
                violation_error_message=_("This reminder was already sent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_due_display()} {self.item_pk} {self.deadline}"
