"""Finding cases in the incident list: what a search word may be (a case number or its sequence,
a school's name, a person's code) and the filters that offer only the user's own offices, local
offices and a range of report dates."""

import datetime
import re

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from casetracker.core.admin_base import BadListRequest, storable
from casetracker.core.dates import years_spanned
from casetracker.core.models import LocalOffice, Office, School

from ..models import Offender, Victim

# "0028" or "28": the sequence of a case number of the form YYYY-NNNN (``services.next_case_number``).
SEQUENCE = re.compile(r"\d{1,4}")
# "V1", "o2": a victim's or an offender's code within a case.
PERSON_CODE = re.compile(r"([VO])\d{1,3}", re.IGNORECASE)


def case_numbers_with_sequence(word: str, years: list[int]) -> list[str]:
    """The case numbers "YYYY-NNNN" a sequence may be part of, one per year the list spans.

    An equality on the upper-cased number's index for each (an IN list of a few dozen), where a
    suffix LIKE ('%-0028') would read every number of the list: the cost is the two index probes
    of ``years_spanned``, once per search. A number typed outside the YYYY-NNNN form, or whose year
    lies outside the list's report years, is found by its whole number only.
    """
    sequence = word.zfill(4)
    return [f"{year}-{sequence}" for year in years]


def numbers_of(word: str, years: list[int]) -> set[str]:
    """The upper-cased case numbers ``word`` finds: itself, and if it is a sequence, its numbers of ``years``."""
    numbers = {word.upper()}
    if SEQUENCE.fullmatch(word):
        numbers.update(case_numbers_with_sequence(word, years))
    return numbers


def numbered_incidents(queryset, words: list[str], years: list[int]) -> list[list[int]]:
    """For each word, the ids of the incidents of ``queryset`` whose number it finds, in one query
    for all the words on the upper-cased number's index.

    A case number is unique within an office, so these are a few rows for each office at most
    (one per year the list spans): the list's own query then takes them as ids, and a word
    that finds no number leaves the case number out of its condition (see ``word_condition``).
    """
    wanted = [numbers_of(word, years) for word in words]
    rows = (
        queryset.order_by()
        .alias(number_upper=Upper("case_number"))
        .filter(number_upper__in=set().union(*wanted))
        .values_list("pk", Upper("case_number"))
    )
    ids: list[list[int]] = [[] for _word in words]
    for pk, number in rows:
        for index, numbers in enumerate(wanted):
            if number in numbers:
                ids[index].append(pk)
    return ids


def person_code_condition(word: str) -> Q | None:
    """Incidents having a victim (V...) or an offender (O...) of this code: an EXISTS on the people's
    (upper-cased code, incident) index, not a join that would repeat an incident."""
    match = PERSON_CODE.fullmatch(word)
    if match is None:
        return None
    model = Victim if match.group(1).upper() == "V" else Offender
    return Q(Exists(model.objects.filter(incident_id=OuterRef("pk"), code__iexact=word)))


def word_condition(word: str, *, numbered_ids: list[int], school_ids) -> Q:
    """What one word of the search finds: the incidents of its case numbers (``numbered_incidents``),
    of the schools whose name holds it, and having a person of its code.

    Only the parts that can find something are written: a person's code ("V1") is no school's
    name and no case number, so its condition is the EXISTS alone, which PostgreSQL joins (a semi
    join, read in the list's order and stopped at the page's end). Under an OR it would be a
    subplan reading every "V1" of every case first.
    """
    parts = []
    if numbered_ids:
        parts.append(Q(pk__in=numbered_ids))
    if not isinstance(school_ids, (set, list, tuple)) or school_ids:
        parts.append(Q(school_id__in=school_ids))
    if (person := person_code_condition(word)) is not None:
        parts.append(person)
    return Q.create(parts, connector=Q.OR) if parts else Q(pk__in=[])


def search_years(queryset, words: list[str]) -> list[int]:
    return years_spanned(queryset, "report_date") if any(SEQUENCE.fullmatch(word) for word in words) else []


