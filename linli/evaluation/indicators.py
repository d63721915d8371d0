"""The indicators a rule may weigh: what each measures, for which subjects, and the records behind it.

measure(code, subject, batch) → Measure(value, numerator, denominator, records). A Batch holds what the cards of
several subjects of one kind and period share, read once for all of them. Case rates come from the timelines
(casefacts.py, through the rollup); the grid-work indicators from linli.patrols records (visits, patrols,
re-inspections, disputes), register updates from linli.people's resident histories, report-in punctuality from the
summonses of linli.cases, actions from linli.meetings; the satisfaction survey from this app's published tallies.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.cases.models import Case, Summons
from linli.core import roles
from linli.meetings.models import Action as MeetingAction
from linli.patrols.models import CareVisit, Dispute, Mediation, PatrolStop, PointEvent, Reinspection, RectificationNotice
from linli.people.models import Account, Appointment, Organization, ResidentEvent
from linli.places.models import Building, Community, Subdistrict, Venue

from . import casefacts
from .models import Subject, Survey

RATE = "rate"
COUNT = "count"


@dataclass
class Period:
    start: datetime.date  # first day
    end: datetime.date  # first day after

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = datetime.date(year, month, 1)
        return cls(start, (start + datetime.timedelta(days=32)).replace(day=1))

    @classmethod
    def parse(cls, text: str | None, today: datetime.date | None = None) -> "Period":
        """'2025-03' → that month; empty or bad → the current month."""
        today = today or timezone.localdate()
        try:
            year, month = (int(x) for x in str(text or "").split("-")[:2])
            return cls.month(year, month)
        except (ValueError, TypeError):
            return cls.month(today.year, today.month)

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}" if self.start.day == 1 and self.end == Period.month(self.start.year, self.start.month).end \
            else f"{self.start} – {self.end}"

    def previous(self) -> "Period":
        prev = self.start - datetime.timedelta(days=1)
        return Period.month(prev.year, prev.month)

    @property
    def start_dt(self):
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_dt(self):
        return timezone.make_aware(datetime.datetime.combine(self.end, datetime.time.min))


@dataclass
class SubjectRef:
    kind: str
    pk: int
    label: str = ""


@dataclass
class Measure:
    value: float | None
    numerator: float = 0
    denominator: float = 0
    records: list = field(default_factory=list)  # dicts: kind, id, text, counted (in the numerator)


@dataclass
class Definition:
    code: str
    label: object
    unit: str
    subjects: tuple
    help: object = ""


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


# ----------------------------------------------------------------- what the subjects of one card page share
class Batch:
    """Everything the scorecards of some subjects of one kind in one period read, each read once for all of them
    (a page of 50 grid workers costs the same number of queries as one): the period's case rows (casefacts.rows,
    from the rollup) and the grid-work records of all the subjects, grouped by subject in Python."""

    def __init__(self, kind: str, subjects: list, period: Period, cases):
        self.kind, self.subjects, self.period, self.cases = kind, subjects, period, cases
        self.pks = [s.pk for s in subjects]
        self._memo = {}

    def memo(self, name, load):
        if name not in self._memo:
            self._memo[name] = load()
        return self._memo[name]

    @property
    def rows(self) -> list[dict]:
        return self.memo("rows", lambda: casefacts.rows(self.cases, self.period.start_dt, self.period.end_dt))

    def by(self, group: str) -> dict:
        return self.memo(f"by_{group}", lambda: casefacts.grouped(self.rows, group))

    def appointments(self) -> dict:
        """account pk → its appointments of the subject's role overlapping the period."""
        def load():
            role = {Subject.GRID_WORKER: roles.GRID_WORKER, Subject.BUILDING_LEADER: roles.BUILDING_LEADER}[self.kind]
            person_of = dict(Account.objects.filter(pk__in=self.pks).values_list("pk", "person_id"))
            out = {pk: [] for pk in self.pks}
            account_of = {}
            for pk, person in person_of.items():
                account_of.setdefault(person, []).append(pk)
            appts = (Appointment.objects.filter(person_id__in=[p for p in person_of.values() if p], role=role, starts_on__lt=self.period.end)
                     .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.period.start)))
            for a in appts:
                for pk in account_of.get(a.person_id, []):
                    out[pk].append(a)
            return out
        return self.memo("appointments", load)

    def grids(self, subject) -> list:
        return [a.grid_id for a in self.appointments().get(subject.pk, []) if a.grid_id]

    def grouped_records(self, name, qs, key) -> dict:
        def load():
            out = {}
            for obj in qs:
                out.setdefault(getattr(obj, key), []).append(obj)
            return out
        return self.memo(name, load)


