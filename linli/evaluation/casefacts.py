"""Per-case facts for a period, read from the timelines with cases.rates.facts_of (the one definition of
every rate): the same cases and the same arithmetic as rates.compute, kept per case so that every rate can
be explained by the cases behind it (tests/test_scorecards.py checks both agree)."""

import datetime
from collections import defaultdict

from linli.cases import rates
from linli.cases.models import Case, CaseEvent

# rate → (numerator of one case, denominator of one case); satisfaction counts verdicts, not cases
PARTS = {
    "response_rate": (lambda f: int(f.routed and f.responded_on_time), lambda f: int(f.routed)),
    "resolution_rate": (lambda f: int(f.resolved), lambda f: 1),
    "satisfaction_rate": (lambda f: sum(v in (Case.Verdict.SATISFIED, Case.Verdict.BASIC) for v in f.verdicts), lambda f: len(f.verdicts)),
    "on_time_closure_rate": (lambda f: int(f.closed_on_time), lambda f: int(f.closed)),
    "rework_rate": (lambda f: int(f.resolved and f.reopened), lambda f: int(f.resolved)),
}
RATES = tuple(PARTS)


def case_facts(cases, start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
    """[(case, Facts, flags)] for the cases (scope-filtered queryset) reported in [start, end); flags: overdue, escalated."""
    cases = list(cases.filter(created_at__gte=start, created_at__lt=end).exclude(state=Case.State.MERGED)
                 .select_related("category", "grid", "community").order_by("created_at", "id"))
    events = defaultdict(list)
    ids = [c.pk for c in cases]
    for i in range(0, len(ids), 500):
        for e in CaseEvent.objects.filter(case_id__in=ids[i:i + 500]).order_by("at", "id"):
            events[e.case_id].append(e)
    out = []
    for case in cases:
        evs = [e for e in events[case.pk] if e.at <= end]
        flags = {"overdue": any(e.action == CaseEvent.Action.OVERDUE for e in evs),
                 "escalated": any(e.action == CaseEvent.Action.ESCALATE for e in evs)}
        out.append((case, rates.facts_of(case, events[case.pk], until=end), flags))
    return out


def key_of(group: str, case, facts):
    return {"grid": case.grid_id, "community": case.community_id, "subdistrict": case.subdistrict_id,
            "category": case.category_id, "handler": facts.handler_id, "department": facts.department_id}[group]


def tally(rows) -> dict:
    """The rates of some (case, facts, flags) rows with their numerators and denominators."""
    out = {"reported": len(rows), "overdue": sum(fl["overdue"] for _, _, fl in rows),
           "escalated": sum(fl["escalated"] for _, _, fl in rows)}
    for rate, (num, den) in PARTS.items():
        n = sum(num(f) for _, f, _ in rows)
        d = sum(den(f) for _, f, _ in rows)
        out[rate] = round(n / d, 4) if d else None
        out[rate + "_parts"] = (n, d)
    hours = [f.handling_hours for _, f, _ in rows if f.handling_hours is not None]
    out["average_handling_hours"] = round(sum(hours) / len(hours), 2) if hours else None
    return out


def grouped(rows, group: str) -> dict:
    if group not in rates.GROUPS:
        raise ValueError(f"group must be one of {', '.join(rates.GROUPS)}")
    buckets = defaultdict(list)
    for row in rows:
        buckets[key_of(group, row[0], row[1])].append(row)
    return buckets


def labels(group: str, keys) -> dict:
    return rates._labels(group, keys)


def in_numerator(rate: str, facts) -> bool:
    return PARTS[rate][0](facts) > 0


def in_denominator(rate: str, facts) -> bool:
    return PARTS[rate][1](facts) > 0
