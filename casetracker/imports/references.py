"""What a sheet's rows refer to: the office's incidents, committees, schools and channels, and the
people, committee cases, measures and appeals under a case, looked up a chunk of rows at a time
and kept for the rest of the import, so that a later row finds what an earlier row created.

``References`` is a part of ``importer.Importer`` (its ``user``, ``office``, ``cache`` and the
lookups by case number); a reference to nothing refuses the row."""

from collections import defaultdict

from django.utils.translation import gettext as _

from casetracker.cases import selectors
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Victim
from casetracker.core.models import Channel, Committee, School

from . import layout
from .fingerprints import case_fingerprints
from .layout import Sheet, normalise
from .rows import Row


class References:
    """The records an import's rows name (a part of ``importer.Importer``)."""

    def prefetch(self, sheet: Sheet, rows: list[Row]) -> None:
        """Load what ``rows`` refer to that is recorded already: their incidents (with channels)
        and the records under them that the sheet updates."""
        numbers = {row.values.get("case_number") for row in rows} - {None, ""}
        # (Tested one by one: subtracting a dict's keys from a set walks all the keys.)
        unknown = {number for number in numbers if number not in self.incident_ids and number not in self.new_incidents}
        if unknown and self.fingerprints is not None:
            # (Taken when a case is first named, before this import writes anything to it.)
            self.fingerprints.update(case_fingerprints(self.user, self.office, unknown))
        if unknown:
            found = dict(
                selectors.incidents_for(self.user)
                .filter(office=self.office, case_number__in=unknown)
                .order_by()
                .values_list("case_number", "id")
            )
            self.incident_ids.update((number, found.get(number)) for number in unknown)
        ids = {
            self.incident_ids[number]
            for number in numbers
            if number not in self.new_incidents and self.incident_ids.get(number) is not None
        }
        incidents = self.cache["incident"]
        missing = ids - incidents.keys()
        if missing:
            found = Incident.objects.filter(pk__in=missing).select_related("office", "school")
            if sheet is layout.INCIDENTS:
                found = found.prefetch_related("channels")
            incidents.update((incident.pk, incident) for incident in found)
        loaded = [incidents[pk] for pk in ids]
        if sheet is layout.VICTIMS:
            self._prefetch_people(Victim, loaded)
        elif sheet in (layout.OFFENDERS, layout.MEASURES, layout.APPEALS):
            self._prefetch_people(Offender, loaded)
        if sheet in (layout.COMMITTEE_CASES, layout.MEASURES, layout.APPEALS):
            self._prefetch_committee_cases(loaded)
        if sheet in (layout.MEASURES, layout.APPEALS):
            cases = self.cache["committee_case"]
            self._prefetch_measures([case for incident in loaded for case in cases[incident.pk].values()])

    def _prefetch_committee_cases(self, incidents: list[Incident]) -> None:
        cases = self.cache["committee_case"]
        wanted = {incident.pk: incident for incident in incidents if incident.pk not in cases}
        stored = [pk for pk, incident in wanted.items() if not is_new(incident)]
        grouped = defaultdict(dict)
        if stored:
            found = CommitteeCase.objects.filter(incident__in=stored).select_related("committee").order_by("pk")
            for case in found:
                case.incident = wanted[case.incident_id]
                grouped[case.incident_id][case.committee_id] = case
        cases.update((pk, grouped[pk]) for pk in wanted)

    def _prefetch_measures(self, cases: list[CommitteeCase]) -> None:
        """The measures of ``cases`` (originals first) and, for the appeals sheet, their appeals."""
        measures, appeals = self.cache["measure"], self.cache["appeal"]
        wanted = {case.pk: case for case in cases if case.pk not in measures}
        stored = [pk for pk, case in wanted.items() if not is_new(case)]
        if not wanted:
            return
        grouped = defaultdict(list)
        found = Measure.objects.filter(committee_case__in=stored).order_by("ordered_by_appeal", "id") if stored else []
        for measure in found:
            measure.committee_case = wanted[measure.committee_case_id]
            grouped[measure.committee_case_id].append(measure)
        measures.update((pk, grouped[pk]) for pk in wanted)
        by_measure = defaultdict(list)
        loaded = [measure for pk in wanted for measure in grouped[pk]]
        for appeal in Appeal.objects.filter(measure__in=loaded).order_by("pk") if loaded else []:
            by_measure[appeal.measure_id].append(appeal)
        appeals.update((measure.pk, by_measure[measure.pk]) for measure in loaded)

    def _prefetch_people(self, model: type[Victim | Offender], incidents: list[Incident]) -> None:
        cache = self.cache[model.__name__]
        wanted = {incident.pk: incident for incident in incidents if incident.pk not in cache}
        stored = [pk for pk, incident in wanted.items() if not is_new(incident)]
        grouped = defaultdict(dict)
        for person in model.objects.filter(incident__in=stored).order_by("pk") if stored else []:
            person.incident = wanted[person.incident_id]
            grouped[person.incident_id][person.code] = person
        cache.update((pk, grouped[pk]) for pk in wanted)

    def _committees(self) -> dict[str, Committee]:
        found = {}
        for committee in Committee.objects.for_user(self.user).filter(office=self.office):
            found[normalise(committee.name_ko)] = committee
            found[normalise(committee.name_en)] = committee
        return found

    def _channels(self) -> dict[str, Channel]:
        found = {}
        for channel in Channel.objects.all():
            for text in (channel.code, channel.name_ko, channel.name_en):
                found[normalise(text)] = channel
        return found

    def incident(self, row: Row) -> Incident:
        case_number = row.values["case_number"]
        if case_number in self.failed_cases:
            raise self.refuse(
                row, "case_number", _("This case could not be imported: see its row in the incidents sheet.")
            )
        if case_number in self.new_incidents:
            return self.new_incidents[case_number]
        incident_id = self.incident_ids.get(case_number)
        if incident_id is None:
            raise self.refuse(
                row, "case_number", _("No case with this number in your office, nor in the incidents sheet.")
            )
        incidents = self.cache["incident"]
        if incident_id not in incidents:
            incidents[incident_id] = Incident.objects.select_related("office", "school").get(pk=incident_id)
        return incidents[incident_id]

    def committee(self, row: Row) -> Committee:
        committee = self.committees.get(normalise(row.values["committee"]))
        if committee is None:
            raise self.refuse(
                row, "committee", _("No committee of your office of education or local office has this name.")
            )
        return committee

    def people(self, model: type[Victim | Offender], incident: Incident) -> dict[str, Victim | Offender]:
        self._prefetch_people(model, [incident])  # (already loaded with its chunk, as a rule)
        return self.cache[model.__name__][incident.pk]

    def offender(self, row: Row, incident: Incident) -> Offender:
        offender = self.people(Offender, incident).get(row.values["offender"])
        if offender is None:
            raise self.refuse(row, "offender", _("This case has no offender with this code."))
        return offender

    def committee_cases(self, incident: Incident) -> dict[int, CommitteeCase]:
        self._prefetch_committee_cases([incident])
        return self.cache["committee_case"][incident.pk]

    def committee_case(self, row: Row, incident: Incident) -> CommitteeCase:
        committee = self.committee(row)
        case = self.committee_cases(incident).get(committee.pk)
        if case is None:
            raise self.refuse(
                row,
                "committee",
                _("This case was not referred to this committee: add it to the committee cases sheet."),
            )
        return case

    def measures(self, committee_case: CommitteeCase) -> list[Measure]:
        self._prefetch_measures([committee_case])
        return self.cache["measure"][committee_case.pk]

    def school(self, row: Row) -> School:
        code = row.values["school"]
        if code not in self.schools:
            # The schools the clerk may choose (their office's, or their local office's), as the entry
            # forms offer them. (Codes are lower case; a workbook may have them capitalised.)
            self.schools[code] = (
                School.objects.for_user(self.user).filter(office=self.office, code__iexact=code).first()
            )
        school = self.schools[code]
        if school is None:
            raise self.refuse(row, "school", _("No school of your office of education or local office has this code."))
        return school

    def channel_list(self, row: Row) -> list[Channel]:
        channels = []
        for code in row.values["channels"]:
            channel = self.channels.get(normalise(code))
            if channel is None:
                raise self.refuse(row, "channels", _("Unknown channel: %(code)s.") % {"code": code})
            channels.append(channel)
        return channels


def is_new(record) -> bool:
    """Created by this import: nothing is recorded under it yet, so there is nothing to look up."""
    return getattr(record, "_created_by_import", False)
