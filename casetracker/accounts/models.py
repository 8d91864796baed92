"""Accounts: each person has one role and a scope (an office, or national)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import LocalOffice, Office


class AccountManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is an admin, whom no office scopes.
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        CLERK = "clerk", _("clerk")
        SUPERVISOR = "supervisor", _("supervisor")
        ADMIN = "admin", _("admin")

    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.CLERK)
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("office of education"),
        help_text=_("Empty for national supervisors and admins."),
    )
    local_office = models.ForeignKey(
        LocalOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("local education support office"),
    )

    objects = AccountManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="clerk") | models.Q(office__isnull=False),
                name="user_clerk_has_office",
                violation_error_message=_("A clerk must belong to an office of education."),
            ),
        ]
