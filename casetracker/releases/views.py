"""Release pages for supervisors: the list, publishing one (national supervisors), each release with
its figures, its diff with the previous one, its files, and (national supervisors) the regeneration
check. Every file downloaded and every check run is on the access log."""

from functools import wraps

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from casetracker.accounts.policy import may_publish_releases, may_view_releases
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.reports.definitions import REPORT_LIST

from . import files, services
from .models import Release


def release_reader(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not may_view_releases(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class PublishForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    reports = forms.MultipleChoiceField(
        label=gettext_lazy("reports"),
        choices=[(spec.name, spec.title) for spec in REPORT_LIST],
        widget=forms.CheckboxSelectMultiple,
    )
    date_from = forms.DateField(label=gettext_lazy("reported from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("reported until"), widget=forms.DateInput(attrs={"type": "date"}))


@release_reader
@require_safe
def release_list(request):
    context = {
        "releases": Release.objects.select_related("published_by"),
        "may_publish": may_publish_releases(request.user),
        "nav": "releases",
        "title": _("Releases of the figures"),
    }
    return render(request, "releases/list.html", context)


@release_reader
@require_http_methods(["GET", "HEAD", "POST"])
def release_publish(request):
    if not may_publish_releases(request.user):
        raise PermissionDenied
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            release = services.publish_release(by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect("releases:detail", pk=release.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("Publish a release"), "nav": "releases"}
    return render(request, "releases/publish.html", context, status=status)


@release_reader
@require_safe
def release_detail(request, pk: int):
    release = get_object_or_404(Release.objects.select_related("published_by"), pk=pk)
    previous, diff = services.diff_with_previous(release)
    context = {
        "release": release,
        "reports": [
            {
                **release.figures[name],
                "tables": [
                    {**table, "lines": list(zip(table["rows"], files.table_lines(table), strict=True))}
                    for table in release.figures[name]["tables"]
                ],
            }
            for name in release.reports
        ],
        "previous": previous,
        "diff": diff,
        "may_check": may_publish_releases(request.user),
        "nav": "releases",
        "title": str(release),
    }
    if context["may_check"] and request.GET.get("check"):
        context["regeneration"] = services.regenerate(release, by=request.user)
        log_access(
            action=AccessLog.Action.VIEW, request=request, target=release, detail="release regenerated and compared"
        )
    return render(request, "releases/detail.html", context)


@release_reader
@require_safe
def release_download(request, pk: int, extension: str):
    if extension not in files.FORMATS:
        raise Http404
    release = get_object_or_404(Release.objects.select_related("published_by"), pk=pk)
    write, content_type = files.FORMATS[extension]
    response = HttpResponse(write(release), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"release-{release.pk}.{extension}")
    log_access(action=AccessLog.Action.EXPORT, request=request, target=release, detail=f"release file .{extension}")
    return response
