"""The de-identified case record the API gives: codes, levels, grades, dates, kinds, channels,
committee steps, measures and appeals. No name and no free text (a narrative, an extension's
reason, a protection measure's notes) is a field here: what is not listed cannot leak.

These classes are the schema of the record and the list of its fields; ``records.py`` reads those
fields as plain values (faster than serializing instances), and tests/api holds them to the same keys."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, TakedownRequest, Victim


class VictimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Victim
        fields = ["code", "kind", "school_level", "grade"]


class OffenderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Offender
        fields = ["code", "kind", "school_level", "grade"]


class TakedownRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = TakedownRequest
        fields = ["platform", "requested_on", "outcome", "answered_on"]


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "appellant", "kind", "filed_on", "outcome", "decided_on"]


class MeasureSerializer(serializers.ModelSerializer):
    offender = serializers.SlugRelatedField(slug_field="code", read_only=True)
    appeals = AppealSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "offender",
            "law",
            "number",
            "decided_on",
            "days",
            "hours",
            "notified_on",
            "carried_out_on",
            "ordered_by_appeal",
            "appeals",
        ]


class CommitteeCaseSerializer(serializers.ModelSerializer):
    committee_kind = serializers.CharField(source="committee.kind", read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = CommitteeCase
        fields = [
            "id",
            "committee",
            "committee_kind",
            "requested_on",
            "extended_on",
            "hearing_scheduled_on",
            "hearing_date",
            "closed_on",
            "closure_reason",
            "measures",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(slug_field="code", read_only=True)
    local_office = serializers.CharField(source="school.local_office.code", read_only=True, allow_null=True)
    school_level = serializers.CharField(source="school.level", read_only=True)
    channels = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    victims = VictimSerializer(many=True, read_only=True)
    offenders = OffenderSerializer(many=True, read_only=True)
    takedown_requests = TakedownRequestSerializer(many=True, read_only=True)
    committee_cases = CommitteeCaseSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "case_number",
            "office",
            "local_office",
            "school_level",
            "report_date",
            "content_kind",
            "image_source",
            "channels",
            "police_referred_on",
            "closed_on",
            "closure_reason",
            "status",
            "status_reason",
            "created_at",
            "updated_at",
            "victims",
            "offenders",
            "takedown_requests",
            "committee_cases",
        ]


class IncidentFilterSerializer(serializers.Serializer):
    """The list's query parameters."""

    office = serializers.SlugField(required=False, help_text="office of education code, e.g. seoul")
    reported_from = serializers.DateField(required=False, help_text="reported on or after (YYYY-MM-DD)")
    reported_to = serializers.DateField(required=False, help_text="reported on or before (YYYY-MM-DD)")
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="incidents changed at or after this time (ISO 8601), for incremental sync: a change to "
        "the incident or to any of its records (people, relations, takedown requests, protection measures, "
        "separations, committee cases, measures, appeals, channels) moves its updated_at.",
    )

    def validate(self, attrs):
        start, end = attrs.get("reported_from"), attrs.get("reported_to")
        if start and end and end < start:
            raise serializers.ValidationError({"reported_to": _("The end of the period cannot be before its start.")})
        return attrs
