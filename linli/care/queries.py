"""Reads of care, always filtered by the caller's scope: the desk's feed, answer-time figures, six-aid counts,
applications, and the workbench items the portal merges."""

import datetime
import statistics
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.core import roles
from linli.core.memo import Memo
from linli.core.work import TASK, WorkItem

from .models import Alarm, Application, CareOrder, Station

OPEN = [Alarm.Status.NEW, Alarm.Status.ACKNOWLEDGED]
DAY_SHIFT = (8, 20)  # 08:00–20:00 local is the day shift, the rest the night shift


def stations_for(scope):
    """Stations whose desk the caller works: their operators, and those who write care in the community."""
    if scope.everything:
        return Station.objects.all()
    account = scope.account
    q = Q(pk__in=[])
    if getattr(account, "is_authenticated", False):
        q |= Q(operators=account)
    communities = scope.community_ids() if callable(scope.community_ids) else scope.community_ids
    if communities and scope.areas.get(("write", roles.CARE)):
        q |= Q(community_id__in=sorted(communities))
    return Station.objects.filter(q).distinct()


_desks = Memo("care-desks", ["stations"], maxsize=8192)


def works_a_desk(scope) -> bool:
    """Whether `stations_for` finds any station: asked by the menu on every page, so kept per process for the
    account and the communities it writes care in (both in the key) until a station or its operators change."""
    if scope.everything:
        return True
    account = scope.account
    communities = ()
    if scope.areas.get(("write", roles.CARE)):
        ids = scope.community_ids() if callable(scope.community_ids) else scope.community_ids
        communities = tuple(sorted(ids or ()))
    if not getattr(account, "is_authenticated", False) and not communities:
        return False
    return _desks.get((getattr(account, "pk", None), communities), lambda: stations_for(scope).exists())


FEED_NEW = 300  # new alarms in the feed at most (every one of them waits for an operator)
FEED_ROWS = 100  # acknowledged ones fill the feed up to this many rows


def feed(station: Station, now=None) -> dict:
    """The open alarms of the desk as the page's poll reads them: every new one first (up to FEED_NEW), newest first,
    then the acknowledged ones up to FEED_ROWS rows in all, with how many open ones the feed leaves out. New alarms
    are read on their own: ordered by status in one query, the acknowledged ones ("acknowledged" < "new") came first
    and a desk with FEED_ROWS of them open would not have shown a new alarm at all."""
    now = now or timezone.now()
    rows = Alarm.objects.filter(station=station).select_related("person__dwelling__building", "device").order_by("-received_at", "-id")
    new = list(rows.filter(status=Alarm.Status.NEW)[:FEED_NEW])
    acknowledged = list(rows.filter(status=Alarm.Status.ACKNOWLEDGED)[:max(FEED_ROWS - len(new), 0)])
    open_counts = dict(Alarm.objects.filter(station=station, status__in=OPEN).order_by().values_list("status").annotate(n=Count("id")))
    return {"now": now.isoformat(),
            "open": {"new": open_counts.get(Alarm.Status.NEW, 0), "acknowledged": open_counts.get(Alarm.Status.ACKNOWLEDGED, 0)},
            "left_out": sum(open_counts.values()) - len(new) - len(acknowledged),
            "alarms": [{
        "id": a.pk, "kind": a.kind, "kind_label": str(a.get_kind_display()), "status": a.status, "status_label": str(a.get_status_display()),
        "name": a.person.name, "address": str(a.person.dwelling) if a.person.dwelling_id else "", "device": a.device.serial,
        "received_at": a.received_at.isoformat(), "step": a.step, "url": f"/care/alarms/{a.pk}/",
        "waiting_s": int((now - a.received_at).total_seconds()) if a.status == Alarm.Status.NEW else None,
    } for a in new + acknowledged]}


def _share(values: list[float], limit: float) -> float | None:
    return round(100.0 * sum(1 for v in values if v <= limit) / len(values), 1) if values else None


