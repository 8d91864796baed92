"""Reference data: offices of education, local offices, schools, committees, channels.

Every case hangs off these; admins maintain them, clerks only pick from them. Each keeps a
change history, as the case records do (``history.audited_history``).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from .constraints import validate_constraints as validate_constraints_at_once
from .history import audited_history
from .scoping import ReferenceQuerySet


class TimeStampedModel(models.Model):
    """The shared base: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        # The check constraints in one query, not one (and a savepoint) each (``constraints``).
        validate_constraints_at_once(self, exclude)

    # The rows of foreign keys that the case services have just found in the saver's scope
    # (``scoping.choices_outside_scope``, {attname: value}): they exist, so ``clean_fields`` does not
    # look each up again (a query per key and record: a new case's save asked nine).
    rows_found: dict | None = None

    def clean_fields(self, exclude=None):
        found = self.rows_found
        if found:
            same = [self._meta.get_field(name).name for name, value in found.items() if getattr(self, name) == value]
            exclude = {*(exclude or ()), *same}
        super().clean_fields(exclude=exclude)


class BilingualNameMixin(models.Model):
    """Official names in Korean and English; ``name`` follows the active language."""

    name_ko = models.CharField(_("Korean name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = get_language() or "ko"
        return self.name_ko if language.startswith("ko") else self.name_en


class SchoolLevel(models.TextChoices):
    ELEMENTARY = "elementary", _("elementary school")
    MIDDLE = "middle", _("middle school")
    HIGH = "high", _("high school")
    SPECIAL = "special", _("special school")


# Highest grade per school level, used to check the grade of a student.
MAX_GRADE = {
    SchoolLevel.ELEMENTARY: 6,
    SchoolLevel.MIDDLE: 3,
    SchoolLevel.HIGH: 3,
    SchoolLevel.SPECIAL: 12,
}


def validate_grade(level: str | None, grade: int | None, *, field: str = "grade") -> None:
    """Raise a field error when ``grade`` is outside what ``level`` has."""
    if level and grade is not None:
        highest = MAX_GRADE[SchoolLevel(level)]
        if not 1 <= grade <= highest:
            raise ValidationError(
                {
                    field: _("A %(level)s has grades 1 to %(highest)d.")
                    % {"level": SchoolLevel(level).label, "highest": highest}
                }
            )


class OfficeQuerySet(ReferenceQuerySet):
    office_path = ""  # an office is its own scope


# The periods, in years, that the records schedules of the Public Records Management Act offer
# (공공기록물 관리에 관한 법률 시행령 제26조: 1, 3, 5, 10 or 30 years, besides (semi-)permanent). An
# office keeps the names of a closed case's people for one of them (``cases.retention``).
IDENTITY_RETENTION_YEARS = (1, 3, 5, 10, 30)


def _years_label(years: int) -> str:
    return ngettext("%(years)d year", "%(years)d years", years) % {"years": years}


years_label = lazy(_years_label, str)  # in the reader's language, when shown


class Office(BilingualNameMixin, TimeStampedModel):
    """One of the 17 provincial offices of education (시·도교육청)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    identity_retention_years = models.PositiveSmallIntegerField(
        _("names kept after closing (years)"),
        choices=[(years, years_label(years)) for years in IDENTITY_RETENTION_YEARS],
        null=True,
        blank=True,
        help_text=_(
            "How long the names of a closed case's people are kept, as the office's records schedule says; "
            "then they are removed. Empty: the site's default (CASETRACKER_IDENTITY_RETENTION_YEARS)."
        ),
    )

    objects = OfficeQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("office of education")
        verbose_name_plural = _("offices of education")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(identity_retention_years__isnull=True)
                | models.Q(identity_retention_years__in=IDENTITY_RETENTION_YEARS),
                name="office_identity_retention_years_valid",
                violation_error_message=_("Choose one of the retention periods of the records schedules."),
            ),
        ]


class LocalOfficeQuerySet(ReferenceQuerySet):
    local_office_path = ""  # a local office is its own local scope


class LocalOffice(BilingualNameMixin, TimeStampedModel):
    """A local education support office (교육지원청) within one office of education."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="local_offices", verbose_name=_("office of education")
    )
    code = models.SlugField(_("code"), max_length=50, unique=True)

    objects = LocalOfficeQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["office__sort_order", "name_ko"]
        verbose_name = _("local education support office")
        verbose_name_plural = _("local education support offices")


class SchoolQuerySet(ReferenceQuerySet):
    local_office_path = "local_office"


class School(BilingualNameMixin, TimeStampedModel):
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="schools", verbose_name=_("office of education")
    )
    local_office = models.ForeignKey(
        LocalOffice,
        on_delete=models.PROTECT,
        related_name="schools",
        null=True,
        blank=True,
        verbose_name=_("local education support office"),
        help_text=_("Empty only where the office of education has no local offices (Sejong)."),
    )
    code = models.SlugField(_("code"), max_length=30, unique=True)
    level = models.CharField(_("school level"), max_length=12, choices=SchoolLevel.choices)

    objects = SchoolQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["office__sort_order", "name_ko"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        indexes = [models.Index(fields=["office", "level"])]

    def clean(self) -> None:
        validate_local_office(self.office_id, self.local_office)


def validate_local_office(office_id: int | None, local_office: "LocalOffice | None") -> None:
    if office_id and local_office is not None and local_office.office_id != office_id:
        raise ValidationError({"local_office": _("This local office belongs to another office of education.")})


class CommitteeQuerySet(ReferenceQuerySet):
    # A local office's cases go to its own committees, and to the office's own (teacher rights
    # committees before 2024-03-28 sat at the provincial office).
    local_office_path = "local_office"
    shared_by_the_office = True


class Committee(BilingualNameMixin, TimeStampedModel):
    """A committee that hears cases and imposes measures."""

    class Kind(models.TextChoices):
        SCHOOL_VIOLENCE = "school_violence", _("school violence review committee")
        TEACHER_RIGHTS = "teacher_rights", _("teacher rights protection committee")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="committees", verbose_name=_("office of education")
    )
    local_office = models.ForeignKey(
        LocalOffice,
        on_delete=models.PROTECT,
        related_name="committees",
        null=True,
        blank=True,
        verbose_name=_("local education support office"),
        help_text=_(
            "Empty for a committee of the provincial office itself (Sejong; teacher rights "
            "committees before 2024-03-28)."
        ),
    )

    objects = CommitteeQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["office__sort_order", "kind", "name_ko"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        constraints = [
            models.UniqueConstraint(
                fields=["local_office", "kind"],
                condition=models.Q(local_office__isnull=False),
                name="committee_one_kind_per_local_office",
                violation_error_message=_("This local office already has a committee of this kind."),
            ),
            models.UniqueConstraint(
                fields=["office", "kind"],
                condition=models.Q(local_office__isnull=True),
                name="committee_one_kind_per_provincial_office",
                violation_error_message=_("This office of education already has a committee of this kind."),
            ),
        ]

    def clean(self) -> None:
        validate_local_office(self.office_id, self.local_office)


class Channel(BilingualNameMixin, TimeStampedModel):
    """A way a deepfake spread: group chat, Telegram, humiliation room..."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = audited_history()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("distribution channel")
        verbose_name_plural = _("distribution channels")