def subject_rows(subject: SubjectRef, batch: Batch) -> list[dict]:
    """The case rows a subject answers for: its area's cases, or those it handled (grid worker: accepted first;
    department and property company: held when resolved)."""
    k = subject.kind
    if k == Subject.GRID_WORKER:
        return batch.by("handler").get(subject.pk, [])
    if k == Subject.BUILDING_LEADER:
        buildings = {a.building_id for a in batch.appointments().get(subject.pk, []) if a.building_id}
        return [r for r in batch.rows if r["building_id"] in buildings]
    if k == Subject.COMMUNITY:
        return batch.by("community").get(subject.pk, [])
    if k == Subject.SUBDISTRICT:
        return batch.by("subdistrict").get(subject.pk, [])
    return batch.by("department").get(subject.pk, [])


def _case_record(r: dict, counted: bool) -> dict:
    return {"kind": "case", "id": r["id"], "text": f"{r['number']} {r['title']}", "counted": counted}


def _ratio(records: list) -> Measure:
    n = sum(r["counted"] for r in records)
    return Measure(round(n / len(records), 4) if records else None, n, len(records), records)


def _by_day(moment, due) -> bool:
    return bool(moment and _local_day(moment) <= due)


# ----------------------------------------------------------------- the indicators
def _rate(rate):
    def measure(subject, batch):
        rows = subject_rows(subject, batch)
        n = sum(casefacts.num(rate, r) for r in rows)
        d = sum(casefacts.den(rate, r) for r in rows)
        records = [_case_record(r, casefacts.in_numerator(rate, r)) for r in rows if casefacts.in_denominator(rate, r)]
        return Measure(round(n / d, 4) if d else None, n, d, records)
    return measure


def _flag(flag):
    def measure(subject, batch):
        rows = subject_rows(subject, batch)
        hit = [r for r in rows if r[f"f_{flag}"]]
        return Measure(len(hit), len(hit), len(rows), [_case_record(r, True) for r in hit])
    return measure


def found_by_patrol(subject, batch):
    grids = set(batch.grids(subject))
    rows = [r for r in batch.rows if r["grid_id"] in grids or r["micro_grid_id"] in grids]
    return _ratio([_case_record(r, r["source"] == Case.Source.PATROL) for r in rows])


def care_visits_on_time(subject, batch):
    p = batch.period
    visits = batch.grouped_records("care_visits", CareVisit.objects.filter(assigned_to_id__in=batch.pks, due_on__gte=p.start, due_on__lt=p.end)
                                   .select_related("person").only("id", "due_on", "done_at", "assigned_to_id", "person__name").order_by("due_on", "id"),
                                   "assigned_to_id")
    return _ratio([{"kind": "care_visit", "id": v.pk, "text": f"{v.due_on} {v.person.name[:1]}*", "counted": _by_day(v.done_at, v.due_on)}
                   for v in visits.get(subject.pk, [])])


def patrol_coverage(subject, batch):
    def places():
        all_grids = {g for s in batch.subjects for g in batch.grids(s)}
        out = [("building", b.pk, str(b), {b.grid_id, b.micro_grid_id})
               for b in Building.objects.filter(Q(grid_id__in=all_grids) | Q(micro_grid_id__in=all_grids)).select_related("compound").order_by("id")]
        out += [("venue", v.pk, v.name, {v.grid_id, v.grid.parent_id})
                for v in Venue.objects.filter(Q(grid_id__in=all_grids) | Q(grid__parent_id__in=all_grids)).select_related("grid").order_by("id")]
        return out

    def stops():
        p = batch.period
        seen = {}
        for worker, b, v in (PatrolStop.objects.filter(patrol__worker_id__in=batch.pks, at__gte=p.start_dt, at__lt=p.end_dt)
                             .values_list("patrol__worker_id", "building_id", "venue_id")):
            if b:
                seen.setdefault(worker, set()).add(("building", b))
            if v:
                seen.setdefault(worker, set()).add(("venue", v))
        return seen

    grids = set(batch.grids(subject))
    seen = batch.memo("stops", stops).get(subject.pk, set())
    return _ratio([{"kind": kind, "id": pk, "text": text, "counted": (kind, pk) in seen}
                   for kind, pk, text, in_grids in batch.memo("places", places) if in_grids & grids])


def reinspections_on_time(subject, batch):
    p = batch.period
    items = batch.grouped_records("reinspections", Reinspection.objects.filter(inspector_id__in=batch.pks, due_on__gte=p.start, due_on__lt=p.end)
                                  .select_related("notice").order_by("due_on", "id"), "inspector_id")
    return _ratio([{"kind": "reinspection", "id": r.pk, "text": f"{r.notice.number} {r.due_on}", "counted": _by_day(r.done_at, r.due_on)}
                   for r in items.get(subject.pk, [])])


