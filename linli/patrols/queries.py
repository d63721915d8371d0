"""Reads of grid work, always through the caller's scope (see PatrolsConfig.ready for the area paths)."""

import datetime

from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils import timezone

from linli.core import roles
from linli.people.models import Person
from linli.people.scopes import Scope
from linli.places.models import Building, Dwelling, Grid, Venue

from .models import (Campaign, CareVisit, Dispute, DutyItem, Hazard, Patrol, PatrolStop, PointEvent, PointRule,
                     RectificationNotice, Reinspection, VisitRule)


def get(scope: Scope, model, pk, mode: str = "read", qs=None):
    """One record in scope, else 404 (ids outside the scope do not exist for the caller)."""
    qs = qs if qs is not None else model.objects.all()
    obj = scope.filter(qs.filter(pk=pk), mode).first()
    if obj is None:
        raise Http404
    return obj


# Lists join people, venues and cases for their names; their encrypted columns (ID numbers, phones) are left unread:
# each would be decrypted per row, and a page that needs one reads it on its own record.
def _names_only(qs, *paths):
    return qs.defer(*[f"{p}__{f}" for p in paths for f in ("id_number", "phone")])


def patrols(scope: Scope):
    return scope.filter(_names_only(Patrol.objects.select_related("grid", "worker__person"), "worker__person"))


def open_patrol(account):
    return Patrol.objects.filter(worker=account, ended_at__isnull=True).select_related("grid").first()


def stops(scope: Scope):
    return scope.filter(_names_only(PatrolStop.objects.select_related("patrol__worker__person", "building", "venue", "dwelling__building", "grid",
                                                                      "case"), "patrol__worker__person")
                        .defer("venue__contact_phone", "case__reporter_phone"))


def hazards(scope: Scope):
    return scope.filter(Hazard.objects.select_related("building__compound", "venue", "dwelling__building__compound", "dwelling__entrance", "grid", "case")
                        .defer("venue__contact_phone", "case__reporter_phone"))


def notices(scope: Scope):
    return scope.filter(_names_only(RectificationNotice.objects.select_related("grid", "reinspection", "issued_by__person"), "issued_by__person"))


def notice_for(scope: Scope, pk, qs=None):
    """A notice in the caller's area, one addressed to an organisation the caller is appointed to (the addressee reads
    what it must rectify), or one whose escalated case the caller handles (e.g. the fire department the case went to
    reads the notice and its hazards, though grid work is not theirs to read otherwise)."""
    from linli.cases.services import may_handle

    qs = qs if qs is not None else RectificationNotice.objects.all()
    try:
        return get(scope, RectificationNotice, pk, qs=qs)
    except Http404:
        notice = qs.filter(pk=pk).first()
        if notice is not None and notice.responsible_org_id and notice.responsible_org_id in {a.organization_id for a in scope.appointments}:
            return notice
        if notice is not None and any(may_handle(scope, h.case) for h in notice.hazards.filter(case__isnull=False).select_related("case")):
            return notice
        raise


def reinspections_due(scope: Scope, today: datetime.date | None = None):
    today = today or timezone.localdate()
    return scope.filter(Reinspection.objects.filter(done_at__isnull=True).filter(Q(came_due_at__isnull=False) | Q(due_on__lte=today))
                        .select_related("notice"))


def campaigns(scope: Scope):
    return scope.filter(Campaign.objects.all())


def visits(scope: Scope):
    return scope.filter(CareVisit.objects.select_related("person", "rule", "assigned_to__person", "building__compound", "grid",
                                                         "case", "wish", "service_order__item"))


# The encrypted columns of a person joined to a list that shows only the name (each would be decrypted per row).
_PERSON_SECRETS = ("person__id_number", "person__phone")


# The columns a list of visits shows (the visits page, the grid-work home, the workbench): names, the rule, the building,
# the dates, the requests a visit led to. Nothing else is read, so no encrypted field (ID numbers, phones of the visited
# person, the assignee or the case's reporter) is decrypted and no 100-column case row is built per visit.
_VISIT_LIST_FIELDS = ("due_on", "done_at", "method", "situation", "escalated_at", "community_id", "grid_id", "person__name",
                      "rule__name", "assigned_to__person__name", "building__number", "building__compound__name", "case__number",
                      "wish__status", "service_order__status", "service_order__item__title")


