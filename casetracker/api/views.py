"""The read-only API: reports (the figures of ``manage.py report``), de-identified incidents and the
published releases. Every call is on the access log, refused ones too."""

from types import SimpleNamespace

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.cases import selectors
from casetracker.core.models import Office
from casetracker.releases.files import release_data
from casetracker.releases.models import Release
from casetracker.reports.definitions import REPORT_LIST, REPORTS_BY_NAME
from casetracker.reports.json_output import OPTIONS, arguments, as_json, parameter
from casetracker.reports.reporting import InvalidFilters, run_report

from . import records
from .authentication import ApiClient
from .pagination import UpdatedKeysetPagination
from .serializers import IncidentFilterSerializer, IncidentSerializer

TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


class ApiView(APIView):
    http_method_names = ["get", "head", "options"]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        log_call(request, response)
        return response

    def known_parameters(self, request, known: set[str]) -> None:
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {
                    name: [_("Unknown parameter. Known: %(known)s.") % {"known": ", ".join(sorted(known))}]
                    for name in unknown
                }
            )


def log_call(request, response) -> None:
    """One access log entry per call: which token, what it asked, what it got."""
    token = request.auth if isinstance(request.user, ApiClient) else getattr(request, "_refused_token", None)
    ok = response.status_code < 400
    # The client's address from the request, but not its session's account: the token is the caller.
    address_only = SimpleNamespace(META=request.META, user=None)
    log_access(
        action=AccessLog.Action.VIEW if ok else AccessLog.Action.DENIED,
        request=address_only,
        username=f"api:{token.name}" if token else "api",
        target=token,
        detail=f"API {request.method} {request.get_full_path()} → {response.status_code}",
    )


# Reports ---------------------------------------------------------------------------------------

REPORT_PARAMETERS = {parameter(key): key for key in OPTIONS}


def report_parameters() -> list[OpenApiParameter]:
    described = {
        "from": "reported on or after (YYYY-MM-DD)",
        "to": "reported on or before (YYYY-MM-DD)",
        "office": "office of education code, e.g. seoul",
        "school_level": "elementary, middle, high or special",
        "committee_kind": "school_violence or teacher_rights: incidents referred to that kind of committee",
    }
    return [
        *(OpenApiParameter(name, OpenApiTypes.STR, description=text) for name, text in described.items()),
        OpenApiParameter(
            "publication", OpenApiTypes.BOOL, description="suppress counts from 1 to 4 (and their complements)"
        ),
    ]


class ReportListView(ApiView):
    @extend_schema(
        responses=inline_serializer(
            "Report",
            {
                "name": serializers.CharField(),
                "title": serializers.CharField(),
                "description": serializers.CharField(),
                "unit": serializers.CharField(),
                "url": serializers.URLField(),
            },
            many=True,
        )
    )
    def get(self, request):
        return Response(
            [
                {
                    "name": spec.name,
                    "title": str(spec.title),
                    "description": str(spec.description),
                    "unit": str(spec.unit),
                    "url": request.build_absolute_uri(f"{spec.name}/"),
                }
                for spec in REPORT_LIST
            ]
        )


class ReportDetailView(ApiView):
    """Exactly what ``manage.py report NAME --format json`` prints for the same arguments."""

    @extend_schema(parameters=report_parameters(), responses={200: OpenApiTypes.OBJECT})
    def get(self, request, name: str):
        spec = REPORTS_BY_NAME.get(name)
        if spec is None:
            raise NotFound(
                _("Unknown report %(name)r. Choose one of: %(names)s.")
                % {"name": name, "names": ", ".join(REPORTS_BY_NAME)}
            )
        self.known_parameters(request, {*REPORT_PARAMETERS, "publication"})
        publication = request.query_params.get("publication", "").strip().lower()
        if publication not in TRUE + FALSE:
            raise ValidationError({"publication": [_("Give true or false.")]})
        values = {key: request.query_params.get(name) for name, key in REPORT_PARAMETERS.items()}
        try:
            data = arguments(values, request.user)
            result = run_report(spec, request.user, data)
        except InvalidFilters as error:
            raise ValidationError(
                {
                    parameter(key) if key in OPTIONS else key: [str(m) for m in messages]
                    for key, messages in error.errors.items()
                }
            ) from error
        return Response(as_json(result, data, publication=publication in TRUE))


# Incidents -------------------------------------------------------------------------------------


class IncidentListView(ApiView):
    pagination_class = UpdatedKeysetPagination

    @extend_schema(parameters=[IncidentFilterSerializer], responses=IncidentSerializer(many=True))
    def get(self, request):
        self.known_parameters(request, {*IncidentFilterSerializer().fields, "cursor"})
        query = IncidentFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        incidents = selectors.incidents_for(request.user)
        if "office" in filters:
            if not Office.objects.for_user(request.user).filter(code=filters["office"]).exists():
                raise ValidationError(
                    {
                        "office": [
                            _("No office of education %(code)r in this token's scope.") % {"code": filters["office"]}
                        ]
                    }
                )
            incidents = incidents.filter(office__code=filters["office"])
        if "reported_from" in filters:
            incidents = incidents.filter(report_date__gte=filters["reported_from"])
        if "reported_to" in filters:
            incidents = incidents.filter(report_date__lte=filters["reported_to"])
        if "updated_since" in filters:
            incidents = incidents.filter(updated_at__gte=filters["updated_since"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records.page_values(incidents), request, self)
        return paginator.get_paginated_response(records.records(page))


class IncidentDetailView(ApiView):
    @extend_schema(responses=IncidentSerializer)
    def get(self, request, pk: int):
        found = records.records(list(records.page_values(selectors.incidents_for(request.user).filter(pk=pk))))
        if not found:
            raise Http404  # the same for an incident that is not there and one outside the scope
        return Response(found[0])


# Releases --------------------------------------------------------------------------------------


class ReleaseListView(ApiView):
    """The published releases, newest first. Release figures are national and as published
    (suppressed): every token reads them, whatever its scope."""

    @extend_schema(
        responses=inline_serializer(
            "ReleaseSummary",
            {
                "id": serializers.IntegerField(),
                "title": serializers.CharField(),
                "period": inline_serializer("Period", {"from": serializers.DateField(), "to": serializers.DateField()}),
                "published_at": serializers.DateTimeField(),
                "data_version": serializers.CharField(),
                "url": serializers.URLField(),
            },
            many=True,
        )
    )
    def get(self, request):
        return Response(
            [
                {
                    "id": release.pk,
                    "title": release.title,
                    "period": {"from": release.date_from.isoformat(), "to": release.date_to.isoformat()},
                    "published_at": release.published_at.isoformat(),
                    "data_version": release.data_version,
                    "url": request.build_absolute_uri(f"{release.pk}/"),
                }
                for release in Release.objects.only(
                    "id", "title", "date_from", "date_to", "published_at", "data_version"
                )
            ]
        )


class ReleaseDetailView(ApiView):
    """A release as its JSON file gives it: the figures as published, the versions, the methodology."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        release = Release.objects.select_related("published_by").filter(pk=pk).first()
        if release is None:
            raise Http404
        return Response(release_data(release))
