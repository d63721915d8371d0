"""The cockpit (数字驾驶舱), the rate definitions, table exports and the monthly reports. Thin: parse, read, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from linli.core import replica
from linli.core.excel import write_xlsx, xlsx_response
from linli.evaluation import queries as ev
from linli.evaluation.indicators import Period
from linli.people.scopes import for_request

from . import queries, reports
from .models import MonthlyReport


def _args(request):
    period = Period.parse(request.GET.get("month"))
    group = request.GET.get("group") or "grid"
    if group not in queries.GROUPS:
        group = "grid"
    return period, group


@login_required
@replica.reading
def home(request):
    scope = for_request(request)
    period, group = _args(request)
    data = queries.cockpit(scope, period, group)
    return render(request, "dashboard/home.html", {
        **data, "charts": queries.chart_data(data), "groups": [(g, g) for g in queries.GROUPS], "month": period.label,
        "prev_month": period.previous().label, "staff": ev.is_staff(scope), "rate_keys": queries.RATE_KEYS,
    })


@login_required
def definitions(request):
    return render(request, "dashboard/definitions.html")


@login_required
@replica.reading
def export(request):
    scope = for_request(request)
    period, group = _args(request)
    data = queries.cockpit(scope, period, group)
    name = request.GET.get("table") or ""
    if name == "kpis":
        headers = ["", "%s %%" % period.label, "%s %%" % period.previous().label, "Δ"]
        rows = [[str(k["label"]), k["value"], k["previous"], k["change"]] for k in data["kpis"]]
    elif name in data["tables"]:
        table = data["tables"][name]
        headers, rows = [str(h) for h in table["headers"]], [[str(v) if hasattr(v, "__html__") else v for v in r] for r in table["rows"]]
    else:
        raise Http404
    return xlsx_response(write_xlsx(headers, rows, title=name), f"cockpit-{name}-{period.label}")


def _areas(scope):
    levels = []
    for pk in sorted(ev._subdistricts(scope)):
        levels.append(("subdistrict", pk))
    for pk in sorted(scope.community_ids):
        levels.append(("community", pk))
    return levels


@login_required
def report_list(request):
    scope = for_request(request)
    ev.require_reader(scope)
    if not ev.is_staff(scope):
        raise PermissionDenied
    areas = _areas(scope)
    qs = MonthlyReport.objects.all()
    if not scope.everything:
        from django.db.models import Q

        q = Q(pk__in=[])
        for level, pk in areas:
            q |= Q(level=level, area_id=pk)
        qs = qs.filter(q)
    return render(request, "dashboard/reports.html", {"reports": qs[:120], "month": Period.parse(request.GET.get("month")).previous().label})


@login_required
@require_POST
def report_generate(request):
    scope = for_request(request)
    if not ev.is_staff(scope):
        raise PermissionDenied
    period = Period.parse(request.POST.get("month"))
    for level, pk in _areas(scope)[:5]:
        reports.generate(level, pk, period, by=request.user, replace=True)
    return redirect("dashboard:reports")


@login_required
def report_file(request, pk, fmt):
    scope = for_request(request)
    report = get_object_or_404(MonthlyReport, pk=pk)
    if not scope.everything and (report.level, report.area_id) not in _areas(scope):
        raise Http404
    f = report.pdf if fmt == "pdf" else report.xlsx
    if not f:
        raise Http404
    return FileResponse(f.open("rb"), as_attachment=True, filename=f"{report.area_name}-{report.month:%Y-%m}.{fmt}")