class ScopedChoiceFilter(admin.SimpleListFilter):
    """A filter whose choices are rows of the user's own scope; offered only where the scope
    holds more than one (an office's clerk has no office to choose)."""

    field_path = ""
    key_model = None  # the model whose ids the filter takes

    def rows(self, request):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return [(str(row.pk), str(row)) for row in self.rows(request)]

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        value = self.value()
        if value is not None and not value.isdigit():
            raise BadListRequest(_("This list cannot be shown with these filters."))

    def has_output(self):
        # (A value given is applied even where nothing is offered: Django applies only the filters it shows.)
        return len(self.lookup_choices) > 1 or bool(self.value())

    @classmethod
    def outside_scope(cls, request, value: str | None) -> bool:
        """Whether ``value`` is a row outside the user's scope (a saved view's, of a wider scope than
        the user's now): the list would find nothing of it, or not offer the filter at all."""
        if not value:
            return False
        if not value.isdigit() or not storable(cls.key_model, None, value):
            return True
        return not cls.key_model.objects.for_user(request.user).filter(pk=int(value)).exists()

    def queryset(self, request, queryset):
        # Within the list's own scope: another office's id filters to nothing, and so does an id
        # no key can be (30 digits: an error on SQLite).
        if not self.value():
            return queryset
        if not storable(self.key_model, None, self.value()):
            return queryset.none()
        return queryset.filter(**{self.field_path: int(self.value())})


class OfficeFilter(ScopedChoiceFilter):
    title = _("office of education")
    parameter_name = "office__id__exact"  # the parameter of Django's own office filter: old links still open
    field_path = "office_id"
    key_model = Office

    def rows(self, request):
        scope = request.user.case_scope
        if not scope.national:
            return Office.objects.filter(pk=scope.office_id) if scope.office_id else Office.objects.none()
        return Office.objects.order_by("sort_order")


class LocalOfficeFilter(ScopedChoiceFilter):
    title = _("local office of education")
    parameter_name = "local_office"
    field_path = "school__local_office_id"
    key_model = LocalOffice

    def rows(self, request):
        scope = request.user.case_scope
        rows = LocalOffice.objects.select_related("office").order_by("office__sort_order", "name_ko")
        if scope.local_office_id:
            return rows.filter(pk=scope.local_office_id)
        if scope.office_id:
            return rows.filter(office_id=scope.office_id)
        return rows if scope.national else rows.none()


class ReportDateRangeFilter(admin.ListFilter):
    """Report dates from and to (either end may be left open): a range on the indexed column."""

    title = _("report date")
    template = "admin/cases/date_range_filter.html"
    parameters = ("report_date_from", "report_date_to")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.values = {}
        for name in self.parameters:
            if name not in params:
                continue
            raw = params.pop(name)
            raw = raw[-1] if isinstance(raw, list) else raw
            if raw == "":
                continue
            try:
                self.values[name] = datetime.date.fromisoformat(raw)
            except ValueError:
                raise BadListRequest(_("“%(value)s” is not a date this list can show.") % {"value": raw[:20]}) from None
            self.used_parameters[name] = raw
        self.query = {k: (v[-1] if isinstance(v, list) else v) for k, v in request.GET.lists()}

    def has_output(self):
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def choices(self, changelist):
        others = [(k, v) for k, v in changelist.params.items() if k not in self.parameters]
        yield {
            # (the link that clears the range, as every filter's choices carry one)
            "query_string": changelist.get_query_string(remove=list(self.parameters)),
            "selected": bool(self.values),
            "others": [(k, v[-1] if isinstance(v, list) else v) for k, v in others],
            "date_from": self.used_parameters.get("report_date_from", ""),
            "date_to": self.used_parameters.get("report_date_to", ""),
        }

    def queryset(self, request, queryset):
        if "report_date_from" in self.values:
            queryset = queryset.filter(report_date__gte=self.values["report_date_from"])
        if "report_date_to" in self.values:
            queryset = queryset.filter(report_date__lte=self.values["report_date_to"])
        return queryset


class SchoolFilter(ScopedChoiceFilter):
    """The schools of a local office's user (tens of them); an office's or the nation's thousand
    schools are found by the search (a word of the school's name), not a sidebar list."""

    title = _("school")
    parameter_name = "school__id__exact"
    field_path = "school_id"
    key_model = School

    def rows(self, request):
        scope = request.user.case_scope
        if not scope.local_office_id:
            return School.objects.none()
        return School.objects.filter(local_office_id=scope.local_office_id).order_by("name_ko")
