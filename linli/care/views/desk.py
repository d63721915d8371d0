"""The alarm desk (phone-usable): open alarms, polled every 1.5 s by static/care-desk.js; one alarm's page with
acknowledge, calls, a visit (助救 order) or a case, and closing; the answer-time figures."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people.scopes import for_request

from .. import queries, services
from ..models import Alarm, AlarmLog, CareOrder, Reject
from ._common import check_station, run, station_or_404


@login_required
def home(request):
    scope = for_request(request)
    stations = list(queries.stations_for(scope).select_related("community"))
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    for s in stations:
        s.open_count = Alarm.objects.filter(station=s, status__in=queries.OPEN).count()
        s.device_count = s.devices.count()
        s.fig = queries.answer_figures(s, today - datetime.timedelta(days=30), timezone.now())["total"]
        s.served = queries.order_counts(scope, s, datetime.date(2000, 1, 1), timezone.localdate())["served_ever"]
    return render(request, "care/home.html", {"stations": stations, "rejects": Reject.objects.all()[:20] if stations else []})


@login_required
def desk(request, station_id):
    station = station_or_404(request, station_id)
    return render(request, "care/desk.html", {"station": station, "feed": queries.feed(station)})


@login_required
def desk_feed(request, station_id):
    return JsonResponse(queries.feed(station_or_404(request, station_id)))


@login_required
def alarm(request, pk):
    a = get_object_or_404(Alarm.objects.select_related("station", "person__dwelling", "device", "acknowledged_by"), pk=pk)
    check_station(request, a.station)
    return render(request, "care/alarm.html", {
        "a": a, "log": a.log.select_related("actor__person"), "contacts": a.device.contacts.all(), "orders": a.orders.all(),
        "outcomes": Alarm.Outcome.choices, "call_outcomes": AlarmLog.CallOutcome.choices})


@login_required
@require_POST
def alarm_action(request, pk, action):
    a = get_object_or_404(Alarm.objects.select_related("station", "person"), pk=pk)
    check_station(request, a.station)
    scope = for_request(request)
    p = request.POST
    if action == "acknowledge":
        run(request, lambda: services.acknowledge(scope, a), _("Acknowledged."))
    elif action == "call":
        run(request, lambda: services.log_call(scope, a, called=p.get("called", ""), outcome=p.get("outcome", ""), note=p.get("note", "")), _("Call logged."))
    elif action == "visit":
        order = run(request, lambda: services.send_visit(scope, a, note=p.get("note", "")), _("A rescue visit is ordered."))
        if order is not None:
            return redirect("care:order", order.pk)
    elif action == "case":
        run(request, lambda: services.open_case(scope, a, p.get("description", "")), _("A case is opened."))
    elif action == "close":
        if run(request, lambda: services.close_alarm(scope, a, outcome=p.get("outcome", ""), note=p.get("note", "")), _("Alarm closed.")):
            return redirect("care:desk", a.station_id)
    return redirect("care:alarm", a.pk)


@login_required
def figures(request, station_id):
    station = station_or_404(request, station_id)
    days = min(max(int(request.GET.get("days", "30") or 30), 1), 366) if request.GET.get("days", "30").isdigit() else 30
    end = timezone.now()
    return render(request, "care/figures.html", {"station": station, "days": days,
                                                 "f": queries.answer_figures(station, end - datetime.timedelta(days=days), end),
                                                 "open_orders": CareOrder.objects.filter(alarm__station=station, status=CareOrder.Status.SCHEDULED).count()})
