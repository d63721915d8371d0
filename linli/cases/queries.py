"""Reads of cases, always through the caller's scope.

Who sees a case:
- staff whose area holds it (the scope's people-domain areas, see CasesConfig.ready);
- its assignee, whoever entered it, its reporter and the reporters of cases merged into it;
- a department or property company that holds it, was summoned to it, or owns one of its meeting actions.

A reporter who sees a case only as its reporter reads the public part of the timeline.
"""

import math
import re

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core import roles
from linli.core.scrub import scrub
from linli.core.work import TASK, WATCH, WorkItem
from linli.people.scopes import Scope

from .models import Case, CaseEvent, Category, Rating, Summons, Tier

ORG_ROLES = (roles.DEPARTMENT_CONTACT, roles.PROPERTY_MANAGER)
DISPATCH_ROLES = (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY)
NEARBY_METRES = 300
SIMILARITY = 0.25


def _account_id(scope: Scope):
    return getattr(scope.account, "pk", None)


def org_ids(scope: Scope) -> set:
    """The departments / property companies the user speaks for."""
    return {a.organization_id for a in scope.appointments if a.role in ORG_ROLES and a.organization_id}


def _org_q(orgs) -> Q:
    if not orgs:
        return Q(pk__in=[])
    involved = (Summons.objects.filter(department_id__in=orgs).values("whistle__case_id"))
    # a department owning a resolution of the case's whistle meeting (linli.meetings, read through the reverse relation)
    owning = Case.objects.filter(meetings__actions__owner_org_id__in=orgs).values("pk")
    return Q(assignee_org_id__in=orgs) | Q(pk__in=involved) | Q(pk__in=owning)


def staff_q(scope: Scope) -> Q | None:
    """Cases the user sees as a handler (not as a reporter); None = all."""
    if scope.everything:
        return None
    q = scope.q(Case) or Q(pk__in=[])
    me = _account_id(scope)
    if me:
        q |= Q(assignee_id=me)
    return q | _org_q(org_ids(scope))


def visible_q(scope: Scope) -> Q | None:
    if scope.everything:
        return None
    me = _account_id(scope)
    q = staff_q(scope)
    if me:
        q |= Q(reporter_id=me) | Q(entered_by_id=me) | Q(pk__in=Case.objects.filter(merged_cases__reporter_id=me).values("pk"))
    return q


def _base():
    return Case.objects.select_related("category", "category__parent", "grid", "community", "assignee__person", "assignee_org",
                                       "building", "dwelling")


def visible(scope: Scope):
    if scope.is_anonymous:
        return Case.objects.none()
    q = visible_q(scope)
    return _base() if q is None else _base().filter(q)


def cases(scope: Scope, filters: dict | None = None):
    """The cases the user may see, filtered: state, category (code or group code), tier, grid, source, q (text), mine."""
    qs = visible(scope)
    f = filters or {}
    if f.get("state") == "open":
        qs = qs.filter(state__in=Case.OPEN_STATES)
    elif f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("category"):
        qs = qs.filter(Q(category__code=f["category"]) | Q(category__parent__code=f["category"]))
    if f.get("tier"):
        qs = qs.filter(tier=f["tier"])
    if f.get("grid"):
        qs = qs.filter(Q(grid_id=f["grid"]) | Q(micro_grid_id=f["grid"]))
    if f.get("source"):
        qs = qs.filter(source=f["source"])
    if f.get("q"):
        text = f["q"].strip()
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(description__icontains=text))
    if f.get("overdue"):
        qs = qs.filter(overdue=True)
    return qs


def case(scope: Scope, pk) -> Case:
    """One case the user may see; 404 alike for a missing id and one outside the scope."""
    try:
        return visible(scope).get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case")


def sees_as_handler(scope: Scope, c: Case) -> bool:
    q = staff_q(scope)
    return q is None or Case.objects.filter(q, pk=c.pk).exists()


def timeline(scope: Scope, c: Case):
    """The case's events: all for handlers; the public ones for a reporter."""
    events = CaseEvent.objects.filter(case=c).select_related("actor__person", "assignee__person", "assignee_org").prefetch_related("photos")
    if not sees_as_handler(scope, c):
        events = events.filter(public=True)
    return events.order_by("at", "id")


