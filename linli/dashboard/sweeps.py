"""At month end the worker writes last month's report for every community and subdistrict — exactly once:
a report is one row per (area, month) (unique), so a second worker or a second sweep makes nothing."""

from django.utils import timezone

from linli.core.worker import sweep
from linli.evaluation.indicators import Period
from linli.places.models import Community, Subdistrict

from . import reports
from .models import MonthlyReport

BATCH = 20


@sweep("dashboard_monthly_reports")
def monthly_reports(today=None) -> int:
    today = today or timezone.localdate()
    last = Period.month(today.year, today.month).previous()
    done = set(MonthlyReport.objects.filter(month=last.start).values_list("level", "area_id"))
    todo = [("community", pk) for pk in Community.objects.filter(cases__created_at__lt=last.end_dt).distinct().values_list("pk", flat=True)]
    todo += [("subdistrict", pk) for pk in Subdistrict.objects.filter(cases__created_at__lt=last.end_dt).distinct().values_list("pk", flat=True)]
    made = 0
    for level, pk in [t for t in todo if t not in done][:BATCH]:
        made += reports.generate(level, pk, last) is not None
    return made
