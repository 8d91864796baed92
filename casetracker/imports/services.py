"""The import's use cases: preview an upload, commit it, discard it; and the command line's run.

Each checks who may import (``accounts.policy``), applies the size and row caps (and what the
files may unzip to: ``limits``), and puts the commit on the access log. The rows themselves are
written by ``importer`` through the case services.
"""

import io
import zipfile
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.accounts.policy import may_import_cases
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.core.models import Office

from .file_names import check_file_names
from .fingerprints import changed_cases
from .importer import ImportResult, run_import
from .limits import default_limits
from .models import ImportBatch
from .readers import FileError, UploadedFile, open_upload


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def check_size(files: list[UploadedFile], limit: int | None = None, *, sizes: list[int] | None = None) -> None:
    """Refuse an upload over the limit; ``sizes`` lets the web page check before reading the files."""
    limit = limit or max_bytes()
    if sum(sizes if sizes is not None else (len(upload.content) for upload in files)) > limit:
        raise FileError(
            _("The upload is larger than %(size)s MB: split it into smaller files.") % {"size": limit // 2**20}
        )


def target_office(user, office_code: str | None = None) -> Office:
    """The office a clerk imports into: their own, and no other."""
    if not may_import_cases(user):
        raise PermissionDenied(_("Only clerks of an office of education can import cases."))
    if office_code is not None and office_code != user.office.code:
        raise PermissionDenied(
            _("%(user)s is a clerk of %(office)s (%(code)s) and can import into that office only.")
            % {"user": user.get_username(), "office": user.office, "code": user.office.code}
        )
    return user.office


def preview_upload(*, user, files: list[UploadedFile]) -> ImportBatch:
    """Check an upload without saving any case: a batch holding the file and what it would do.

    Raises FileError (nothing kept) when the files cannot be read as the layout.
    """
    office = target_office(user)
    check_size(files)
    names = [upload.name for upload in files]
    check_file_names(names)
    ImportBatch.objects.stale().delete()
    sources = open_upload(files)
    fingerprints: dict[str, str | None] = {}
    result = run_import(
        sources=sources,
        user=user,
        office=office,
        commit=False,
        reason="",
        max_rows=max_rows(),
        fingerprints=fingerprints,
        file_names=names,
    )
    return ImportBatch.objects.create(
        user=user,
        office=office,
        file_names=", ".join(upload.name for upload in files)[:500],
        content=_archive(files),
        result=result.as_dict(),
        case_fingerprints=fingerprints,
        error_count=result.error_count,
        rows=result.rows,
    )


class PreviewOutOfDate(FileError):
    """A case the file names changed after the preview: the commit is refused, the batch discarded."""


def commit_batch(*, batch: ImportBatch, user, request=None) -> ImportResult:
    """Import a previewed batch: all of it, or (if a row is refused now) nothing.

    Refused (``PreviewOutOfDate``, the batch then discarded) when a case the file names changed
    since the preview: the clerk never saw what the commit would do to it. The rows are checked
    again as they are saved.
    """
    try:
        return _commit_batch(batch=batch, user=user, request=request)
    except PreviewOutOfDate:
        ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
            status=ImportBatch.Status.DISCARDED, content=b""
        )
        raise


@transaction.atomic
def _commit_batch(*, batch: ImportBatch, user, request=None) -> ImportResult:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    office = target_office(user)
    if batch.user_id != user.pk or batch.office_id != office.pk:
        raise PermissionDenied
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise FileError(_("This file was already imported or discarded: upload it again."))
    if batch.error_count:
        raise FileError(_("The preview found errors: correct the file and upload it again."))
    _check_unchanged(batch, user, office)
    files = _unarchive(batch.content)
    sources = open_upload(files)
    result = run_import(
        sources=sources,
        user=user,
        office=office,
        commit=True,
        reason=batch.reason,
        max_rows=max_rows(),
        file_names=[upload.name for upload in files],
    )
    batch.result = result.as_dict()
    batch.error_count = result.error_count
    batch.rows = result.rows
    if result.committed:
        batch.status = ImportBatch.Status.COMMITTED
        batch.committed_at = timezone.now()
        batch.content = b""
        log_access(action=AccessLog.Action.IMPORT, request=request, user=user, target=batch, detail=summary(result))
    batch.save()
    return result


def _check_unchanged(batch: ImportBatch, user, office: Office) -> None:
    """Refuse the commit if a case the file names is not as the preview saw it (those rows then
    stay locked until the commit ends, so that no one changes them meanwhile)."""
    if not batch.case_fingerprints:  # (a preview made before the check existed)
        raise PreviewOutOfDate(_("This preview is out of date: upload the file again to see a new preview."))
    changed = changed_cases(user, office, batch.case_fingerprints)
    if changed:
        shown = ", ".join(changed[:10]) + (
            _(" and %(count)s more") % {"count": len(changed) - 10} if len(changed) > 10 else ""
        )
        raise PreviewOutOfDate(
            _(
                "Since your preview, someone else changed cases this file changes (%(cases)s). "
                "Nothing was imported: upload the file again to see a new preview."
            )
            % {"cases": shown}
        )


def discard_batch(*, batch: ImportBatch, user) -> None:
    if batch.user_id != user.pk:
        raise PermissionDenied
    if batch.status == ImportBatch.Status.PREVIEWED:
        batch.status = ImportBatch.Status.DISCARDED
        batch.content = b""
        batch.save(update_fields=["status", "content"])


def import_files(
    *,
    user,
    office_code: str,
    files: list[UploadedFile],
    dry_run: bool,
    row_limit: int | None = None,
    byte_limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """The command line's import: check, and unless ``dry_run``, save if no row has an error."""
    office = target_office(user, office_code)
    check_size(files, limit=byte_limit)
    names = [upload.name for upload in files]
    check_file_names(names)
    sources = open_upload(files, default_limits(byte_limit, row_limit))
    reason = ("import (command line): " + ", ".join(names))[:100]
    result = run_import(
        sources=sources,
        user=user,
        office=office,
        commit=not dry_run,
        reason=reason,
        max_rows=row_limit or max_rows(),
        progress=progress,
        file_names=names,
    )
    if result.committed:
        log_access(action=AccessLog.Action.IMPORT, user=user, detail=f"{reason} · {summary(result)}")
    return result


def summary(result: ImportResult) -> str:
    return "; ".join(f"{sheet.key}: +{sheet.created} ~{sheet.updated} ={sheet.unchanged}" for sheet in result.sheets)


def _archive(files: list[UploadedFile]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, upload in enumerate(files):
            # (A number in front keeps two uploads of the same name apart.)
            archive.writestr(f"{number:02d}/{upload.name}", upload.content)
    return output.getvalue()


def _unarchive(content: bytes) -> list[UploadedFile]:
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        return [UploadedFile(name.split("/", 1)[1], archive.read(name)) for name in sorted(archive.namelist())]