def is_dispatcher(scope: Scope, c: Case) -> bool:
    return scope.everything or any(
        (a.role in DISPATCH_ROLES and a.community_id == c.community_id)
        or (a.role == roles.SUBDISTRICT_STAFF and a.subdistrict_id == c.subdistrict_id)
        for a in scope.appointments
    )


def my_queue(scope: Scope):
    """Open cases I may act on: assigned to me, at my tier in my area, or awaiting my department."""
    if scope.is_anonymous:
        return Case.objects.none()
    open_cases = _base().filter(state__in=Case.OPEN_STATES)
    if scope.everything:
        return open_cases
    me = _account_id(scope)
    q = Q(assignee_id=me)
    for a in scope.appointments:
        if a.role == roles.BUILDING_LEADER and a.building_id:
            q |= Q(tier=Tier.BUILDING, building_id=a.building_id)
        elif a.role == roles.GRID_WORKER and a.grid_id:
            q |= Q(tier__in=[Tier.BUILDING, Tier.GRID]) & (Q(grid_id=a.grid_id) | Q(micro_grid_id=a.grid_id))
        elif a.role in DISPATCH_ROLES and a.community_id:
            q |= Q(tier=Tier.COMMUNITY, community_id=a.community_id) | Q(state=Case.State.WHISTLED, community_id=a.community_id)
        elif a.role == roles.SUBDISTRICT_STAFF and a.subdistrict_id:
            q |= Q(tier=Tier.SUBDISTRICT, subdistrict_id=a.subdistrict_id)
    orgs = org_ids(scope)
    if orgs:
        waiting = Summons.objects.filter(department_id__in=orgs, status=Summons.Status.WAITING).values("whistle__case_id")
        owning = Case.objects.filter(meetings__actions__owner_org_id__in=orgs, meetings__actions__status="open").values("pk")
        q |= Q(assignee_org_id__in=orgs) | Q(pk__in=waiting) | Q(pk__in=owning)
    return open_cases.filter(q)


def triage_queue(scope: Scope):
    """Cases awaiting a category in the communities the user dispatches for."""
    qs = _base().filter(state=Case.State.TRIAGE)
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    for a in scope.appointments:
        if a.role in DISPATCH_ROLES and a.community_id:
            q |= Q(community_id=a.community_id)
        elif a.role == roles.SUBDISTRICT_STAFF and a.subdistrict_id:
            q |= Q(subdistrict_id=a.subdistrict_id)
    return qs.filter(q)


def may_dispatch_anywhere(scope: Scope) -> bool:
    return scope.everything or scope.has_role(*DISPATCH_ROLES, roles.SUBDISTRICT_STAFF)


