"""The document register in the admin: each case's documents, issuing them, their files, their delivery;
and each office's letterhead.

The register lists what the user's scope holds (``ScopedAdminMixin``: another office's documents
are not there, and their pages are a 404). Issuing, downloading and recording a delivery are the
case's own office's clerks' (``services.may_issue``): a supervisor reads the register, never a file.
The case's page links here (``issue_url`` / ``register_url``).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.cases import selectors
from casetracker.cases.law import appeal_deadline
from casetracker.cases.models import Incident, Measure
from casetracker.core.admin import ScopedAdminMixin
from casetracker.core.admin_base import BaseAdmin, KeyCheckedChoiceField, storable
from casetracker.core.formatting import format_date

from . import services, summary
from .letters import Kind
from .models import Delivery, Document, Format, OfficeLetterhead
from .rendering import CONTENT_TYPES


def issue_url(incident) -> str:
    return reverse("admin:documents_document_issue", args=[incident.pk])


def register_url(incident) -> str:
    return f"{reverse('admin:documents_document_changelist')}?{CaseFilter.parameter_name}={incident.pk}"


class CaseFilter(admin.SimpleListFilter):
    """One case's register (the link from the case's page); lists no cases of its own."""

    title = _("case")
    parameter_name = "case"

    def lookups(self, request, model_admin):
        # Only the case asked for (Django applies a filter only while it offers a choice).
        value = self.value()
        if value is None or not storable(Incident, None, value):
            return [(value, "-")] if value is not None else []
        numbers = selectors.incidents_for(request.user).filter(pk=int(value)).values_list("case_number", flat=True)
        return [(value, numbers.first() or "-")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(incident_id=int(value)) if storable(Incident, None, value) else queryset.none()


class IssueForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices)
    file_format = forms.ChoiceField(label=_("format"), choices=Format.choices, initial=Format.PDF)
    committee_case = KeyCheckedChoiceField(
        label=_("committee case"),
        queryset=None,
        required=False,
        empty_label=_("every committee case"),
        help_text=_("For hearing and decision notices: the hearing whose letters to print (all of them if empty)."),
    )

    def __init__(self, *args, committee_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee_case"].queryset = committee_cases


class DeliveryForm(forms.ModelForm):
    class Meta:
        model = Delivery
        fields = ["delivered_on", "method"]
        widgets = {"delivered_on": forms.DateInput(attrs={"type": "date"})}


@admin.register(Document)
class DocumentAdmin(ScopedAdminMixin, BaseAdmin):
    list_display = [
        "case_number",
        "kind",
        "recipient_role",
        "party",
        "version",
        "template_version",
        "generated_by_name",
        "created_at",
        "delivered",
        "appeal_deadline",
    ]
    list_filter = [CaseFilter, "kind", "recipient_role"]
    list_select_related = ["incident", "offender", "victim", "delivery", "committee_case"]
    search_fields = ["incident__case_number"]
    ordering = ["-created_at", "-pk"]
    fields = [
        "incident",
        "kind",
        "recipient_role",
        "party",
        "committee_case",
        "subject",
        "file_format",
        "version",
        "replaces",
        "template_version",
        "generated_by_name",
        "created_at",
        "delivered",
        "appeal_deadline",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # documents are issued from the case (``issue_view``), never typed

    def has_change_permission(self, request, obj=None):
        return False  # an issued document stays as it was: a correction is a new version

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("case"), ordering="incident__case_number")
    def case_number(self, obj):
        return obj.incident.case_number

    @admin.display(description=_("party"))
    def party(self, obj):
        return obj.party_code or "-"

    @admin.display(description=_("delivered"))
    def delivered(self, obj):
        delivery = getattr(obj, "delivery", None)
        if delivery is None:
            return "-"
        return f"{format_date(delivery.delivered_on)} ({delivery.get_method_display()})"

    def get_queryset(self, request):
        # The decision's date for each row's appeal deadline, in the list's one query.
        first_decided = Measure.objects.filter(committee_case=OuterRef("committee_case")).order_by("decided_on")
        return super().get_queryset(request).annotate(first_decided_on=Subquery(first_decided.values("decided_on")[:1]))

    @admin.display(description=_("appeal deadline"))
    def appeal_deadline(self, obj):
        """The recipient's last day to appeal, from the delivery of a decision notice."""
        delivery = getattr(obj, "delivery", None)
        if delivery is None or obj.kind != Kind.DECISION_NOTICE or obj.first_decided_on is None:
            return "-"
        return format_date(appeal_deadline(obj.first_decided_on, delivery.delivered_on))

    def get_list_display(self, request):
        user = request.user

        @admin.display(description=_("file"))
        def file_links(obj):
            if not services.may_issue(user, obj.incident):
                return "-"
            return format_html(
                '<a href="{}">{}</a> · <a href="{}">{}</a>',
                reverse("admin:documents_document_file", args=[obj.pk]),
                gettext("download"),
                reverse("admin:documents_document_deliver", args=[obj.pk]),
                gettext("record delivery"),
            )

        return [*super().get_list_display(request), file_links]

    def changelist_view(self, request, extra_context=None):
        """One case's register offers to issue its documents, to those who may."""
        value = request.GET.get(CaseFilter.parameter_name, "")
        incident = None
        if value and storable(Incident, None, value):
            incident = selectors.incidents_for(request.user).filter(pk=int(value)).first()
        extra = {"issue_url": issue_url(incident) if incident and services.may_issue(request.user, incident) else ""}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("issue/<int:incident_pk>/", view(self.issue_view), name="documents_document_issue"),
            path("<int:pk>/file/", view(self.file_view), name="documents_document_file"),
            path("<int:pk>/deliver/", view(self.deliver_view), name="documents_document_deliver"),
            path("summary/<int:incident_pk>/", view(self.summary_view), name="documents_case_summary"),
            *super().get_urls(),
        ]

    # The views of the register -----------------------------------------------------------------

    def _incident(self, request, pk: int):
        # An id the database cannot hold (30 digits) is absent too, not an error on SQLite.
        incident = None
        if storable(Incident, None, pk):
            incident = selectors.incidents_for(request.user).filter(pk=pk).select_related("office").first()
        if incident is None:
            raise Http404(gettext("No such case."))
        if not services.may_issue(request.user, incident):
            raise PermissionDenied(gettext("Only the clerks of the case's office issue its documents."))
        return incident

    def _document(self, request, pk: int) -> Document:
        document = None
        if storable(Document, None, pk):
            document = services.documents_for(request.user).filter(pk=pk).select_related("incident").first()
        if document is None:
            raise Http404(gettext("No such document."))
        if not services.may_issue(request.user, document.incident):
            raise PermissionDenied(gettext("Only the clerks of the case's office issue its documents."))
        return document

    def issue_view(self, request, incident_pk: int):
        incident = self._incident(request, incident_pk)
        committee_cases = (
            selectors.committee_cases_for(request.user).filter(incident=incident).select_related("committee")
        )
        form = IssueForm(request.POST or None, committee_cases=committee_cases)
        if request.method == "POST" and form.is_valid():
            committee_case = form.cleaned_data["committee_case"]
            try:
                issued = services.issue_documents(
                    actor=request.user,
                    incident=incident,
                    kind=form.cleaned_data["kind"],
                    file_format=form.cleaned_data["file_format"],
                    committee_case_pk=committee_case.pk if committee_case else None,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                log_access(
                    action=AccessLog.Action.EXPORT, request=request, target=incident, detail=form.cleaned_data["kind"]
                )
                kind, file_format = form.cleaned_data["kind"], form.cleaned_data["file_format"]
                name = f"{incident.case_number}-{kind}-{timezone.localdate().isoformat()}.{file_format}"
                return _attachment(issued.batch, file_format, name)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Issue documents: case %(number)s") % {"number": incident.case_number},
            "form": form,
            "opts": self.model._meta,
            "incident": incident,
            "register_url": register_url(incident),
        }
        return TemplateResponse(request, "admin/documents/issue.html", context)

    def file_view(self, request, pk: int):
        document = self._document(request, pk)
        log_access(action=AccessLog.Action.VIEW, request=request, target=document)
        return _attachment(services.document_file(request.user, document), document.file_format, document.filename)

    def deliver_view(self, request, pk: int):
        document = self._document(request, pk)
        existing = Delivery.objects.filter(document=document).first()
        if request.method == "POST" and existing is not None and "remove" in request.POST:
            # Recorded in error (the copy never reached its recipient): its appeal clock is worked out again.
            services.remove_delivery(actor=request.user, document=document)
            self.message_user(request, gettext("The delivery is removed."), messages.SUCCESS)
            return HttpResponseRedirect(register_url(document.incident))
        form = DeliveryForm(request.POST or None, instance=existing)
        if request.method == "POST" and form.is_valid():
            try:
                services.record_delivery(
                    actor=request.user,
                    document=document,
                    delivered_on=form.cleaned_data["delivered_on"],
                    method=form.cleaned_data["method"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields):
                    for field, errors in error.error_dict.items():
                        form.add_error(field, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                self.message_user(request, gettext("The delivery is recorded."), messages.SUCCESS)
                return HttpResponseRedirect(register_url(document.incident))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Record the delivery of %(document)s") % {"document": document},
            "form": form,
            "opts": self.model._meta,
            "document": document,
            "delivered": existing is not None,
            "register_url": register_url(document.incident),
        }
        return TemplateResponse(request, "admin/documents/deliver.html", context)

    def summary_view(self, request, incident_pk: int):
        """The printable case summary (``summary.py``), for whoever may open the case's page: the
        case is fetched and checked by the case page's own admin, and the print is on the access log."""
        incident_admin = self.admin_site.get_model_admin(Incident)
        if not incident_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        incident = None
        if storable(Incident, None, incident_pk):
            incident = incident_admin.get_object(request, str(incident_pk))
        if incident is None:
            raise Http404(gettext("No such case."))
        if not incident_admin.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        # Korean whatever the reader's language: an official sheet of a Korean office.
        with translation.override("ko"):
            sheet = summary.case_summary(request.user, incident)
            response = render(request, "admin/documents/case_summary.html", {"sheet": sheet})
        log_access(action=AccessLog.Action.VIEW, request=request, target=incident, detail=summary.PRINTED)
        return response


def _attachment(content: bytes, file_format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@admin.register(OfficeLetterhead)
class OfficeLetterheadAdmin(BaseAdmin):
    """Admins adjust each office's own text; the legal content stays in code (``letters.py``)."""

    list_display = ["office", "letterhead", "sender", "contact"]
    fields = ["office", "letterhead", "sender", "contact", "footer", "hearing_place"]
    list_select_related = ["office"]
    ordering = ["office__sort_order"]
