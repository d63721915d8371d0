"""Pages: devices (register one, or an Excel sheet), six-aid orders (raise, list, counts), one order (arrival, visit
record with signature or phone confirmation, rating)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people import queries as people_queries
from linli.people.models import Organization, Person
from linli.people.scopes import for_request
from linli.volunteers.models import Team

from .. import queries, services
from ..models import CareOrder, Device
from ._common import check_station, run, station_or_404


DEVICES_PAGE = 50
LIST_PAGE = 50  # open orders a page (the shared pager: portal/_pager.html)


def _residents(station):
    return Person.objects.filter(community=station.community, status=Person.Status.LIVING_HERE).order_by("name", "pk")


def _who(request, station) -> dict:
    """The resident search of a form (portal/_who_search.html, _who_pick.html): what was typed and who matches."""
    who = request.GET.get("who", "")
    return {"who": who, "candidates": people_queries.resident_candidates(_residents(station), who), "max_candidates": people_queries.CANDIDATES}


@login_required
def devices(request, station_id):
    station = station_or_404(request, station_id)
    scope = for_request(request)
    if request.method == "POST":
        p = request.POST
        if request.FILES.get("sheet"):
            report = run(request, lambda: services.import_devices(scope, station, request.FILES["sheet"], gateway=station.gateways.first()),
                         _("Sheet read."))
            if report:
                request.session["care_import"] = {"created": report["created"], "errors": report["errors"][:50]}
        else:
            person = _residents(station).filter(pk=p.get("person") or 0).first()
            if person is None:
                run(request, lambda: (_ for _ in ()).throw(ValidationError(_("Choose the resident."))), "")
            else:
                run(request, lambda: services.register_device(
                    scope, station, person=person, kind=p.get("kind", ""), serial=p.get("serial", ""), gateway=station.gateways.first(),
                    dc09_account=p.get("dc09_account", ""), contacts=[(p.get(f"c{i}_name"), p.get(f"c{i}_relation"), p.get(f"c{i}_phone")) for i in (1, 2)]),
                    _("Device registered."))
        return redirect("care:devices", station.pk)
    qs = station.devices.select_related("person").order_by("status", "serial")
    find = (request.GET.get("q") or "").strip()[:40]
    if find:
        qs = qs.filter(Q(serial__icontains=find) | Q(person__name__contains=find))
    page = Paginator(qs, DEVICES_PAGE).get_page(request.GET.get("page"))
    return render(request, "care/devices.html", {"station": station, "page": page, "devices": page.object_list, "total": station.devices.count(),
                                                 "q": find, "kinds": Device.Kind.choices, **_who(request, station),
                                                 "report": request.session.pop("care_import", None)})


def _dt(value):
    d = parse_datetime(value or "")
    if d is None:
        raise ValidationError(_("Give the time window."))
    return timezone.make_aware(d) if timezone.is_naive(d) else d


@login_required
def orders(request, station_id):
    station = station_or_404(request, station_id)
    scope = for_request(request)
    if request.method == "POST":
        p = request.POST

        def raise_it():
            person = _residents(station).filter(pk=p.get("person") or 0).first()
            if person is None:
                raise ValidationError(_("Choose the resident."))
            provider = p.get("provider", "")
            kw = {"provider_account": None, "provider_org": None, "provider_team": None}
            kind_, _sep, pk = provider.partition(":")
            if kind_ == "staff":
                kw["provider_account"] = station.operators.filter(pk=pk or 0).first()
            elif kind_ == "org":
                kw["provider_org"] = Organization.objects.filter(pk=pk or 0).first()
            elif kind_ == "team":
                kw["provider_team"] = Team.objects.filter(pk=pk or 0, community=station.community).first()
            until = p.get("repeat_until") or None
            return services.raise_order(scope, station, person=person, kind=p.get("kind", ""), source=p.get("source", ""),
                                        window_start=_dt(p.get("window_start")), window_end=_dt(p.get("window_end")), note=p.get("note", ""),
                                        recurrence=p.get("recurrence", ""), repeat_until=datetime.date.fromisoformat(until) if until else None,
                                        fee=p.get("fee") or "0", payer=p.get("payer", "free"), **kw)
        o = run(request, raise_it, _("Order raised."))
        return redirect("care:order", o.pk) if o else redirect("care:orders", station.pk)
    today = timezone.localdate()
    start = today.replace(day=1) - datetime.timedelta(days=365)
    visits = queries.visits(scope, station).select_related("person")
    page = Paginator(visits.exclude(status=CareOrder.Status.DONE), LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "care/orders.html", {
        "station": station, "orders": page.object_list, "page_obj": page,
        "done": visits.filter(status=CareOrder.Status.DONE).order_by("-departed_at")[:50],
        "counts": queries.order_counts(scope, station, start, today), **_who(request, station),
        "kinds": CareOrder.Kind.choices, "sources": CareOrder.Source.choices, "payers": CareOrder.Payer.choices,
        "staff": station.operators.select_related("person"), "orgs": Organization.objects.filter(community=station.community, active=True),
        "teams": Team.objects.filter(community=station.community)})


@login_required
def order(request, pk):
    o = get_object_or_404(CareOrder.objects.select_related("station", "person__dwelling", "alarm", "provider_account__person",
                                                           "provider_org", "provider_team"), pk=pk)
    check_station(request, o.station)
    return render(request, "care/order.html", {"o": o, "payers": CareOrder.Payer.choices})


@login_required
@require_POST
def order_action(request, pk, action):
    o = get_object_or_404(CareOrder.objects.select_related("station"), pk=pk)
    check_station(request, o.station)
    scope = for_request(request)
    p = request.POST
    if action == "arrive":
        run(request, lambda: services.record_arrival(scope, o), _("Arrival recorded."))
    elif action == "visit":
        run(request, lambda: services.record_visit(scope, o, work_done=p.get("work_done", ""), confirmation=p.get("confirmation", ""),
                                                   signature=p.get("signature", ""), fee=p.get("fee") or None, payer=p.get("payer") or None),
            _("Visit recorded."))
    elif action == "rate":
        run(request, lambda: services.rate_order(scope, o, int(p.get("rating") or 0)), _("Rating recorded."))
    elif action == "cancel":
        run(request, lambda: services.cancel_order(scope, o), _("Order cancelled."))
    if o.alarm_id and action == "visit" and o.status == CareOrder.Status.DONE:
        return redirect("care:alarm", o.alarm_id)
    return redirect("care:order", o.pk)


