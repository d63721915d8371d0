"""The cockpit's figures, each a table (headers + rows) that a chart draws and an xlsx export repeats.
Everything reads through linli.evaluation.queries (the caller's scope) and the case-figures rollup.

Community and subdistrict staff see their areas; a department contact or property manager sees a read-only view of
its own figures: the cases it holds or was summoned to (cases.queries.staff_q), its own report-in punctuality and,
compared by department, its own row only."""

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import queries as case_queries
from linli.cases.models import Case, Summons
from linli.evaluation import casefacts
from linli.evaluation import queries as ev
from linli.evaluation.indicators import Period

GROUPS = ("grid", "community", "category", "department", "handler")
RATE_KEYS = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_closure_rate", "rework_rate")
MONTHS = 6
TOP_CATEGORIES = 12  # the categories a chart shows (page and monthly PDF); the tables list all


def rate_names():
    return {"response_rate": _("Response rate"), "resolution_rate": _("Resolution rate"), "satisfaction_rate": _("Satisfaction rate"),
            "on_time_closure_rate": _("On-time closure rate"), "rework_rate": _("Rework rate")}


def pct(value):
    return None if value is None else round(value * 100, 2)


def cockpit(scope, period: Period, group: str) -> dict:
    """Every figure from SQL sums over the case-figures rollup (evaluation.casefacts.aggregate): a fixed number of
    queries, whatever the number of cases, grids or people."""
    cases = ev.cases_for(scope)
    own = None if ev.is_staff(scope) else case_queries.org_ids(scope)  # a department or company: its own figures only
    months, p = [], period
    for _i in range(MONTHS):
        months.append(p)
        p = p.previous()
    win6 = casefacts.fresh_window(cases, months[-1].start_dt, period.end_dt)  # the rollup refreshed once for all six
    win = casefacts.window(cases, period.start_dt, period.end_dt)
    empty = casefacts.finish({k: 0 for k in casefacts.SUMS}, None)
    by_month = casefacts.aggregate(win6, "month")
    now_t, prev_t = by_month.get(period.start, empty), by_month.get(period.previous().start, empty)
    names = rate_names()
    kpis = [{"key": k, "label": names[k], "value": pct(now_t[k]), "previous": pct(prev_t[k]),
             "change": None if now_t[k] is None or prev_t[k] is None else round((now_t[k] - prev_t[k]) * 100, 2),
             "parts": now_t[k + "_parts"]} for k in RATE_KEYS]
    tables = {}
    # trends by month
    trend_rows = []
    for m in reversed(months):
        t = by_month.get(m.start, empty)
        trend_rows.append([m.label, t["reported"]] + [pct(t[k]) for k in RATE_KEYS])
    tables["trend"] = {"title": _("Trends by month"), "headers": [_("Month"), _("Cases")] + [names[k] + " %" for k in RATE_KEYS],
                       "rows": trend_rows}
    # comparison by the chosen group (each rate drills down to its cases)
    buckets = casefacts.aggregate(win, group)
    if own is not None and group == "department":
        buckets = {k: v for k, v in buckets.items() if k in own}
    labels = casefacts.labels(group, buckets)
    comp = [{"key": key, "label": str(labels.get(key, "—")), "reported": t["reported"], "rates": [(k, pct(t[k])) for k in RATE_KEYS]}
            for key, t in buckets.items()]
    comp.sort(key=lambda r: (-r["reported"], r["label"]))
    tables["compare"] = {"title": _("Comparison"), "headers": [_("Group"), _("Cases")] + [names[k] + " %" for k in RATE_KEYS],
                         "rows": [[r["label"], r["reported"]] + [v for _k, v in r["rates"]] for r in comp], "links": comp}
    # volume by category
    by_cat = dict(win.order_by().values("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
    cat_labels = casefacts.labels("category", by_cat)
    tables["category"] = {"title": _("Cases by category"), "headers": [_("Category"), _("Cases")],
                          "rows": sorted(([str(cat_labels.get(k, "—")), n] for k, n in by_cat.items()), key=lambda r: -r[1]),
                          "top": TOP_CATEGORIES}
    # overdue and escalated (open now, in scope)
    now = timezone.now()
    overdue = list(cases.filter(Q(overdue=True) | Q(handling_due__lt=now), state__in=Case.OPEN_STATES).select_related("grid")
                   .only("id", "number", "title", "handling_due", "grid__name").order_by("handling_due", "id")[:100])
    tables["overdue"] = {"title": _("Overdue cases"), "headers": [_("Number"), _("Title"), _("Grid"), _("Handling due")],
                         "rows": [[c.number, c.title, str(c.grid or "—"), timezone.localtime(c.handling_due).strftime("%Y-%m-%d %H:%M") if c.handling_due else ""]
                                  for c in overdue[:100]], "ids": [c.pk for c in overdue[:100]]}
    escalated = list(win.filter(evaluation_fact__escalated=True).only("id", "number", "title", "tier", "state").order_by("created_at", "id")[:100])
    tables["escalated"] = {"title": _("Escalated cases"), "headers": [_("Number"), _("Title"), _("Tier"), _("State")],
                           "rows": [[c.number, c.title, c.get_tier_display(), c.get_state_display()] for c in escalated[:100]],
                           "ids": [c.pk for c in escalated[:100]]}
    # report-in punctuality after a whistle
    summonses = Summons.objects.filter(whistle__case__in=cases, whistle__blown_at__gte=period.start_dt, whistle__blown_at__lt=period.end_dt)
    if own is not None:  # not another department's punctuality on a case both were summoned to
        summonses = summonses.filter(department_id__in=own)
    per_dept = {}
    for name, status, n in summonses.order_by().values_list("department__name", "status").annotate(n=Count("id")):
        per_dept.setdefault(name, {k: 0 for k in Summons.Status.values})[status] += n
    tables["report_in"] = {"title": _("Report-in after a whistle"),
                           "headers": [_("Department"), _("On time"), _("Late"), _("Missing"), _("Waiting"), _("On time %")],
                           "rows": [[name, d["on_time"], d["late"], d["missing"], d["waiting"],
                                     pct(d["on_time"] / (d["on_time"] + d["late"] + d["missing"])) if d["on_time"] + d["late"] + d["missing"] else None]
                                    for name, d in sorted(per_dept.items())]}
    # triage share and the classifier's accuracy on cases a person re-categorised
    judged = win.filter(categorised_by_person=True, suggested_category_id__isnull=False).aggregate(
        n=Count("id"), right=Count("id", filter=Q(suggested_category_id=F("category_id"))))
    reported, sent = now_t["reported"], now_t["triaged"]
    triage_now = cases.filter(state=Case.State.TRIAGE).count()
    tables["triage"] = {"title": _("Triage and the classifier"), "headers": [_("Figure"), _("Value")], "rows": [
        [_("Cases reported"), reported],
        [_("Sent to triage (no confident category)"), sent],
        [_("Share sent to triage %"), pct(sent / reported) if reported else None],
        [_("Categorised by a person, with a suggestion"), judged["n"]],
        [_("Classifier right on those %"), pct(judged["right"] / judged["n"]) if judged["n"] else None],
        [_("Waiting in triage now"), triage_now],
    ]}
    return {"kpis": kpis, "tables": tables, "period": period, "group": group, "readonly": own is not None}


def chart_data(data: dict) -> dict:
    """What the static script draws (json_script): plain lists only."""
    t = data["tables"]
    return {
        "trend": {"months": [r[0] for r in t["trend"]["rows"]], "series": [{"name": h, "data": [r[i + 2] for r in t["trend"]["rows"]]}
                                                                            for i, h in enumerate(t["trend"]["headers"][2:])]},
        "compare": {"labels": [r[0] for r in t["compare"]["rows"]], "series": [{"name": h, "data": [r[i + 2] for r in t["compare"]["rows"]]}
                                                                                for i, h in enumerate(t["compare"]["headers"][2:5])]},
        "category": {"labels": [r[0] for r in t["category"]["rows"]], "data": [r[1] for r in t["category"]["rows"]], "top": TOP_CATEGORIES},
    }