def report_in_on_time(subject, batch):
    """Summonses of whistles blown in the period: on time / (on time + late + missing); still waiting is not judged yet."""
    p = batch.period
    items = batch.grouped_records("summonses", Summons.objects.filter(department_id__in=batch.pks, whistle__blown_at__gte=p.start_dt,
                                                                      whistle__blown_at__lt=p.end_dt)
                                  .exclude(status=Summons.Status.WAITING).select_related("whistle__case").order_by("id"), "department_id")
    return _ratio([{"kind": "case", "id": s.whistle.case_id, "text": f"{s.whistle.case.number} {s.get_status_display()}",
                    "counted": s.status == Summons.Status.ON_TIME} for s in items.get(subject.pk, [])])


def notices_fixed_on_time(subject, batch):
    p = batch.period
    notices = batch.grouped_records("notices", RectificationNotice.objects.filter(responsible_org_id__in=batch.pks, deadline__gte=p.start,
                                                                                  deadline__lt=p.end).select_related("reinspection").order_by("id"),
                                    "responsible_org_id")
    records = []
    for notice in notices.get(subject.pk, []):
        r = getattr(notice, "reinspection", None)
        ok = bool(r and r.outcome == Reinspection.Outcome.FIXED and _by_day(r.done_at, notice.deadline))
        records.append({"kind": "notice", "id": notice.pk, "text": f"{notice.number} {notice.deadline}", "counted": ok})
    return _ratio(records)


def survey_score(subject, batch):
    """Published surveys of the company whose period ends in this one: the mean of their results (0–1)."""
    p = batch.period
    surveys = batch.grouped_records("surveys", Survey.objects.filter(company_id__in=batch.pks, status=Survey.Status.PUBLISHED,
                                                                     period_end__gte=p.start, period_end__lt=p.end).order_by("id"), "company_id")
    mine = surveys.get(subject.pk, [])
    records = [{"kind": "survey", "id": s.pk, "text": f"{s.title}: {s.result.get('score')}", "counted": True} for s in mine]
    scores = [s.result["score"] / 100 for s in mine if s.result.get("score") is not None]
    return Measure(round(sum(scores) / len(scores), 4) if scores else None, sum(scores), len(scores), records)


def leader_points(subject, batch):
    p = batch.period

    def load():
        person_of = dict(Account.objects.filter(pk__in=batch.pks).values_list("person_id", "pk"))
        out = {}
        for e in PointEvent.objects.filter(leader_id__in=[k for k in person_of if k], at__gte=p.start_dt, at__lt=p.end_dt).order_by("at", "id"):
            out.setdefault(person_of[e.leader_id], []).append(e)
        return out
    events = batch.memo("points", load).get(subject.pk, [])
    total = sum(e.points for e in events)
    return Measure(total, total, len(events), [{"kind": "points", "id": e.pk, "text": f"{e.reason} {e.points:+d}", "counted": True} for e in events])


def disputes_resolved(subject, batch):
    """Disputes of the worker's grids registered in the period; counted when a mediation reached agreement by its end."""
    p = batch.period

    def load():
        all_grids = {g for s in batch.subjects for g in batch.grids(s)}
        disputes = list(Dispute.objects.filter(grid_id__in=all_grids, registered_at__gte=p.start_dt, registered_at__lt=p.end_dt)
                        .order_by("registered_at", "id"))
        agreed = set(Mediation.objects.filter(dispute__in=[d.pk for d in disputes], outcome=Mediation.Outcome.AGREED, at__lt=p.end_dt)
                     .values_list("dispute_id", flat=True))
        return [(d, d.pk in agreed) for d in disputes]
    grids = set(batch.grids(subject))
    return _ratio([{"kind": "dispute", "id": d.pk, "text": f"{d.number} {d.get_kind_display()}", "counted": ok}
                   for d, ok in batch.memo("disputes", load) if d.grid_id in grids])


def register_updates(subject, batch):
    """Lines the worker wrote into residents' histories in the period (registered, moved in or out, details, tags)."""
    p = batch.period
    events = batch.grouped_records("register", ResidentEvent.objects.filter(actor_id__in=batch.pks, at__gte=p.start_dt, at__lt=p.end_dt)
                                   .select_related("person").only("id", "kind", "at", "actor_id", "person__name").order_by("at", "id"), "actor_id")
    mine = events.get(subject.pk, [])
    return Measure(len(mine), len(mine), len(mine), [{"kind": "resident_change", "id": e.pk, "counted": True,
                                                      "text": f"{_local_day(e.at)} {e.get_kind_display()} {e.person.name[:1]}*"} for e in mine])