# ---------------------------------------------------------------- duplicates

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set:
    t = _PUNCT.sub("", (text or "").lower())
    if len(t) < 2:
        return {t} if t else set()
    return {t[i:i + 2] for i in range(len(t) - 1)}


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def distance_m(lat1, lng1, lat2, lng2) -> float:
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def similar_open_cases(description: str, lat=None, lng=None, community=None, exclude=None, limit: int = 5) -> list[tuple]:
    """Open cases within 300 m with similar text: [(case, similarity, metres or None)], best first."""
    if not (description or "").strip():
        return []
    qs = Case.objects.filter(state__in=Case.OPEN_STATES, parent__isnull=True).select_related("category")
    if community is not None:
        qs = qs.filter(community=community)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    have_point = lat is not None and lng is not None
    if have_point:
        lat, lng = float(lat), float(lng)
        dlat = NEARBY_METRES / 111_000
        dlng = NEARBY_METRES / (111_000 * max(math.cos(math.radians(lat)), 0.01))
        qs = qs.filter(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
    elif community is None:
        return []
    found = []
    for c in qs.order_by("-created_at")[:500]:
        metres = None
        if have_point:
            if c.lat is None or c.lng is None:
                continue
            metres = distance_m(lat, lng, c.lat, c.lng)
            if metres > NEARBY_METRES:
                continue
        score = similarity(description, c.description)
        if score >= SIMILARITY:
            found.append((c, score, metres))
    found.sort(key=lambda t: (-t[1], t[2] or 0))
    return found[:limit]


# ---------------------------------------------------------------- public board (公示)

def reporter_names(c: Case) -> list[str]:
    """The names the reporter goes by on this case (masked by the scrubber wherever the text goes public)."""
    names = [c.reporter_name] if c.reporter_name else []
    if c.reporter_person_id and c.reporter_person.name:
        names.append(c.reporter_person.name)
    return names


def public_text(c: Case, text: str) -> str:
    """A case's free text as it may leave the case's scope (board, Open311 reads, reports shown to other
    organisations, webhooks): phones, ID numbers, bank cards, e-mails and the reporter's name masked."""
    return scrub(text, names=reporter_names(c))


def _public_row(c: Case) -> dict:
    public = bool(c.category_id and c.category.outcomes_public)
    return {
        "number": c.number,
        "category": c.category.name if c.category_id else "",
        "group": c.category.parent.name if c.category_id and c.category.parent_id else "",
        "state": c.state,
        "state_label": c.get_state_display(),
        "reported_on": c.created_at.date(),
        "resolved_on": c.resolved_at.date() if c.resolved_at else None,
        "grid": c.grid.name if c.grid_id else "",
        "lat": round(c.lat, 3) if c.lat is not None else None,
        "lng": round(c.lng, 3) if c.lng is not None else None,
        "description": public_text(c, c.description) if public else "",
        "result": public_text(c, c.result) if public and c.state in (Case.State.RESOLVED, Case.State.CLOSED) else "",
        "verdict": c.get_verdict_display() if public and c.verdict else "",
        "public": public,
    }


def public_board(community, limit: int = 200) -> list[dict]:
    """Anonymised rows: no names, phones, dwellings or rooms; coordinates to 3 decimals (about 100 m)."""
    return [_public_row(c) for c in public_board_cases(community)[:limit]]


def public_board_cases(community, filters: dict | None = None):
    """The board's cases, newest first, filtered by category (a leaf or a group code) and state ("open" = any open
    state); rows are made public by public_row, one page at a time."""
    f = filters or {}
    qs = (Case.objects.filter(community=community).exclude(state=Case.State.MERGED)
          .select_related("category", "category__parent", "grid", "reporter_person").order_by("-created_at", "-id"))
    if f.get("category"):
        qs = qs.filter(Q(category__code=f["category"]) | Q(category__parent__code=f["category"]))
    if f.get("state") == "open":
        qs = qs.filter(state__in=Case.OPEN_STATES)
    elif f.get("state"):
        qs = qs.filter(state=f["state"])
    return qs


public_row = _public_row


def categories():
    return Category.objects.filter(active=True, parent__isnull=False).select_related("parent").order_by("parent__order", "parent__code", "order", "code")


# ---------------------------------------------------------------- the workbench (linli/portal/workbench.py merges it)

def _overdue_q(now) -> Q:
    """Open and late: flagged at the top tier, or a deadline passed that the sweep has not escalated yet."""
    return (Q(overdue=True) | Q(state=Case.State.ASSIGNED, response_due__lt=now)
            | Q(state__in=[Case.State.ACCEPTED, Case.State.WHISTLED], handling_due__lt=now))


_WB_FIELDS = ("pk", "number", "title", "state", "tier", "assignee_id", "assignee_org_id", "building_id", "community_id",
              "response_due", "handling_due", "rating_due", "overdue", "rework_count")


def _case_item(kind, row, step, what, due, note="", key=""):
    return WorkItem(app="cases", kind=kind, what=str(what), title=f"{row['number']} {row['title']}",
                    url=reverse("cases:case", args=[row["pk"]]), due=due, note=str(note),
                    key=key or f"case:{row['pk']}:{step}")


def _waits_for(row) -> tuple:
    """(step, label, deadline) of an open case, as its reporter sees it."""
    if row["state"] == Case.State.TRIAGE:
        return "triage", _("Waiting to be assigned"), None
    if row["state"] == Case.State.ASSIGNED:
        return "respond", _("Waiting for a response"), row["response_due"]
    if row["state"] == Case.State.WHISTLED:
        return "whistled", _("Departments summoned"), row["handling_due"]
    return "handle", _("Waiting to be handled"), row["handling_due"]


def workbench(scope: Scope, now) -> list:
    """What this person must do on cases (tasks) and what they watch (see linli/portal/workbench.py).

    Tasks: cases assigned to me or my organisation waiting for a response (response_due) or for handling (handling_due);
    building-tier cases of my building that are mine; the triage queue of the communities I dispatch for; my
    department's summonses to report in (report_in_due); my resolved cases waiting for my rating (rating_due).
    Watch: my own open cases and what each waits for; building-tier cases of my building held by someone else; for
    community staff the community's overdue and escalated cases; for subdistrict staff the escalations to the
    subdistrict and one line per community with its number of overdue cases.
    At most 7 queries, whatever the number of rows."""
    if scope.is_anonymous:
        return []
    me = _account_id(scope)
    orgs = sorted(org_ids(scope))
    seen = visible_q(scope)
    in_scope = (lambda qs: qs) if seen is None else (lambda qs: qs.filter(seen))
    leader_buildings = sorted({a.building_id for a in scope.appointments if a.role == roles.BUILDING_LEADER and a.building_id})
    dispatch = sorted({a.community_id for a in scope.appointments if a.role in DISPATCH_ROLES and a.community_id})
    subdistricts = sorted({a.subdistrict_id for a in scope.appointments if a.role == roles.SUBDISTRICT_STAFF and a.subdistrict_id})
    items, tasked = [], set()

    # 1. cases I (or my organisation) hold, and the building-tier cases of my building
    mine = Q(assignee_id=me) if me else Q(pk__in=[])
    if orgs:
        mine |= Q(assignee_org_id__in=orgs)
    held = mine | (Q(tier=Tier.BUILDING, building_id__in=leader_buildings) if leader_buildings else Q(pk__in=[]))
    working = [Case.State.ASSIGNED, Case.State.ACCEPTED, Case.State.WHISTLED]
    for row in in_scope(Case.objects.filter(held, state__in=working)).values(*_WB_FIELDS).order_by():
        step, _label, due = _waits_for(row)
        if (me and row["assignee_id"] == me) or row["assignee_org_id"] in orgs:
            what = _("Respond") if step == "respond" else _("Handle")
            items.append(_case_item(TASK, row, step, what, due))
            tasked.add(row["pk"])
        else:  # a building-tier case of my building someone else holds
            items.append(_case_item(WATCH, row, "building", _("Building case"), due, note=_label))

    # 2. the triage queue of the communities I dispatch for
    if dispatch:
        for row in triage_queue(scope).filter(community_id__in=dispatch).values(*_WB_FIELDS).order_by():
            items.append(_case_item(TASK, row, "triage", _("Categorise and assign"), None))
            tasked.add(row["pk"])

    # 3. my department's summonses to report in
    if orgs:
        for s in (Summons.objects.filter(department_id__in=orgs, status=Summons.Status.WAITING,
                                         whistle__case__state__in=Case.OPEN_STATES)
                  .values("pk", "department__name", "whistle__report_in_due", "whistle__case_id", "whistle__case__number",
                          "whistle__case__title").order_by()):
            row = {"pk": s["whistle__case_id"], "number": s["whistle__case__number"], "title": s["whistle__case__title"]}
            items.append(_case_item(TASK, row, "report_in", _("Report in"), s["whistle__report_in_due"],
                                    note=s["department__name"], key=f"case:{row['pk']}:report_in:{s['pk']}"))

    # 4. my own cases as their reporter: a verdict to give, or what each waits for
    if me:
        rated = Rating.objects.filter(case=OuterRef("pk"), account_id=me, round=OuterRef("rework_count"))
        reported = Q(reporter_id=me) | Q(pk__in=Case.objects.filter(merged_cases__reporter_id=me).values("pk"))
        for row in (Case.objects.filter(reported, state__in=[*Case.OPEN_STATES, Case.State.RESOLVED])
                    .annotate(rated=Exists(rated)).values(*_WB_FIELDS, "rated").order_by()):
            if row["state"] == Case.State.RESOLVED:
                if not row["rated"]:
                    items.append(_case_item(TASK, row, "rate", _("Rate the result"), row["rating_due"]))
            elif row["pk"] not in tasked:
                step, label, due = _waits_for(row)
                items.append(_case_item(WATCH, row, "mine", _("My case"), due, note=label))
                tasked.add(row["pk"])

    # 5. community staff: the community's overdue and escalated cases
    if dispatch:
        escalated = CaseEvent.objects.filter(action=CaseEvent.Action.ESCALATE).values("case_id")
        for row in (Case.objects.filter(community_id__in=dispatch, state__in=Case.OPEN_STATES)
                    .filter(_overdue_q(now) | Q(tier=Tier.SUBDISTRICT) | Q(pk__in=escalated))
                    .values(*_WB_FIELDS).order_by()):
            if row["pk"] in tasked:
                continue
            step, label, due = _waits_for(row)
            what = _("Overdue") if row["overdue"] or (due is not None and due < now) else _("Escalated")
            items.append(_case_item(WATCH, row, "watch", what, due, note=label))
            tasked.add(row["pk"])

    # 6. subdistrict staff: escalations to the subdistrict, and overdue cases counted by community
    if subdistricts:
        for row in (Case.objects.filter(subdistrict_id__in=subdistricts, tier=Tier.SUBDISTRICT, state__in=Case.OPEN_STATES)
                    .values(*_WB_FIELDS).order_by()):
            if row["pk"] in tasked:
                continue
            step, label, due = _waits_for(row)
            items.append(_case_item(WATCH, row, "watch", _("Escalated to the subdistrict"), due, note=label))
        overdue_list = reverse("cases:list") + "?state=open"
        for row in (Case.objects.filter(subdistrict_id__in=subdistricts, state__in=Case.OPEN_STATES).filter(_overdue_q(now))
                    .values("community_id", "community__name").annotate(n=Count("pk")).order_by("community__name")):
            items.append(WorkItem(app="cases", kind=WATCH, what=_("Overdue cases"),
                                  title=_("%(community)s: %(n)d overdue") % {"community": row["community__name"], "n": row["n"]},
                                  url=overdue_list, key=f"community:{row['community_id']}:overdue"))
    return items


def workbench_counts(scope: Scope, now) -> int:
    """The number of tasks `workbench` lists (respond or handle, triage, report in, rate), counted in the database for
    the navigation's badge: at most 4 COUNT queries, no rows read."""
    if scope.is_anonymous:
        return 0
    me = _account_id(scope)
    orgs = sorted(org_ids(scope))
    seen = visible_q(scope)
    dispatch = sorted({a.community_id for a in scope.appointments if a.role in DISPATCH_ROLES and a.community_id})
    n = 0
    if me or orgs:  # 1. cases I or my organisation hold, waiting for a response or for handling
        mine = (Q(assignee_id=me) if me else Q(pk__in=[])) | (Q(assignee_org_id__in=orgs) if orgs else Q(pk__in=[]))
        held = Case.objects.filter(mine, state__in=[Case.State.ASSIGNED, Case.State.ACCEPTED, Case.State.WHISTLED])
        n += (held if seen is None else held.filter(seen)).count()
    if dispatch:  # 2. the triage queue
        n += triage_queue(scope).filter(community_id__in=dispatch).count()
    if orgs:  # 3. summonses to report in
        n += Summons.objects.filter(department_id__in=orgs, status=Summons.Status.WAITING, whistle__case__state__in=Case.OPEN_STATES).count()
    if me:  # 4. my resolved cases waiting for my verdict
        rated = Rating.objects.filter(case=OuterRef("pk"), account_id=me, round=OuterRef("rework_count"))
        reported = Q(reporter_id=me) | Q(pk__in=Case.objects.filter(merged_cases__reporter_id=me).values("pk"))
        n += Case.objects.filter(reported, state=Case.State.RESOLVED).exclude(Exists(rated)).count()
    return n
