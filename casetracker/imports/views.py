"""The import pages: upload, preview, commit; the blank templates; case lists in the layout.

Importing is for clerks, into their own office; an upload is seen and committed only by the
clerk who made it. Exports (clerks and supervisors) come through the case selectors, one
office in the user's scope at a time, without names, and are on the access log.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from casetracker.accounts.policy import may_export_cases, may_import_cases
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access

from . import exports, services
from .forms import ExportForm, UploadForm
from .importer import ImportResult
from .models import ImportBatch
from .readers import FileError, UploadedFile

FILE_TYPES = {"xlsx": exports.XLSX_CONTENT_TYPE, "zip": exports.ZIP_CONTENT_TYPE}


def allowed(policy):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not policy(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@allowed(may_import_cases)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            uploads = form.cleaned_data["files"]
            try:
                # The sizes first: a file too large is refused before it is read into memory.
                services.check_size([], sizes=[item.size for item in uploads])
                files = [UploadedFile(item.name, item.read()) for item in uploads]
                batch = services.preview_upload(user=request.user, files=files)
            except FileError as error:
                for message in error.messages:
                    form.add_error("files", message)
            else:
                return redirect("imports:batch", pk=batch.pk)
    context = {
        "title": _("Import cases"),
        "nav": "imports",
        "form": form,
        "batches": ImportBatch.objects.for_user(request.user)[:10],
        "max_megabytes": services.max_bytes() // 2**20,
        "max_rows": services.max_rows(),
    }
    return render(request, "imports/upload.html", context, status=status)


def _batch_page(request, batch: ImportBatch, result: ImportResult | None = None, status: int = 200):
    context = {
        "title": _("Import preview") if batch.status == ImportBatch.Status.PREVIEWED else _("Import"),
        "nav": "imports",
        "batch": batch,
        "result": result or ImportResult.from_dict(batch.result),
    }
    return render(request, "imports/batch.html", context, status=status)


@allowed(may_import_cases)
@require_safe
def batch(request, pk: int):
    return _batch_page(request, get_object_or_404(ImportBatch.objects.for_user(request.user), pk=pk))


@allowed(may_import_cases)
@require_POST
def commit(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.for_user(request.user), pk=pk)
    try:
        result = services.commit_batch(batch=batch, user=request.user, request=request)
    except FileError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("imports:batch", pk=batch.pk)
    batch.refresh_from_db()
    if result.committed:
        messages.success(request, _("The file was imported: %(rows)s rows.") % {"rows": result.rows})
        return redirect("imports:batch", pk=batch.pk)
    messages.error(
        request, _("Nothing was imported: the rows below were refused. Correct the file and upload it again.")
    )
    return _batch_page(request, batch, result, status=409)


@allowed(may_import_cases)
@require_POST
def discard(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.for_user(request.user), pk=pk)
    services.discard_batch(batch=batch, user=request.user)
    messages.info(request, _("The upload was discarded; nothing was imported."))
    return redirect("imports:upload")


@allowed(may_import_cases)
@require_safe
def template(request, language: str, file_format: str):
    user = request.user
    with translation.override(language):
        content = exports.template_xlsx(user) if file_format == "xlsx" else exports.template_csv_zip(user)
    name = f"casetracker-import-template-{language}.{file_format}"
    return _file(content, file_format, name)


@allowed(may_export_cases)
@require_safe
def export(request):
    form = ExportForm(request.GET or None, user=request.user)
    if not request.GET or not form.is_valid():
        if len(form.fields["office"].queryset) == 1 and not request.GET:
            form = ExportForm(initial={"office": form.fields["office"].queryset.first()}, user=request.user)
        context = {"title": _("Export cases in the import layout"), "nav": "imports", "form": form}
        return render(request, "imports/export.html", context, status=400 if request.GET else 200)
    office, file_format = form.cleaned_data["office"], form.cleaned_data["format"]
    sheets = exports.case_rows(request.user, office)
    content = exports.write_xlsx(sheets) if file_format == "xlsx" else exports.write_csv_zip(sheets)
    log_access(
        action=AccessLog.Action.EXPORT,
        request=request,
        target=office,
        detail=f"cases in the import layout ({file_format})",
    )
    name = f"casetracker-cases-{office.code}-{timezone.localdate().isoformat()}.{file_format}"
    return _file(content, file_format, name)


def _file(content: bytes, file_format: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FILE_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
