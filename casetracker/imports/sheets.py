"""One handler per sheet: a row becomes a new or changed record, staged for saving with its batch
(``Importer.outcome``), or is refused. Each returns "created", "updated" or "unchanged", or
raises ``RowRefused``.

``SheetHandlers`` is a part of ``importer.Importer``: it finds what a row names through
``References`` and stages records through the importer's ``assign`` and ``outcome``."""

from django.utils.translation import gettext as _

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Victim

from .layout import normalise
from .references import is_new
from .rows import Row


class SheetHandlers:
    """Incidents, victims, offenders, committee cases, measures, appeals (a part of ``importer.Importer``)."""

    def import_incidents(self, row: Row) -> str:
        values = row.values
        if normalise(values["office"]) != normalise(self.office.code):
            raise self.refuse(
                row,
                "office",
                _("This row is for another office of education: you can import into %(office)s (%(code)s) only.")
                % {"office": self.office, "code": self.office.code},
            )
        school = self.school(row)
        case_number = values["case_number"]
        incident_id = self.incident_ids.get(case_number)
        created = incident_id is None
        if created:
            incident = Incident(office=self.office, case_number=case_number)
        else:
            incident = self.cache["incident"].get(incident_id) or Incident.objects.select_related(
                "office", "school"
            ).get(pk=incident_id)
        changed = incident.school_id != school.pk
        incident.school = school
        changed |= self.assign(
            row,
            incident,
            ["report_date", "content_kind", "image_source", "police_referred_on", "description"],
        )
        channels = None
        if "channels" in values:
            channels = self.channel_list(row)
            current = set() if created else {channel.pk for channel in incident.channels.all()}
            if {channel.pk for channel in channels} != current:
                changed = True
            else:
                channels = None  # as recorded (or none, for a new case): nothing to set
        # Closing waits for the committee cases of the file: the rules of closing look at them.
        closure = {key: row.values[key] for key in ("closed_on", "closure_reason") if key in row.values}
        closure = {key: value if value is not None or key == "closed_on" else "" for key, value in closure.items()}
        closing_changes = {key: value for key, value in closure.items() if getattr(incident, key) != value}
        outcome = self.outcome(row, incident, created=created, changed=changed, channels=channels)
        if closing_changes:
            outcome = "created" if created else "updated"
            self.deferred_closures.append((row, incident, closing_changes, outcome))
        if created:
            self.new_incidents[case_number] = incident
        else:
            self.cache["incident"][incident.pk] = incident
        return outcome

    def _import_person(self, row: Row, model: type[Victim | Offender], fields: list[str]) -> str:
        incident = self.incident(row)
        people = self.people(model, incident)
        person = people.get(row.values["code"])
        created = person is None
        if created:
            person = model(incident=incident, code=row.values["code"])
        changed = self.assign(row, person, ["kind", *fields])
        outcome = self.outcome(row, person, created=created, changed=changed)
        people[person.code] = person
        return outcome

    def import_victims(self, row: Row) -> str:
        return self._import_person(row, Victim, ["school_level", "grade", "name"])

    def import_offenders(self, row: Row) -> str:
        return self._import_person(row, Offender, ["school_level", "grade", "expected_graduation_on", "name"])

    def import_committee_cases(self, row: Row) -> str:
        incident = self.incident(row)
        committee = self.committee(row)
        cases = self.committee_cases(incident)
        case = cases.get(committee.pk)
        created = case is None
        if created:
            case = CommitteeCase(incident=incident, committee=committee)
        changed = self.assign(
            row,
            case,
            [
                "requested_on",
                "extended_on",
                "extension_reason",
                "hearing_scheduled_on",
                "hearing_date",
                "closed_on",
                "closure_reason",
            ],
        )
        # The rule on referrals looks at the case's other committee cases: these, with the file's own.
        case._other_cases = [
            (other.requested_on, other.hearing_date, other.closed_on) for other in cases.values() if other is not case
        ]
        outcome = self.outcome(row, case, created=created, changed=changed)
        cases[committee.pk] = case
        return outcome

    def import_measures(self, row: Row) -> str:
        incident = self.incident(row)
        case = self.committee_case(row, incident)
        offender = self.offender(row, incident)
        measures = self.measures(case)
        matching = [
            measure
            for measure in measures
            if measure.offender_id == offender.pk
            and measure.number == row.values["number"]
            and measure.ordered_by_appeal_id is None
        ]
        if len(matching) > 1:
            raise self.refuse(row, "number", _("This offender has this measure more than once in this committee case."))
        measure = matching[0] if matching else None
        created = measure is None
        if created:
            measure = Measure(committee_case=case, offender=offender, number=row.values["number"])
        measure.offender = offender
        changed = self.assign(
            row, measure, ["decided_on", "days", "hours", "notified_on", "carried_out_on", "deleted_from_record_on"]
        )
        outcome = self.outcome(row, measure, created=created, changed=changed)
        if created:
            measures.append(measure)
        return outcome

    def import_appeals(self, row: Row) -> str:
        incident = self.incident(row)
        case = self.committee_case(row, incident)
        offender = self.offender(row, incident)
        candidates = [
            measure
            for measure in self.measures(case)
            if measure.offender_id == offender.pk and measure.number == row.values["measure"]
        ]
        # An original measure first; a measure an appeal ordered when no original has this number.
        candidates.sort(key=lambda measure: measure.ordered_by_appeal_id is not None)
        if not candidates:
            raise self.refuse(row, "measure", _("This offender has no such measure in this committee case."))
        originals = [measure for measure in candidates if measure.ordered_by_appeal_id is None]
        if len(originals) > 1:
            raise self.refuse(
                row, "measure", _("This offender has this measure more than once in this committee case.")
            )
        measure = candidates[0]
        kind = row.values.get("kind") or Appeal.Kind.ADMINISTRATIVE_APPEAL
        appeals = self.cache["appeal"]
        if measure.pk not in appeals:
            appeals[measure.pk] = [] if is_new(measure) else list(Appeal.objects.filter(measure=measure))
        appeal = next(
            (
                appeal
                for appeal in appeals[measure.pk]
                if (appeal.appellant, appeal.kind, appeal.filed_on)
                == (row.values["appellant"], kind, row.values["filed_on"])
            ),
            None,
        )
        created = appeal is None
        if created:
            appeal = Appeal(measure=measure, appellant=row.values["appellant"], kind=kind)
            appeals[measure.pk].append(appeal)
        appeal.measure = measure
        if row.values.get("outcome") is None and "outcome" in row.values:
            row.values["outcome"] = Appeal.Outcome.PENDING
        changed = self.assign(
            row,
            appeal,
            ["filed_on", "outcome", "decided_on", "replacement_number", "replacement_days", "replacement_hours"],
        )
        outcome = self.outcome(row, appeal, created=created, changed=changed)
        if changed or created:
            # An appeal that changed its measure ordered a new one: later rows may appeal that one,
            # so the case's measures are looked up again (they are all saved by now).
            self.cache["measure"].pop(case.pk, None)
            case._created_by_import = False
        return outcome