def visit_list(scope: Scope):
    """`visits` for lists: the same rows, reading only the columns a list shows (_VISIT_LIST_FIELDS)."""
    return scope.filter(CareVisit.objects.select_related("person", "rule", "assigned_to__person", "building__compound", "case", "wish",
                                                         "service_order__item").only(*_VISIT_LIST_FIELDS))


def rules(scope: Scope):
    return scope.filter(VisitRule.objects.all())


def disputes(scope: Scope):
    return scope.filter(Dispute.objects.select_related("grid"))


def duty_items(scope: Scope):
    return scope.filter(_names_only(DutyItem.objects.select_related("leader", "building"), "leader"))


def places_for_worker(scope: Scope, grid: Grid) -> dict:
    """The buildings, venues and dwellings of a grid the caller may patrol."""
    grid_ids = [grid.pk] + list(Grid.objects.filter(parent=grid).values_list("pk", flat=True))
    buildings = scope.filter(Building.objects.filter(Q(grid_id__in=grid_ids) | Q(micro_grid_id__in=grid_ids)).select_related("compound"), "read") \
        .order_by("number")
    venues = scope.filter(Venue.objects.filter(grid_id__in=grid_ids).defer("contact_phone"), "read").order_by("name")
    dwellings = scope.filter(Dwelling.objects.filter(Q(building__grid_id__in=grid_ids) | Q(building__micro_grid_id__in=grid_ids)), "read") \
        .select_related("building__compound", "entrance").order_by("building__number", "entrance__number", "room")
    return {"buildings": list(buildings), "venues": list(venues), "dwellings": list(dwellings[:500])}


def worker_grids(scope: Scope):
    if scope.everything:
        return Grid.objects.filter(parent__isnull=True)
    ids = [a.grid_id for a in scope.appointments if a.role == roles.GRID_WORKER and a.grid_id]
    if ids:
        return Grid.objects.filter(pk__in=ids)
    return scope.filter(Grid.objects.filter(parent__isnull=True), "read")


def coverage(scope: Scope, days: int, today: datetime.date | None = None) -> dict:
    """Buildings and venues (in the caller's grids) not visited on a patrol for `days` days."""
    today = today or timezone.localdate()
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time()))
    buildings = scope.filter(Building.objects.select_related("grid", "compound"), "read").annotate(  # str() names the compound
        last=Max("patrol_stops__at")).order_by("grid__code", "number")
    venues = scope.filter(Venue.objects.select_related("grid").defer("contact_phone"), "read").annotate(
        last=Max("patrol_stops__at")).order_by("grid__code", "name")
    b_all, v_all = list(buildings), list(venues)
    return {
        "buildings": [b for b in b_all if b.last is None or b.last < since],
        "venues": [v for v in v_all if v.last is None or v.last < since],
        "buildings_total": len(b_all), "venues_total": len(v_all),
    }


def activity(scope: Scope, start: datetime.date, end: datetime.date, by: str = "worker") -> list[dict]:
    """Day or week view: patrols and stops per worker (or per grid) per day in [start, end]."""
    # the local days as a range of instants (an index range on `at`, where at__date would cast every row), and only the
    # columns the table shows: no worker's or case's encrypted fields decrypted per stop
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    until = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))
    qs = scope.filter(PatrolStop.objects.filter(at__gte=since, at__lt=until))
    rows = {}
    for stop in qs.values("at", "patrol_id", "case_id", "grid_id", "grid__name", "patrol__worker_id", "patrol__worker__username",
                          "patrol__worker__person__name").order_by():
        k = stop["patrol__worker_id"] if by == "worker" else stop["grid_id"]
        label = (stop["patrol__worker__person__name"] or stop["patrol__worker__username"]) if by == "worker" else stop["grid__name"]
        row = rows.setdefault(k, {"label": label, "days": {}, "stops": 0, "patrols": set(), "hazards": 0, "cases": 0})
        day = timezone.localtime(stop["at"]).date()
        row["days"][day] = row["days"].get(day, 0) + 1
        row["stops"] += 1
        row["patrols"].add(stop["patrol_id"])
        row["cases"] += 1 if stop["case_id"] else 0
    # a hazard counts with the visit it was found on (in the row and period of that stop), whenever it was written down
    hazard_counts = dict(scope.filter(Hazard.objects.filter(stop__in=qs.values("pk")))
                         .values_list("stop__patrol__worker_id" if by == "worker" else "stop__grid_id").annotate(n=Count("id")))
    dates = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
    out = []
    for k, row in sorted(rows.items(), key=lambda kv: kv[1]["label"]):
        out.append({"label": row["label"], "per_day": [row["days"].get(d, 0) for d in dates], "stops": row["stops"],
                    "patrols": len(row["patrols"]), "hazards": hazard_counts.get(k, 0), "cases": row["cases"]})
    return out