def actions_on_time(subject, batch):
    """Meeting resolutions the organisation owns, due in the period; counted when done by the due day."""
    p = batch.period
    actions = batch.grouped_records("actions", MeetingAction.objects.filter(owner_org_id__in=batch.pks, due_on__gte=p.start, due_on__lt=p.end)
                                    .select_related("meeting").order_by("due_on", "id"), "owner_org_id")
    return _ratio([{"kind": "action", "id": a.pk, "counted": _by_day(a.done_at, a.due_on),
                    "text": f"{a.due_on} {a.meeting.title + ': ' if a.meeting_id else ''}{a.text[:60]}"} for a in actions.get(subject.pk, [])])


S = Subject
CASE_SUBJECTS = tuple(S.values)
DEFINITIONS = {d.code: d for d in [
    Definition("response_rate", _("Response rate"), RATE, CASE_SUBJECTS),
    Definition("resolution_rate", _("Resolution rate"), RATE, CASE_SUBJECTS),
    Definition("satisfaction_rate", _("Satisfaction rate"), RATE, CASE_SUBJECTS),
    Definition("on_time_closure_rate", _("On-time closure rate"), RATE, CASE_SUBJECTS),
    Definition("rework_rate", _("Rework rate"), RATE, CASE_SUBJECTS),
    Definition("overdue_count", _("Overdue cases"), COUNT, (S.COMMUNITY, S.SUBDISTRICT, S.GRID_WORKER, S.DEPARTMENT)),
    Definition("escalated_count", _("Escalated cases"), COUNT, (S.COMMUNITY, S.SUBDISTRICT)),
    Definition("found_by_patrol", _("Share of cases found by patrol"), RATE, (S.GRID_WORKER,)),
    Definition("care_visits_on_time", _("Care visits done on time"), RATE, (S.GRID_WORKER,)),
    Definition("patrol_coverage", _("Patrol coverage (buildings and venues visited)"), RATE, (S.GRID_WORKER,)),
    Definition("reinspections_on_time", _("Re-inspections done on time"), RATE, (S.GRID_WORKER,)),
    Definition("report_in_on_time", _("Report-in on time after a whistle"), RATE, (S.DEPARTMENT, S.PROPERTY_COMPANY)),
    Definition("notices_fixed_on_time", _("Rectification notices fixed on time"), RATE, (S.PROPERTY_COMPANY, S.DEPARTMENT)),
    Definition("survey_score", _("Residents' satisfaction survey"), RATE, (S.PROPERTY_COMPANY,)),
    Definition("leader_points", _("Building leader's points"), COUNT, (S.BUILDING_LEADER,)),
    Definition("disputes_resolved", _("Disputes resolved"), RATE, (S.GRID_WORKER,),
               _("Disputes of the worker's grids registered in the period, counted when a mediation reached agreement by its end.")),
    Definition("register_updates", _("Register updates"), COUNT, (S.GRID_WORKER,),
               _("Changes the worker recorded in residents' records in the period (registered, moved, details, tags).")),
    Definition("actions_on_time", _("Meeting actions done on time"), RATE, (S.DEPARTMENT, S.PROPERTY_COMPANY),
               _("Meeting resolutions owned by the organisation and due in the period, counted when done by the due day.")),
]}

MEASURES = {
    **{rate: _rate(rate) for rate in casefacts.RATES},
    "overdue_count": _flag("overdue"), "escalated_count": _flag("escalated"),
    "found_by_patrol": found_by_patrol, "care_visits_on_time": care_visits_on_time, "patrol_coverage": patrol_coverage,
    "reinspections_on_time": reinspections_on_time, "report_in_on_time": report_in_on_time,
    "notices_fixed_on_time": notices_fixed_on_time, "survey_score": survey_score, "leader_points": leader_points,
    "disputes_resolved": disputes_resolved, "register_updates": register_updates, "actions_on_time": actions_on_time,
}


def measure(code: str, subject: SubjectRef, batch: Batch) -> Measure:
    return MEASURES[code](subject, batch)


def label_of(subject: SubjectRef) -> str:
    k = subject.kind
    if k in (S.GRID_WORKER, S.BUILDING_LEADER):
        a = Account.objects.select_related("person").filter(pk=subject.pk).first()
        return (a.person.name if a and a.person_id else getattr(a, "username", "—"))
    model = {S.COMMUNITY: Community, S.SUBDISTRICT: Subdistrict}.get(k, Organization)
    obj = model.objects.filter(pk=subject.pk).first()
    return str(obj.name) if obj else "—"
