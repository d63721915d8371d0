"""The case-figures rollup (models.CaseFact): one row per case, what its timeline says as of the end of the month it
was reported in, so that a monthly figure is an aggregate query instead of every timeline read into Python.

Kept in step with the timelines without hooks in linli.cases: the timeline is append-only and its steps have
increasing ids, so `refresh` reads the steps newer than the mark (RollupMark), recomputes the rows of their cases
(cases.rates.facts_of, the one definition) and moves the mark. Every read of a monthly figure refreshes first
(cheap when nothing is new: one indexed query), the worker refreshes every sweep, and `rebuild(period)` recomputes a
whole period from the timelines (the month-start sweep does it for the month that ended; the test compares both).

On PostgreSQL a step's id is taken before its transaction commits, so a step committed late can carry an id below
a step already seen: the mark stops before any step younger than SETTLE (write transactions are short), and rows of
steps above the mark are compared by their last step id, so nothing is recomputed twice for nothing.
"""

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from linli.cases import rates
from linli.cases.models import Case, CaseEvent

from .models import CaseFact, RollupMark

KEY = "case_facts"
SETTLE = datetime.timedelta(minutes=5)
CHUNK = 500
INLINE = 1000  # cases with new steps a read recomputes beyond its own window's (about a second); the worker does more
FIELDS = ("month", "routed", "responded", "resolved", "closed", "closed_on_time", "reworked", "verdicts", "content",
          "handling_hours", "handler_id", "department_id", "overdue", "escalated", "triaged", "last_event_id")
CONTENT = (Case.Verdict.SATISFIED, Case.Verdict.BASIC)


def month_of(moment) -> tuple[datetime.date, datetime.datetime]:
    """(first day of the local month of a moment, the end of that month as an aware datetime)."""
    day = timezone.localtime(moment).date().replace(day=1)
    nxt = (day + datetime.timedelta(days=32)).replace(day=1)
    return day, timezone.make_aware(datetime.datetime.combine(nxt, datetime.time.min))


def fact_row(case: Case, events: list, until: datetime.datetime | None = None) -> CaseFact:
    """The rollup row of a case from its timeline (events ordered by time, id), as of the end of its month (or `until`)."""
    month, end = month_of(case.created_at)
    end = until or end
    f = rates.facts_of(case, events, until=end)
    seen = [e for e in events if e.at <= end]
    return CaseFact(
        case_id=case.pk, month=month, routed=f.routed, responded=f.routed and f.responded_on_time, resolved=f.resolved,
        closed=f.closed, closed_on_time=f.closed_on_time, reworked=f.resolved and f.reopened, verdicts=len(f.verdicts),
        content=sum(v in CONTENT for v in f.verdicts), handling_hours=f.handling_hours, handler_id=f.handler_id,
        department_id=f.department_id, overdue=any(e.action == CaseEvent.Action.OVERDUE for e in seen),
        escalated=any(e.action == CaseEvent.Action.ESCALATE for e in seen),
        triaged=any(e.action == CaseEvent.Action.SUBMIT and e.to_state == Case.State.TRIAGE for e in seen),
        last_event_id=max((e.pk for e in events), default=0))


def compute(case_ids) -> int:
    """Recompute and store the rows of these cases from their timelines; returns how many."""
    ids = sorted(set(case_ids))
    done = 0
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        cases = list(Case.objects.filter(pk__in=part).only("id", "created_at"))
        events = defaultdict(list)
        for e in CaseEvent.objects.filter(case_id__in=part).order_by("at", "id"):
            events[e.case_id].append(e)
        rows = [fact_row(c, events[c.pk]) for c in cases]
        with transaction.atomic():
            CaseFact.objects.bulk_create(rows, update_conflicts=True, unique_fields=["case"], update_fields=list(FIELDS))
        done += len(rows)
    return done


def refresh(window=None) -> int:
    """Recompute the rows of cases with steps newer than the mark, and of the cases of `window` (a Case queryset,
    e.g. the months a page shows) that have no row yet. Returns how many rows were recomputed.

    A read (a window given) that finds more than INLINE cases with new steps — the worker stopped for a while, a
    restore, steps written in bulk — recomputes only its own window's cases and leaves the mark where it is: the
    page's figures are right, its wait is bounded by its window instead of the whole backlog, and the worker's
    refresh (no window) takes the rest and moves the mark."""
    mark = RollupMark.objects.filter(key=KEY).values_list("last_event_id", flat=True).first()
    if mark is None:
        RollupMark.objects.get_or_create(key=KEY)
        mark = 0
    new = dict(CaseEvent.objects.filter(id__gt=mark).values("case_id").annotate(last=Max("id")).values_list("case_id", "last"))
    behind = window is not None and len(new) > INLINE
    if behind:
        own = set(window.values_list("pk", flat=True))
        new = {case: last for case, last in new.items() if case in own}
    todo = set()
    if new:
        ids = list(new)
        for i in range(0, len(ids), CHUNK):
            stored = dict(CaseFact.objects.filter(case_id__in=ids[i:i + CHUNK]).values_list("case_id", "last_event_id"))
            todo |= {c for c in ids[i:i + CHUNK] if stored.get(c) != new[c]}
    if window is not None:
        todo |= set(window.filter(evaluation_fact__isnull=True).values_list("pk", flat=True))
    made = compute(todo) if todo else 0
    if new and not behind:
        top = max(new.values())
        if connection.vendor != "sqlite":  # SQLite commits one writer at a time, in id order
            young = (CaseEvent.objects.filter(id__gt=mark, at__gte=timezone.now() - SETTLE)
                     .aggregate(m=Min("id"))["m"])
            if young is not None:
                top = young - 1
        RollupMark.objects.filter(key=KEY, last_event_id__lt=top).update(last_event_id=top)
    return made


def rebuild(start: datetime.datetime, end: datetime.datetime) -> int:
    """Recompute every row of the cases reported in [start, end) from their timelines (idempotent)."""
    ids = list(Case.objects.filter(created_at__gte=start, created_at__lt=end).values_list("pk", flat=True))
    return compute(ids)