def answer_figures(station: Station, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Share of alarms acknowledged within 60 s and 180 s (TSA: 97.5 % and 99 %) per day, shift and operator; time to
    arrival of the visits sent from alarms (MASCOT: 90 % within 45 min, 100 % within 60). An alarm not yet
    acknowledged counts as answered late once its 180 s have passed."""
    now = timezone.now()
    rows = list(Alarm.objects.filter(station=station, received_at__gte=start, received_at__lt=end)
                .values_list("received_at", "acknowledged_at", "acknowledged_by__username", "acknowledged_by__person__name"))
    groups = {"day": defaultdict(list), "shift": defaultdict(list), "operator": defaultdict(list)}
    everything = []
    for received, acked, username, name in rows:
        wait = (acked - received).total_seconds() if acked else (now - received).total_seconds() + 10 ** 6
        local = timezone.localtime(received)
        everything.append(wait)
        groups["day"][local.date().isoformat()].append(wait)
        groups["shift"][pgettext("shift", "day (08–20)") if DAY_SHIFT[0] <= local.hour < DAY_SHIFT[1] else pgettext("shift", "night (20–08)")].append(wait)
        if acked:
            groups["operator"][name or username or "—"].append(wait)

    def line(label, values):
        return {"label": label, "n": len(values), "within_60": _share(values, 60), "within_180": _share(values, 180)}

    arrivals = [(a - r).total_seconds() / 60 for r, a in CareOrder.objects.filter(
        alarm__station=station, alarm__received_at__gte=start, alarm__received_at__lt=end, arrived_at__isnull=False)
        .values_list("alarm__received_at", "arrived_at")]
    return {
        "total": line(_("All alarms"), everything),
        "days": [line(k, v) for k, v in sorted(groups["day"].items(), reverse=True)],
        "shifts": [line(k, v) for k, v in sorted(groups["shift"].items())],
        "operators": [line(k, v) for k, v in sorted(groups["operator"].items())],
        "arrivals": {"n": len(arrivals), "median_min": round(statistics.median(arrivals), 1) if arrivals else None,
                     "within_45": _share(arrivals, 45), "within_60": _share(arrivals, 60)},
    }


def visits(scope, station: Station):
    """Six-aid visits (occurrences and one-off orders; recurring templates are not visits themselves): all of the
    station's for its operators, who dispatch them (they open, raise and close each one already), else by the
    caller's area."""
    qs = CareOrder.objects.filter(station=station, recurrence="")
    account = scope.account
    if getattr(account, "is_authenticated", False) and station.operators.filter(pk=account.pk).exists():
        return qs
    return scope.filter(qs)


def order_counts(scope, station: Station, start: datetime.date, end: datetime.date) -> dict:
    """Visits done per kind, per provider and per month, and how many older people were served ("served N")."""
    done = visits(scope, station).filter(status=CareOrder.Status.DONE, window_start__date__gte=start, window_start__date__lte=end)
    per_kind = {k: n for k, n in done.values_list("kind").annotate(n=Count("id"))}
    providers = defaultdict(int)
    for org, team, acc, acc_name, n in done.values_list("provider_org__name", "provider_team__name", "provider_account__username",
                                                       "provider_account__person__name").annotate(n=Count("id")):
        providers[org or team or acc_name or acc or "—"] += n
    months = defaultdict(int)
    for ws in done.values_list("window_start", flat=True):
        months[timezone.localtime(ws).strftime("%Y-%m")] += 1
    return {"kinds": [(CareOrder.Kind(k).label, per_kind.get(k, 0)) for k in CareOrder.Kind.values],
            "providers": sorted(providers.items(), key=lambda x: -x[1]), "months": sorted(months.items()),
            "visits": sum(per_kind.values()), "served": done.values("person_id").distinct().count(),
            "served_ever": visits(scope, station).filter(status=CareOrder.Status.DONE).values("person_id").distinct().count()}


def applications(scope):
    return scope.filter(Application.objects.select_related("person", "community"))


def workbench(scope, now) -> list[WorkItem]:
    """For a desk operator: every unacknowledged alarm of their stations (a task, due 60 s after receipt); for
    whoever provides a visit: six-aid orders scheduled to them within the next day or overdue. Two queries."""
    account = scope.account
    if not getattr(account, "is_authenticated", False):
        return []
    items = []
    for a in (Alarm.objects.filter(status=Alarm.Status.NEW, station__operators=account).select_related("person")
              .order_by("received_at")[:50]):
        items.append(WorkItem(app="care", kind=TASK, what=_("Answer alarm"), title=f"{a.get_kind_display()} · {a.person.name}",
                              url=f"/care/alarms/{a.pk}/", due=a.received_at + datetime.timedelta(seconds=60), key=f"care:alarm:{a.pk}"))
    for o in (CareOrder.objects.filter(provider_account=account, recurrence="", status__in=[CareOrder.Status.SCHEDULED, CareOrder.Status.ARRIVED],
                                       window_start__lte=now + datetime.timedelta(days=1)).select_related("person").order_by("window_start")[:50]):
        items.append(WorkItem(app="care", kind=TASK, what=_("Six-aid visit"), title=f"{o.get_kind_display()} · {o.person.name}",
                              url=f"/care/orders/{o.pk}/", due=o.window_end, key=f"care:order:{o.pk}"))
    return items


def workbench_counts(scope, now) -> int:
    """The number of tasks `workbench` lists (alarms to answer, six-aid visits to make), counted in the database for the
    navigation's badge, with the same caps. Two COUNT queries."""
    account = scope.account
    if not getattr(account, "is_authenticated", False):
        return 0
    alarms = Alarm.objects.filter(status=Alarm.Status.NEW, station__operators=account).order_by()[:50].count()
    orders = CareOrder.objects.filter(provider_account=account, recurrence="", status__in=[CareOrder.Status.SCHEDULED, CareOrder.Status.ARRIVED],
                                      window_start__lte=now + datetime.timedelta(days=1)).order_by()[:50].count()
    return alarms + orders
