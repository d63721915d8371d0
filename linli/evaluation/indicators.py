"""The indicators a rule may weigh: what each measures, for which subjects, and the records behind it.

measure(code, subject, period, cases) → Measure(value, numerator, denominator, records). Case rates come from
the timelines (casefacts.py); the grid-work indicators from linli.patrols records; report-in punctuality from
the summonses of linli.cases; the satisfaction survey from this app's published tallies.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.cases.models import Case, Summons
from linli.core import roles
from linli.patrols.models import CareVisit, PatrolStop, PointEvent, Reinspection, RectificationNotice
from linli.people.models import Account, Appointment, Organization
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
        return f"{self.start:%Y-%m}" if (self.end - self.start).days <= 31 and self.start.day == 1 else f"{self.start} – {self.end}"

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


# ----------------------------------------------------------------- who a subject is
def _appointments(kind: str, pk: int, period: Period):
    role = {Subject.GRID_WORKER: roles.GRID_WORKER, Subject.BUILDING_LEADER: roles.BUILDING_LEADER}[kind]
    account = Account.objects.get(pk=pk)
    return (Appointment.objects.filter(person_id=account.person_id, role=role, starts_on__lt=period.end)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start)))


def case_filter(subject: SubjectRef, period: Period) -> tuple[Q, str | None]:
    """(cases of the subject's area, the facts key that must equal the subject: handler / department)."""
    k = subject.kind
    if k == Subject.GRID_WORKER:
        return Q(), "handler"
    if k == Subject.BUILDING_LEADER:
        return Q(building_id__in=[a.building_id for a in _appointments(k, subject.pk, period)]), None
    if k == Subject.COMMUNITY:
        return Q(community_id=subject.pk), None
    if k == Subject.SUBDISTRICT:
        return Q(subdistrict_id=subject.pk), None
    return Q(), "department"  # department and property company: the cases they held when resolved


def subject_rows(subject: SubjectRef, period: Period, cases):
    q, key = case_filter(subject, period)
    rows = casefacts.case_facts(cases.filter(q), period.start_dt, period.end_dt)
    if key:
        rows = [r for r in rows if casefacts.key_of(key, r[0], r[1]) == subject.pk]
    return rows


def _grid_ids(subject, period):
    grids = [a.grid_id for a in _appointments(Subject.GRID_WORKER, subject.pk, period) if a.grid_id]
    return grids


# ----------------------------------------------------------------- the indicators
def _rate(rate):
    def measure(subject, period, cases):
        rows = subject_rows(subject, period, cases)
        num_of, den_of = casefacts.PARTS[rate]
        n = sum(num_of(f) for _, f, _ in rows)
        d = sum(den_of(f) for _, f, _ in rows)
        records = [{"kind": "case", "id": c.pk, "text": f"{c.number} {c.title}", "counted": num_of(f) > 0}
                   for c, f, _ in rows if den_of(f)]
        return Measure(round(n / d, 4) if d else None, n, d, records)
    return measure


def _flag(flag):
    def measure(subject, period, cases):
        rows = subject_rows(subject, period, cases)
        hit = [(c, fl) for c, _, fl in rows if fl[flag]]
        return Measure(len(hit), len(hit), len(rows), [{"kind": "case", "id": c.pk, "text": f"{c.number} {c.title}", "counted": True} for c, _ in hit])
    return measure


def found_by_patrol(subject, period, cases):
    grids = _grid_ids(subject, period)
    rows = casefacts.case_facts(cases.filter(Q(grid_id__in=grids) | Q(micro_grid_id__in=grids)), period.start_dt, period.end_dt)
    n = sum(c.source == Case.Source.PATROL for c, _, _ in rows)
    return Measure(round(n / len(rows), 4) if rows else None, n, len(rows),
                   [{"kind": "case", "id": c.pk, "text": f"{c.number} {c.title}", "counted": c.source == Case.Source.PATROL} for c, _, _ in rows])


def care_visits_on_time(subject, period, cases):
    visits = CareVisit.objects.filter(assigned_to_id=subject.pk, due_on__gte=period.start, due_on__lt=period.end).select_related("person")
    records = [{"kind": "care_visit", "id": v.pk, "text": f"{v.due_on} {v.person.name[:1]}*",
                "counted": bool(v.done_at and _local_day(v.done_at) <= v.due_on)} for v in visits]
    n = sum(r["counted"] for r in records)
    return Measure(round(n / len(records), 4) if records else None, n, len(records), records)


def patrol_coverage(subject, period, cases):
    grids = _grid_ids(subject, period)
    places = [("building", b.pk, str(b)) for b in Building.objects.filter(Q(grid_id__in=grids) | Q(micro_grid_id__in=grids))]
    places += [("venue", v.pk, v.name) for v in Venue.objects.filter(Q(grid_id__in=grids) | Q(grid__parent_id__in=grids))]
    stops = PatrolStop.objects.filter(patrol__worker_id=subject.pk, at__gte=period.start_dt, at__lt=period.end_dt)
    seen = {("building", b) for b in stops.exclude(building_id=None).values_list("building_id", flat=True)}
    seen |= {("venue", v) for v in stops.exclude(venue_id=None).values_list("venue_id", flat=True)}
    records = [{"kind": kind, "id": pk, "text": text, "counted": (kind, pk) in seen} for kind, pk, text in places]
    n = sum(r["counted"] for r in records)
    return Measure(round(n / len(records), 4) if records else None, n, len(records), records)


def reinspections_on_time(subject, period, cases):
    items = Reinspection.objects.filter(inspector_id=subject.pk, due_on__gte=period.start, due_on__lt=period.end).select_related("notice")
    records = [{"kind": "reinspection", "id": r.pk, "text": f"{r.notice.number} {r.due_on}",
                "counted": bool(r.done_at and _local_day(r.done_at) <= r.due_on)} for r in items]
    n = sum(r["counted"] for r in records)
    return Measure(round(n / len(records), 4) if records else None, n, len(records), records)


def report_in_on_time(subject, period, cases):
    """Summonses of whistles blown in the period: on time / (on time + late + missing); still waiting is not judged yet."""
    items = (Summons.objects.filter(department_id=subject.pk, whistle__blown_at__gte=period.start_dt, whistle__blown_at__lt=period.end_dt)
             .exclude(status=Summons.Status.WAITING).select_related("whistle__case"))
    records = [{"kind": "case", "id": s.whistle.case_id, "text": f"{s.whistle.case.number} {s.get_status_display()}",
                "counted": s.status == Summons.Status.ON_TIME} for s in items]
    n = sum(r["counted"] for r in records)
    return Measure(round(n / len(records), 4) if records else None, n, len(records), records)


def notices_fixed_on_time(subject, period, cases):
    notices = RectificationNotice.objects.filter(responsible_org_id=subject.pk, deadline__gte=period.start, deadline__lt=period.end)
    records = []
    for notice in notices.select_related("reinspection"):
        r = getattr(notice, "reinspection", None)
        ok = bool(r and r.outcome == Reinspection.Outcome.FIXED and r.done_at and _local_day(r.done_at) <= notice.deadline)
        records.append({"kind": "notice", "id": notice.pk, "text": f"{notice.number} {notice.deadline}", "counted": ok})
    n = sum(r["counted"] for r in records)
    return Measure(round(n / len(records), 4) if records else None, n, len(records), records)


def survey_score(subject, period, cases):
    """Published surveys of the company whose period ends in this one: the mean of their results (0–1)."""
    surveys = Survey.objects.filter(company_id=subject.pk, status=Survey.Status.PUBLISHED,
                                    period_end__gte=period.start, period_end__lt=period.end)
    records = [{"kind": "survey", "id": s.pk, "text": f"{s.title}: {s.result.get('score')}", "counted": True} for s in surveys]
    scores = [s.result["score"] / 100 for s in surveys if s.result.get("score") is not None]
    return Measure(round(sum(scores) / len(scores), 4) if scores else None, sum(scores), len(scores), records)


def leader_points(subject, period, cases):
    account = Account.objects.get(pk=subject.pk)
    events = list(PointEvent.objects.filter(leader_id=account.person_id, at__gte=period.start_dt, at__lt=period.end_dt))
    total = sum(e.points for e in events)
    return Measure(total, total, len(events), [{"kind": "points", "id": e.pk, "text": f"{e.reason} {e.points:+d}", "counted": True} for e in events])


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
]}

MEASURES = {
    **{rate: _rate(rate) for rate in casefacts.RATES},
    "overdue_count": _flag("overdue"), "escalated_count": _flag("escalated"),
    "found_by_patrol": found_by_patrol, "care_visits_on_time": care_visits_on_time, "patrol_coverage": patrol_coverage,
    "reinspections_on_time": reinspections_on_time, "report_in_on_time": report_in_on_time,
    "notices_fixed_on_time": notices_fixed_on_time, "survey_score": survey_score, "leader_points": leader_points,
}


def measure(code: str, subject: SubjectRef, period: Period, cases) -> Measure:
    return MEASURES[code](subject, period, cases)


def label_of(subject: SubjectRef) -> str:
    k = subject.kind
    if k in (S.GRID_WORKER, S.BUILDING_LEADER):
        a = Account.objects.select_related("person").filter(pk=subject.pk).first()
        return (a.person.name if a and a.person_id else getattr(a, "username", "—"))
    model = {S.COMMUNITY: Community, S.SUBDISTRICT: Subdistrict}.get(k, Organization)
    obj = model.objects.filter(pk=subject.pk).first()
    return str(obj.name) if obj else "—"
