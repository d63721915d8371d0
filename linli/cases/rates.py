"""Case rates, computed from the timelines only (definitions in docs/rates.md).

For the cases reported in a period (merged duplicates excluded — they are counted in their parent):

- response rate        cases whose first response (accept or whistle) came no later than the response
                       deadline in force when it came / cases that were routed (had a category)
- resolution rate      cases with a resolve step by the end of the period / cases reported
- satisfaction rate    verdicts satisfied or basically satisfied / all verdicts given (each round of
                       rating counts; "no verdict in time" counts as the community's rule decided)
- on-time closure rate closed cases whose final resolve came no later than the handling deadline in
                       force then, with no overdue flag / closed cases
- rework rate          resolved cases reopened at least once / resolved cases
- average handling     mean working hours from report to final resolve, over resolved cases

Groups: grid, community, subdistrict, category, handler (the person who accepted first), department
(the department that held the case when it was resolved, else any department it was sent to).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.dateparse import parse_datetime

from linli.core import workdays

from .models import Case, CaseEvent

A = CaseEvent.Action
RESPONSE = {A.ACCEPT, A.WHISTLE}
GROUPS = ("grid", "community", "subdistrict", "category", "handler", "department")


@dataclass
class Facts:
    """What one case's timeline says, in the terms the rates need."""

    routed: bool = False
    responded_on_time: bool = False
    resolved: bool = False
    closed: bool = False
    closed_on_time: bool = False
    reopened: bool = False
    verdicts: list = field(default_factory=list)
    handling_hours: float | None = None
    handler_id: int | None = None
    department_id: int | None = None


def _due(event, key):
    value = event.data.get(key) if event.data else None
    return parse_datetime(value) if value else None


def facts_of(case: Case, events: list[CaseEvent], until: datetime.datetime | None = None) -> Facts:
    f = Facts()
    response_due = handling_due = None
    first_response_done = False
    submitted_at = None
    last_resolve = None
    overdue = False
    for e in events:
        if until and e.at > until:
            break
        if e.action == A.SUBMIT:
            submitted_at = e.at
        if e.action in (A.ASSIGN, A.CLASSIFY, A.ESCALATE, A.TRANSFER, A.REOPEN):
            f.routed = f.routed or bool(_due(e, "response_due"))
            response_due = _due(e, "response_due") or response_due
            handling_due = _due(e, "handling_due") or handling_due
            if e.assignee_org_id:
                f.department_id = e.assignee_org_id
        if e.action in RESPONSE and not first_response_done:
            first_response_done = True
            f.responded_on_time = response_due is not None and e.at <= response_due
            if e.action == A.ACCEPT and e.actor_id:
                f.handler_id = e.actor_id
        if e.action == A.OVERDUE:
            overdue = True
        if e.action == A.RESOLVE:
            f.resolved = True
            last_resolve = (e.at, handling_due)
            if e.assignee_org_id:
                f.department_id = e.assignee_org_id
        if e.action == A.REOPEN:
            f.reopened = True
            f.verdicts.append(e.data.get("verdict", Case.Verdict.UNSATISFIED))
        if e.action == A.RATE:
            f.verdicts.append(e.data.get("verdict"))
        if e.action == A.CLOSE:
            f.closed = True
            if e.actor_id is None and e.data.get("verdict"):  # closed by the no-verdict rule
                f.verdicts.append(e.data["verdict"])
            if last_resolve is not None:
                at, due = last_resolve
                f.closed_on_time = due is not None and at <= due and not overdue
    if f.resolved and submitted_at is not None:
        f.handling_hours = workdays.working_hours_between(submitted_at, last_resolve[0])
    return f


@dataclass
class Row:
    key: object
    label: str = ""
    reported: int = 0
    routed: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    closed: int = 0
    closed_on_time: int = 0
    reworked: int = 0
    verdicts: int = 0
    content: int = 0
    handling_hours_sum: float = 0.0

    @staticmethod
    def _ratio(a, b):
        return round(a / b, 4) if b else None

    @property
    def response_rate(self):
        return self._ratio(self.responded_on_time, self.routed)

    @property
    def resolution_rate(self):
        return self._ratio(self.resolved, self.reported)

    @property
    def satisfaction_rate(self):
        return self._ratio(self.content, self.verdicts)

    @property
    def on_time_closure_rate(self):
        return self._ratio(self.closed_on_time, self.closed)

    @property
    def rework_rate(self):
        return self._ratio(self.reworked, self.resolved)

    @property
    def average_handling_hours(self):
        return round(self.handling_hours_sum / self.resolved, 2) if self.resolved else None

    def as_dict(self) -> dict:
        return {
            "key": self.key, "label": self.label, "reported": self.reported, "resolved": self.resolved, "closed": self.closed,
            "response_rate": self.response_rate, "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate, "on_time_closure_rate": self.on_time_closure_rate,
            "rework_rate": self.rework_rate, "average_handling_hours": self.average_handling_hours,
        }


def _labels(group: str, keys) -> dict:
    from linli.people.models import Account, Organization
    from linli.places.models import Community, Grid, Subdistrict

    from .models import Category

    keys = [k for k in keys if k is not None]
    model = {"grid": Grid, "community": Community, "subdistrict": Subdistrict, "category": Category,
             "department": Organization, "handler": Account}[group]
    if model is Account:
        return {a.pk: (a.person.name if a.person_id else a.username) for a in Account.objects.filter(pk__in=keys).select_related("person")}
    return {o.pk: str(o.name) if hasattr(o, "name") else str(o) for o in model.objects.filter(pk__in=keys)}


def compute(cases, group: str, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """Rates per group for the cases (an already scope-filtered queryset) reported in [start, end)."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}")
    cases = list(cases.filter(created_at__gte=start, created_at__lt=end).exclude(state=Case.State.MERGED)
                 .only("id", "grid_id", "community_id", "subdistrict_id", "category_id", "created_at"))
    events = defaultdict(list)
    for e in CaseEvent.objects.filter(case_id__in=[c.pk for c in cases]).order_by("at", "id"):
        events[e.case_id].append(e)
    rows: dict = {}
    for case in cases:
        f = facts_of(case, events[case.pk], until=end)
        key = {"grid": case.grid_id, "community": case.community_id, "subdistrict": case.subdistrict_id,
               "category": case.category_id, "handler": f.handler_id, "department": f.department_id}[group]
        row = rows.setdefault(key, Row(key=key))
        row.reported += 1
        row.routed += f.routed
        row.responded_on_time += f.routed and f.responded_on_time
        row.resolved += f.resolved
        row.closed += f.closed
        row.closed_on_time += f.closed_on_time
        row.reworked += f.resolved and f.reopened
        row.verdicts += len(f.verdicts)
        row.content += sum(v in (Case.Verdict.SATISFIED, Case.Verdict.BASIC) for v in f.verdicts)
        if f.handling_hours is not None:
            row.handling_hours_sum += f.handling_hours
    labels = _labels(group, rows)
    out = []
    for key, row in rows.items():
        row.label = labels.get(key, "—")
        out.append(row.as_dict())
    return sorted(out, key=lambda r: (-r["reported"], str(r["label"])))
