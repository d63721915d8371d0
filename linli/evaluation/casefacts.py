"""Per-case facts for a period, in the terms of cases.rates.facts_of (the one definition of every rate), kept per case
so that every rate can be explained by the cases behind it (tests/test_scorecards.py checks they agree with
rates.compute).

A calendar month (every page's period) reads the rollup (rollup.py: one row per case, the timeline as of the end of
its month), refreshed first; sums of a month are SQL aggregates (`aggregate`). Any other period (the API's start +
days) reads the rollup row of every case whose timeline ended before both the period's end and its own month's end,
and computes the others' facts from their timelines. Either way a row is a dict: the case's columns (CASE) and
its facts (FACT).
"""

import datetime
from collections import defaultdict

from django.db.models import Avg, Count, F, Max, Q, Sum
from django.utils import timezone

from linli.cases import rates
from linli.cases.models import Case, CaseEvent
from linli.core import replica

from . import rollup

CASE = ("id", "number", "title", "grid_id", "micro_grid_id", "community_id", "subdistrict_id", "category_id", "building_id",
        "source", "created_at")
FACT = ("routed", "responded", "resolved", "closed", "closed_on_time", "reworked", "verdicts", "content", "handling_hours",
        "handler_id", "department_id", "overdue", "escalated", "triaged")
# rate → (numerator column, denominator column; None = one per case); satisfaction counts verdicts, not cases
PARTS = {
    "response_rate": ("responded", "routed"),
    "resolution_rate": ("resolved", None),
    "satisfaction_rate": ("content", "verdicts"),
    "on_time_closure_rate": ("closed_on_time", "closed"),
    "rework_rate": ("reworked", "resolved"),
}
RATES = tuple(PARTS)
SUMS = ("reported", "routed", "responded", "resolved", "closed", "closed_on_time", "reworked", "verdicts", "content",
        "overdue", "escalated", "triaged")


def num(rate: str, row: dict) -> int:
    return int(row["f_" + PARTS[rate][0]] or 0)


def den(rate: str, row: dict) -> int:
    col = PARTS[rate][1]
    return 1 if col is None else int(row["f_" + col] or 0)


def in_numerator(rate: str, row: dict) -> bool:
    return num(rate, row) > 0


def in_denominator(rate: str, row: dict) -> bool:
    return den(rate, row) > 0


def is_month(start: datetime.datetime, end: datetime.datetime) -> bool:
    first = timezone.localtime(start)
    if (first.day, first.hour, first.minute, first.second, first.microsecond) != (1, 0, 0, 0, 0):
        return False
    return rollup.month_of(start)[1] == end


def window(cases, start, end):
    """The cases (scope-filtered queryset) reported in [start, end), merged duplicates left out."""
    return cases.filter(created_at__gte=start, created_at__lt=end).exclude(state=Case.State.MERGED)


def fresh_window(cases, start, end):
    """window() of whole months, with the rollup brought up to date for them (SQL aggregates may follow)."""
    qs = window(cases, start, end)
    with replica.primary():  # what to write is computed from the primary's timelines
        made = rollup.refresh(qs)
    if made:
        replica.caught_up()  # a page reading the replica sums the rows just written
    return qs


def _stored(qs) -> list[dict]:
    return list(qs.order_by("created_at", "id").values(*CASE, **{f"f_{k}": F(f"evaluation_fact__{k}") for k in FACT}))