def leader_ranking(community_id) -> list[dict]:
    """The community's building leaders by points (the SUM of their events), then name; equal points share a rank.
    done / missed count their list items done (at any time) and recorded as missed."""
    from .services import leaders

    today = timezone.localdate()
    people = {a.person_id: a for a in leaders(community_id, today).select_related("building__compound").defer(*_PERSON_SECRETS)}
    totals = dict(PointEvent.objects.filter(community_id=community_id).values_list("leader_id").annotate(t=Sum("points")))
    done = dict(DutyItem.objects.filter(community_id=community_id, done_at__isnull=False).values_list("leader_id").annotate(n=Count("id")))
    missed = dict(DutyItem.objects.filter(community_id=community_id, missed_at__isnull=False).values_list("leader_id").annotate(n=Count("id")))
    former = Person.objects.defer("id_number", "phone").in_bulk(set(totals) - set(people))  # leaders no longer in post (1 query)
    rows = []
    for pid in set(people) | set(totals):
        person = people[pid].person if pid in people else former[pid]
        building = people[pid].building if pid in people else None
        rows.append({"person": person, "building": building, "points": totals.get(pid, 0), "done": done.get(pid, 0), "missed": missed.get(pid, 0)})
    rows.sort(key=lambda r: (-r["points"], r["person"].name, r["person"].pk))
    for i, r in enumerate(rows, 1):  # equal points share a rank (1, 1, 3)
        r["rank"] = rows[i - 2]["rank"] if i > 1 and rows[i - 2]["points"] == r["points"] else i
    return rows


def rules_in_force(community_id, on: datetime.date | None = None):
    on = on or timezone.localdate()
    return (PointRule.objects.filter(community_id=community_id, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)).order_by("-points", "code"))


# ---------------------------------------------------------------- the workbench (linli/portal/workbench.py merges it)

COVERAGE_DAYS = 30  # a building or venue not visited on a patrol for this long is a gap
VISITS_AHEAD_DAYS = 7  # care visits due within the week
NOTICE_WARNING_DAYS = 3  # a notice whose deadline is this close is about to expire


