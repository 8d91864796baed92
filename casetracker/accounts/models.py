"""Accounts: each person has one role and a scope (an office, or national)."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import LocalOffice, Office
from casetracker.core.scoping import Scope

from . import policy
from .roles import Role


class AccountManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is an admin, whom no office scopes.
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    Role = Role

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
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ko",
        help_text=_("The interface language, remembered when the user switches language."),
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

    def __str__(self) -> str:
        return self.get_username()

    @property
    def case_scope(self) -> Scope:
        """Whose cases this account may see (``accounts.policy``)."""
        return policy.case_scope(self)

    @property
    def account_scope(self) -> Scope:
        """Whose accounts this account manages (``accounts.policy``)."""
        return policy.account_scope(self)

    @property
    def reference_scope(self) -> Scope:
        return policy.reference_scope(self)

    def clean(self) -> None:
        super().clean()
        if self.role == Role.CLERK and not self.office_id:
            raise ValidationError({"office": _("A clerk must belong to an office of education.")})
        if self.local_office_id and self.local_office.office_id != self.office_id:
            raise ValidationError({"local_office": _("This local office belongs to another office of education.")})
        if self.role == Role.ADMIN and self.local_office_id:
            # An admin is national, or an office of education's (``policy.account_scope``).
            message = _("An admin belongs to an office of education, not a local office.")
            raise ValidationError({"local_office": message})


class SavedListView(models.Model):
    """A list's filters, search and order saved under a name by one user, for that user alone.

    Only the query string is kept: each time the view is opened it is read again through the
    list's own filters, in the user's scope of that day (``cases.admin.saved_views``).
    """

    MAX_QUERY_LENGTH = 1000
    MAX_NAME_LENGTH = 60
    MAX_PER_LIST = 30

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_list_views",
        verbose_name=_("account"),
    )
    list_name = models.CharField(_("list"), max_length=100)  # the list's model, "cases.incident"
    name = models.CharField(_("name"), max_length=MAX_NAME_LENGTH)
    query = models.CharField(_("filters, search and order"), max_length=MAX_QUERY_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved list view")
        verbose_name_plural = _("saved list views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_name", "name"],
                name="saved_list_view_unique_name",
                violation_error_message=_("You already have a saved view of this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