def rows(cases, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """One dict per case reported in [start, end): its columns and its facts as of `end`."""
    qs = fresh_window(cases, start, end)
    if is_month(start, end):
        return _stored(qs)
    return _settled_or_live(qs, end)


def _settled_or_live(qs, end) -> list[dict]:
    """Any other period. facts_of reads a timeline's steps up to a moment and nothing else, so a case whose last step
    lies before both `end` and the end of its own month has, as of `end`, exactly the facts of its rollup row; only
    the others are computed from their timelines. A long period of past months is then mostly SQL (one grouped
    query for the last steps), not every timeline read into Python."""
    last = dict(CaseEvent.objects.filter(case__in=qs.order_by().values("pk")).values("case_id")
                .annotate(at=Max("at")).values_list("case_id", "at"))
    stored = _stored(qs)
    live_ids = [r["id"] for r in stored
                if r["f_routed"] is None  # no rollup row
                or (last.get(r["id"]) is not None and last[r["id"]] > min(end, rollup.month_of(r["created_at"])[1]))]
    live = {}
    for i in range(0, len(live_ids), rollup.CHUNK):
        live.update((r["id"], r) for r in _live(Case.objects.filter(pk__in=live_ids[i:i + rollup.CHUNK]), end))
    return [live.get(r["id"], r) for r in stored]


def _live(qs, end) -> list[dict]:
    cases = list(qs.order_by("created_at", "id").only(*[c.removesuffix("_id") if c.endswith("_id") else c for c in CASE]))
    events = defaultdict(list)
    ids = [c.pk for c in cases]
    for i in range(0, len(ids), 500):
        for e in CaseEvent.objects.filter(case_id__in=ids[i:i + 500]).order_by("at", "id"):
            events[e.case_id].append(e)
    out = []
    for c in cases:
        fact = rollup.fact_row(c, events[c.pk], until=end)
        out.append({**{k: getattr(c, "pk" if k == "id" else k) for k in CASE}, **{f"f_{k}": getattr(fact, k) for k in FACT}})
    return out


def fact(row: dict, key: str):
    return row[f"f_{key}"]


def key_of(group: str, row: dict):
    if group in ("handler", "department"):
        return row[f"f_{group}_id"]
    return row[{"grid": "grid_id", "community": "community_id", "subdistrict": "subdistrict_id", "category": "category_id"}[group]]


def finish(s: dict, hours) -> dict:
    """Sums (SUMS) → the rates with their numerators and denominators."""
    out = {"reported": s["reported"], "overdue": s["overdue"], "escalated": s["escalated"], "triaged": s["triaged"]}
    for rate, (n_col, d_col) in PARTS.items():
        n, d = s[n_col], (s["reported"] if d_col is None else s[d_col])
        out[rate] = round(n / d, 4) if d else None
        out[rate + "_parts"] = (n, d)
    out["average_handling_hours"] = None if hours is None else round(hours, 2)
    return out


def tally(rows_) -> dict:
    """The rates of some rows with their numerators and denominators."""
    s = {k: 0 for k in SUMS}
    hours = []
    for r in rows_:
        s["reported"] += 1
        for k in SUMS[1:]:
            s[k] += int(r[f"f_{k}"] or 0)
        if r["f_handling_hours"] is not None:
            hours.append(r["f_handling_hours"])
    return finish(s, sum(hours) / len(hours) if hours else None)


def _aggs() -> dict:
    p = "evaluation_fact__"
    out = {"reported": Count("id")}
    for k in ("routed", "responded", "resolved", "closed", "closed_on_time", "reworked", "overdue", "escalated", "triaged"):
        out[k] = Count("id", filter=Q(**{p + k: True}))
    out.update(verdicts=Sum(p + "verdicts"), content=Sum(p + "content"), hours=Avg(p + "handling_hours"))
    return out


GROUP_COLUMNS = {"grid": "grid_id", "community": "community_id", "subdistrict": "subdistrict_id", "category": "category_id",
                 "handler": "evaluation_fact__handler_id", "department": "evaluation_fact__department_id",
                 "month": "evaluation_fact__month"}


def aggregate(qs, group: str | None = None) -> dict:
    """SQL sums of a fresh_window() queryset: {key: tally} by a group (GROUP_COLUMNS), or the one tally (group None)."""
    if group is None:
        s = qs.aggregate(**_aggs())
        return finish({k: s[k] or 0 for k in SUMS}, s["hours"])
    col = GROUP_COLUMNS[group]
    out = {}
    for s in qs.order_by().values(col).annotate(**_aggs()):
        out[s[col]] = finish({k: s[k] or 0 for k in SUMS}, s["hours"])
    return out


def grouped(rows_, group: str) -> dict:
    if group not in rates.GROUPS:
        raise ValueError(f"group must be one of {', '.join(rates.GROUPS)}")
    buckets = defaultdict(list)
    for row in rows_:
        buckets[key_of(group, row)].append(row)
    return buckets


def labels(group: str, keys) -> dict:
    return rates._labels(group, keys)


def verdicts_of(case_ids, end: datetime.datetime) -> dict:
    """The verdicts (in order) of these cases' timelines as of `end` (for the drill-down's verdict column)."""
    events = defaultdict(list)
    ids = list(case_ids)
    for i in range(0, len(ids), 500):
        for e in CaseEvent.objects.filter(case_id__in=ids[i:i + 500]).order_by("at", "id"):
            events[e.case_id].append(e)
    return {pk: rates.facts_of(None, evs, until=end).verdicts for pk, evs in events.items()}