def _end_of(day: datetime.date) -> datetime.datetime:
    """The last second of a local day: a thing due on a date is late only once the day is over."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _short(text: str, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n - 1] + "…"


def workbench(scope: Scope, now: datetime.datetime) -> list:
    """Grid work this person must do (tasks) and watch, in a fixed number of queries whatever the number of rows.

    - those who write grid work: care visits assigned to them due within the week or overdue; re-inspections due where they
      are the inspector
    - grid worker: rectification notices of their grids expiring within 3 days (watch); per grid, the buildings and venues
      not visited on a patrol for 30 days (watch)
    - building leader: their open duty-list items (三员 duties and tasks set by staff)
    - property company / department contact: rectification notices addressed to their organisation, not yet fixed
    - community staff and secretary: overdue visits escalated to the community, re-inspections reported overdue
    """
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from linli.core.work import TASK, WATCH, WorkItem

    account = scope.account
    if scope.is_anonymous or not getattr(account, "pk", None):
        return []
    today = timezone.localdate(now)
    items: list[WorkItem] = []

    def add(item: WorkItem) -> None:
        if item.key not in keys:
            keys.add(item.key)
            items.append(item)
    keys: set = set()

    writer = scope.can_write_anything(CareVisit)  # only those who write grid work are assigned visits or inspect
    # care visits assigned to the caller, due within the week or overdue (1 query)
    for v in [] if not writer else visit_list(scope).filter(assigned_to=account, done_at__isnull=True, due_on__lte=today + datetime.timedelta(days=VISITS_AHEAD_DAYS)):
        add(WorkItem(app="patrols", kind=TASK, what=_("Visit"), title=v.person.name, note=v.rule.name,
                     url=reverse("patrols:visit", args=[v.pk]), due=_end_of(v.due_on), key=f"visit:{v.pk}"))
    # re-inspections due where the caller is the inspector: due on the notice's deadline (1 query)
    for r in [] if not writer else reinspections_due(scope, today).filter(inspector=account):
        add(WorkItem(app="patrols", kind=TASK, what=_("Re-inspect"), title=f"{r.notice.number} · {r.notice.responsible_name}",
                     note=_short(r.notice.requirements), url=reverse("patrols:notice", args=[r.notice_id]),
                     due=_end_of(r.notice.deadline), key=f"reinspection:{r.pk}"))

    if scope.has_role(roles.GRID_WORKER) and not scope.everything:
        grids = [a.grid for a in scope.appointments if a.role == roles.GRID_WORKER and a.grid_id]
        grid_ids = [g.pk for g in grids]
        # notices of their grids about to expire, not fixed; on the deadline itself the re-inspection is the task (1 query)
        expiring = notices(scope).filter(Q(grid_id__in=grid_ids) | Q(grid__parent_id__in=grid_ids), status=RectificationNotice.Status.ISSUED,
                                         deadline__gte=today, deadline__lte=today + datetime.timedelta(days=NOTICE_WARNING_DAYS))
        for n in expiring.order_by("deadline", "id"):
            if getattr(n, "reinspection", None) is not None and f"reinspection:{n.reinspection.pk}" in keys:
                continue
            add(WorkItem(app="patrols", kind=WATCH, what=_("Notice expiring"), title=f"{n.number} · {n.responsible_name}",
                         note=_short(n.requirements), url=reverse("patrols:notice", args=[n.pk]), due=_end_of(n.deadline),
                         key=f"notice:{n.pk}:expiring"))
        # patrol coverage gaps, one item per grid of the worker (2 queries: the coverage read)
        cov = coverage(scope, COVERAGE_DAYS, today)
        url = reverse("patrols:coverage") + f"?days={COVERAGE_DAYS}"
        for g in grids:
            b = sum(1 for x in cov["buildings"] if g.pk in (x.grid_id, x.micro_grid_id))
            v = sum(1 for x in cov["venues"] if g.pk in (x.grid_id, x.grid.parent_id))
            if b or v:
                add(WorkItem(app="patrols", kind=WATCH, what=_("Patrol gap"), title=g.name, url=url, key=f"coverage:{g.pk}",
                             note=_("Not patrolled for %(d)d days: buildings %(b)d, venues %(v)d") % {"b": b, "v": v, "d": COVERAGE_DAYS}))

    if scope.has_role(roles.BUILDING_LEADER) and getattr(account, "person_id", None):
        # the leader's open list: monthly 三员 duties and tasks set by staff (1 query)
        for d in duty_items(scope).filter(leader_id=account.person_id, done_at__isnull=True, missed_at__isnull=True):
            add(WorkItem(app="patrols", kind=TASK, what=_("Assigned task") if d.source == DutyItem.Source.ASSIGNED else _("Duty"),
                         title=d.title, note=d.building.number, url=reverse("patrols:my_list"), due=_end_of(d.due_on), key=f"duty:{d.pk}"))

    org_ids = sorted({a.organization_id for a in scope.appointments
                      if a.role in (roles.PROPERTY_MANAGER, roles.DEPARTMENT_CONTACT) and a.organization_id})
    if org_ids:
        # notices addressed to the caller's organisation and not yet fixed (1 query); the addressee reads them (notice_for)
        for n in RectificationNotice.objects.filter(responsible_org_id__in=org_ids, status=RectificationNotice.Status.ISSUED):
            add(WorkItem(app="patrols", kind=TASK, what=_("Rectify"), title=n.number, note=_short(n.requirements),
                         url=reverse("patrols:notice", args=[n.pk]), due=_end_of(n.deadline), key=f"notice:{n.pk}:rectify"))

    staff_of = sorted({a.home_community_id for a in scope.appointments
                       if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.home_community_id})
    if staff_of:
        # overdue visits escalated to the community (1 query)
        for v in visit_list(scope).filter(community_id__in=staff_of, done_at__isnull=True, escalated_at__isnull=False):
            who = v.assigned_to.person.name if v.assigned_to_id and v.assigned_to.person_id else ""
            add(WorkItem(app="patrols", kind=TASK, what=_("Overdue visit"), title=v.person.name,
                         note=_("%(rule)s · assigned to %(who)s") % {"rule": v.rule.name, "who": who} if who else v.rule.name,
                         url=reverse("patrols:visit", args=[v.pk]), due=_end_of(v.due_on), key=f"visit:{v.pk}"))
        # re-inspections reported overdue to the community (1 query)
        late = scope.filter(Reinspection.objects.filter(notice__community_id__in=staff_of, done_at__isnull=True, overdue_reported_at__isnull=False)
                            .select_related("notice", "inspector__person"))
        for r in late:
            who = r.inspector.person.name if r.inspector_id and r.inspector.person_id else ""
            add(WorkItem(app="patrols", kind=TASK, what=_("Re-inspection overdue"), title=f"{r.notice.number} · {r.notice.responsible_name}",
                         note=_("inspector %(who)s") % {"who": who} if who else "", url=reverse("patrols:notice", args=[r.notice_id]),
                         due=_end_of(r.notice.deadline), key=f"reinspection:{r.pk}"))
    return items


def workbench_counts(scope: Scope, now: datetime.datetime) -> int:
    """The number of tasks `workbench` lists, counted in the database for the navigation's badge (no rows read, no coverage
    read): care visits (assigned to the caller within the week, or escalated to their community: one task per visit),
    re-inspections (due where they inspect, or reported overdue to their community), duty items, notices to rectify.
    At most 4 COUNT queries."""
    account = scope.account
    if scope.is_anonymous or not getattr(account, "pk", None):
        return 0
    today = timezone.localdate(now)
    writer = scope.can_write_anything(CareVisit)
    staff_of = sorted({a.home_community_id for a in scope.appointments
                       if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.home_community_id})
    n = 0
    if writer or staff_of:
        visits_q, reinspections_q = Q(pk__in=[]), Q(pk__in=[])
        if writer:
            visits_q |= Q(assigned_to=account, due_on__lte=today + datetime.timedelta(days=VISITS_AHEAD_DAYS))
            reinspections_q |= (Q(came_due_at__isnull=False) | Q(due_on__lte=today)) & Q(inspector=account)
        if staff_of:
            visits_q |= Q(community_id__in=staff_of, escalated_at__isnull=False)
            reinspections_q |= Q(notice__community_id__in=staff_of, overdue_reported_at__isnull=False)
        n += scope.filter(CareVisit.objects.filter(visits_q, done_at__isnull=True)).count()
        n += scope.filter(Reinspection.objects.filter(reinspections_q, done_at__isnull=True)).count()
    if scope.has_role(roles.BUILDING_LEADER) and getattr(account, "person_id", None):
        n += duty_items(scope).filter(leader_id=account.person_id, done_at__isnull=True, missed_at__isnull=True).count()
    org_ids = sorted({a.organization_id for a in scope.appointments
                      if a.role in (roles.PROPERTY_MANAGER, roles.DEPARTMENT_CONTACT) and a.organization_id})
    if org_ids:
        n += RectificationNotice.objects.filter(responsible_org_id__in=org_ids, status=RectificationNotice.Status.ISSUED).count()
    return n
