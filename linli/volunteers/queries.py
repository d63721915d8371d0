"""Reads, filtered by the caller's scope where they are not the caller's own records."""

import datetime
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.people.scopes import Scope

from .models import Activity, LedgerAccount, MenuItem, PlanItem, Posting, Redemption, ServiceRecord, SignUp, TargetGroup, Team, Volunteer, Wish

# The measures the rankings can be ordered by, each with the rule shown next to them. Only service certified by the
# organiser within the period counts; every tie is broken by the next measures named, then by who registered first.
MEASURES = {
    "score": (_("Composite score"),
              _("Score = hours served + 2 × number of services + 5 × average performance rating (1–5); only hours certified by the "
                "organiser within the period count. Ties: more hours first, then more services, then who registered first.")),
    "hours": (_("Hours served"),
              _("Ranked by the hours served, as certified by the organiser within the period. Ties: more services first, then the "
                "higher average rating, then who registered first.")),
    "frequency": (_("Frequency"),
                  _("Ranked by the number of services certified by the organiser within the period. Ties: more hours first, then the "
                    "higher average rating, then who registered first.")),
    "rating": (_("Performance rating"),
               _("Ranked by the average performance rating (1–5) the organiser gave within the period; services without a rating "
                 "do not count towards it, and volunteers never rated come last. Ties: more services first, then more hours, then "
                 "who registered first.")),
}
RULE = MEASURES["score"][1]


def pending(scope: Scope, community):
    return scope.filter(Volunteer.objects.filter(community=community, status=Volunteer.Status.PENDING), "write").select_related("person")


def volunteers(scope: Scope, community):
    return scope.filter(Volunteer.objects.filter(community=community), "read").select_related("person", "party_org", "organization")


def party_counts(community) -> list[dict]:
    """Approved party-member volunteers counted by party organisation (党员志愿服务注册)."""
    return list(Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED, party_member=True)
                .values("party_org__name").annotate(n=Count("id")).order_by("-n", "party_org__name"))


def _co_organised_ids(scope: Scope):
    """The ids of the activities an organisation the caller speaks for co-organises: organisations of the scope's current
    appointments, and those the caller is registered as an approved volunteer through. None for an anonymous caller."""
    person = getattr(scope.account, "person", None) if not scope.is_anonymous else None
    if person is None:
        return None
    orgs = {a.organization_id for a in scope.appointments if a.organization_id}
    orgs.update(Volunteer.objects.filter(person=person, organization__isnull=False, status=Volunteer.Status.APPROVED)
                .values_list("organization_id", flat=True))
    return Activity.organisers.through.objects.filter(organization_id__in=orgs).values("activity_id") if orgs else None


def visible_activities(scope: Scope):
    """Activities the caller may open: those of communities they read (staff), live in or volunteer in, and those an
    organisation they belong to co-organises."""
    if scope.everything:
        return Activity.objects.all()
    q = scope.q(Activity, "read")
    person = getattr(scope.account, "person", None) if not scope.is_anonymous else None
    if person is not None:
        if person.community_id:
            q |= Q(community_id=person.community_id)
        q |= Q(community_id__in=Volunteer.objects.filter(person=person).values("community_id"))
        co_organised_ids = _co_organised_ids(scope)
        if co_organised_ids is not None:
            q |= Q(pk__in=co_organised_ids)
    return Activity.objects.filter(q)


def co_organised(scope: Scope, *, days_back: int = 1):
    """Coming activities that an organisation the caller belongs to co-organises (for their home page)."""
    ids = _co_organised_ids(scope)
    if ids is None:
        return Activity.objects.none()
    since = timezone.now() - datetime.timedelta(days=days_back)
    return Activity.objects.filter(cancelled=False, ends_at__gte=since, pk__in=ids).select_related("community")


def service_menu(community):
    """The community's active service menu (点单式服务), by target group and title; public (no personal data)."""
    return MenuItem.objects.filter(community=community, active=True)


def upcoming(community, *, days_back: int = 1):
    since = timezone.now() - datetime.timedelta(days=days_back)
    return (Activity.objects.filter(community=community, cancelled=False, ends_at__gte=since)
            .annotate(taken=Count("signups", filter=Q(signups__status=SignUp.Status.CONFIRMED)),
                      waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITLISTED))))


def attendance(activity) -> dict:
    qs = SignUp.objects.filter(activity=activity, status=SignUp.Status.CONFIRMED)
    return {"confirmed": qs.count(), "checked_in": qs.filter(checked_in_at__isnull=False).count()}


def plan(community, year: int) -> dict:
    now = timezone.now()
    items = list(PlanItem.objects.filter(community=community, year=year).select_related("activity"))
    for item in items:
        item.done = bool(item.activity_id and not item.activity.cancelled and item.activity.ends_at <= now)
    return {"items": items, "planned": len(items), "done": sum(1 for i in items if i.done)}


def postings_of(account):
    return (Posting.objects.filter(Q(from_account=account) | Q(to_account=account))
            .select_related("from_account", "to_account").order_by("-at", "-id"))


def hours_of(volunteer) -> float:
    minutes = ServiceRecord.objects.filter(volunteer=volunteer, certified_at__isnull=False).aggregate(m=Sum("minutes"))["m"] or 0
    return round(minutes / 60, 1)


def ranking(community, start: datetime.date, end: datetime.date, measure: str = "score") -> list:
    """Volunteers ranked by `measure` (see MEASURES) over certified service in [start, end].

    Sorting uses exact values (minutes, Fraction ratings), never the rounded figures shown; the last key is the
    volunteer's id, so the order is the same whichever way the rows come from the database."""
    if measure not in MEASURES:
        raise ValidationError({"measure": _("Rank by: one of %(choices)s.") % {"choices": " / ".join(str(label) for label, _rule in MEASURES.values())}})
    rows = (ServiceRecord.objects.filter(community=community, certified_at__isnull=False,
                                         certified_at__date__gte=start, certified_at__date__lte=end)
            .values("volunteer").annotate(minutes=Sum("minutes"), services=Count("id"), rated=Count("rating"), rating_sum=Sum("rating"))
            .order_by("volunteer"))
    by_id = {v.pk: v for v in Volunteer.objects.filter(pk__in=[r["volunteer"] for r in rows]).select_related("person")}
    out = []
    for r in rows:
        minutes, services = r["minutes"] or 0, r["services"]
        rating = Fraction(r["rating_sum"], r["rated"]) if r["rated"] else None
        score = Fraction(minutes, 60) + 2 * services + 5 * (rating or 0)
        out.append({"volunteer": by_id[r["volunteer"]], "hours": round(minutes / 60, 1), "services": services,
                    "rating": round(float(rating), 1) if rating is not None else None, "score": round(float(score), 1),
                    "_minutes": minutes, "_rating": rating, "_score": score})
    rated = lambda r: r["_rating"] is not None  # noqa: E731
    keys = {
        "score": lambda r: (-r["_score"], -r["_minutes"], -r["services"], r["volunteer"].pk),
        "hours": lambda r: (-r["_minutes"], -r["services"], -(r["_rating"] or 0), r["volunteer"].pk),
        "frequency": lambda r: (-r["services"], -r["_minutes"], -(r["_rating"] or 0), r["volunteer"].pk),
        "rating": lambda r: (not rated(r), -(r["_rating"] or 0), -r["services"], -r["_minutes"], r["volunteer"].pk),
    }
    out.sort(key=keys[measure])
    for i, r in enumerate(out, 1):
        r["rank"] = i
    return out


def day_redemptions(community, day: datetime.date):
    return (Redemption.objects.filter(community=community, at__date=day).select_related("volunteer__person", "item")
            .order_by("-at"))


POSTINGS_PAGE = 50  # a points book's postings a page (the whole book is the PDF)
IN_NEED_SHOWN = 300  # the 'for a resident' list names at most this many (a select, not a register)


def residents_in_need(scope: Scope, community):
    """For grid workers and staff posting a wish for someone: residents they may write with a care tag or aged 60+."""
    from linli.people.models import Person

    if not scope.can_write_anything(Person):
        return Person.objects.none()
    old = timezone.localdate().replace(year=timezone.localdate().year - 60)
    qs = Person.objects.filter(community=community, status=Person.Status.LIVING_HERE).filter(Q(tags__isnull=False) | Q(birth_date__lte=old))
    return scope.filter(qs, "write").distinct().order_by("name", "pk").select_related("dwelling__building__compound", "dwelling__entrance")


def residents_in_need_choices(in_need) -> list:
    """The first IN_NEED_SHOWN of `residents_in_need` for the page's select: one query, the LIMIT in SQL, and none of
    the encrypted fields (ID number, phone) read or decrypted, since the select shows a name and a dwelling."""
    return list(in_need.defer("id_number", "phone")[:IN_NEED_SHOWN])


def open_wishes(community):
    return Wish.objects.filter(community=community, status=Wish.Status.OPEN).select_related("person")


def public_teams(community):
    return (Team.objects.filter(community=community)
            .annotate(members=Count("memberships", filter=Q(memberships__until__isnull=True))))


def register_rows(community) -> list[list]:
    """The volunteer register (志愿者台账): one row per volunteer with hours, services, balance and registry data."""
    records = {r["volunteer"]: r for r in ServiceRecord.objects.filter(community=community, certified_at__isnull=False)
               .values("volunteer").annotate(minutes=Sum("minutes"), services=Count("id"))}
    balances = dict(LedgerAccount.objects.filter(community=community, kind=LedgerAccount.Kind.VOLUNTEER).values_list("volunteer_id", "balance"))
    rows = []
    for v in Volunteer.objects.filter(community=community).select_related("person", "party_org", "organization").order_by("status", "person__name"):
        r = records.get(v.pk, {})
        rows.append([v.person.name, str(v.get_status_display()), v.skills, v.availability,
                     "、".join(str(TargetGroup(g).label) for g in v.target_groups if g in TargetGroup.values),
                     v.party_org.name if v.party_member and v.party_org else "", v.organization.name if v.organization else "",
                     round((r.get("minutes") or 0) / 60, 1), r.get("services") or 0, balances.get(v.pk, 0),
                     timezone.localtime(v.applied_at).date()])
    return rows


# ---------------------------------------------------------------- the workbench (linli/portal/workbench.py merges it)

ORGANISE_AHEAD_DAYS = 7  # activities a person organises, shown a week ahead
SIGNUP_AHEAD_DAYS = 14  # activities a person signed up for, shown a fortnight ahead


def _organised_q(scope, me):
    """The activities the caller organises (a team they lead; a team lead also those they created or that their
    organisation runs or co-organises, where they may write), and the scope's write filter of activities."""
    from linli.core import roles

    organised = Q(team__lead__person=me)
    write = scope.q(Activity, "write")
    if scope.has_role(roles.VOLUNTEER_TEAM_LEAD):
        lead_orgs = sorted({a.organization_id for a in scope.appointments if a.role == roles.VOLUNTEER_TEAM_LEAD and a.organization_id})
        as_lead = Q(created_by=scope.account) | Q(team__organization_id__in=lead_orgs) | Q(organisers__id__in=lead_orgs)
        organised |= as_lead if write is None else as_lead & write
    return organised, write


def workbench(scope: Scope, now: datetime.datetime) -> list:
    """Volunteer work this person must do (tasks) and watch, in a fixed number of queries whatever the number of rows.

    - community staff and secretary, per community: registrations waiting for approval, service hours waiting to be
      certified, shop reservations to hand out (one task each, with the count)
    - whoever organises an activity in the next 7 days (leads its team; a team lead also: created it, or speaks for its team's
      or a co-organising organisation): the activity (task, due at its start); team leads: per activity, the hours to certify
    - anyone: activities they signed up for in the next 14 days (watch), their own open micro-wishes (watch) and the wishes
      they claimed and must fulfil (task)
    """
    from django.db.models import Min
    from django.urls import reverse
    from django.utils.translation import gettext, ngettext

    from linli.core import roles
    from linli.core.work import TASK, WATCH, WorkItem

    from .services.shop import RESERVATION_DAYS

    account = scope.account
    me = getattr(account, "person", None) if not scope.is_anonymous and getattr(account, "pk", None) else None
    if me is None:
        return []
    items: list[WorkItem] = []

    staff_of = sorted({a.home_community_id for a in scope.appointments
                       if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.home_community_id})
    if staff_of:
        def link(name, cid):
            return reverse(name) + f"?community={cid}"
        # registrations waiting (1 query)
        for row in (scope.filter(Volunteer.objects.filter(community_id__in=staff_of, status=Volunteer.Status.PENDING), "write")
                    .values("community_id", "community__name").annotate(n=Count("id")).order_by("community_id")):
            items.append(WorkItem(app="volunteers", kind=TASK, what=gettext("To approve"), note=row["community__name"],
                                  title=ngettext("%(n)d volunteer registration awaiting approval",
                                                 "%(n)d volunteer registrations awaiting approval", row["n"]) % {"n": row["n"]},
                                  url=link("volunteers:approvals", row["community_id"]), key=f"approvals:{row['community_id']}"))
        # service hours waiting to be certified (1 query): one activity → its page, only service-menu tasks → the menu
        waiting: dict = {}
        for row in (ServiceRecord.objects.filter(community_id__in=staff_of, certified_at__isnull=True)
                    .values("community_id", "community__name", "activity_id").annotate(n=Count("id")).order_by("community_id", "activity_id")):
            w = waiting.setdefault(row["community_id"], {"name": row["community__name"], "n": 0, "activities": set()})
            w["n"] += row["n"]
            w["activities"].add(row["activity_id"])
        for cid, w in waiting.items():
            if w["activities"] == {None}:
                url = link("volunteers:menu", cid)
            elif len(w["activities"]) == 1:
                url = reverse("volunteers:activity", args=[next(iter(w["activities"]))])
            else:
                url = link("volunteers:activities", cid)
            items.append(WorkItem(app="volunteers", kind=TASK, what=gettext("To certify"), note=w["name"], url=url, key=f"certify:{cid}",
                                  title=ngettext("%(n)d service record awaiting certification",
                                                 "%(n)d service records awaiting certification", w["n"]) % {"n": w["n"]}))
        # reservations to hand out (1 query): due when the oldest one would expire
        for row in (Redemption.objects.filter(community_id__in=staff_of, status=Redemption.Status.RESERVED)
                    .values("community_id", "community__name").annotate(n=Count("id"), oldest=Min("at")).order_by("community_id")):
            items.append(WorkItem(app="volunteers", kind=TASK, what=gettext("To hand out"), note=row["community__name"],
                                  title=ngettext("%(n)d shop reservation to hand out", "%(n)d shop reservations to hand out",
                                                 row["n"]) % {"n": row["n"]},
                                  url=link("volunteers:counter", row["community_id"]),
                                  due=row["oldest"] + datetime.timedelta(days=RESERVATION_DAYS), key=f"reservations:{row['community_id']}"))

    # what the caller organises: the activities of a team they lead (as its lead volunteer: a building leader, a resident…);
    # a team lead also those they created or that their organisation runs or co-organises, where they act (may_certify_activity)
    organised, write = _organised_q(scope, me)
    soon = now + datetime.timedelta(days=ORGANISE_AHEAD_DAYS)
    # activities they organise in the next 7 days (1 query, plus 1 for the organisations the caller volunteers through)
    for a in (visible_activities(scope).filter(organised, cancelled=False, starts_at__gte=now, starts_at__lt=soon)
              .distinct().order_by("starts_at", "id")):
        items.append(WorkItem(app="volunteers", kind=TASK, what=gettext("Organise"), title=a.title, note=a.place, due=a.starts_at,
                              url=reverse("volunteers:activity", args=[a.pk]), key=f"activity:{a.pk}:organise"))
    if scope.has_role(roles.VOLUNTEER_TEAM_LEAD):
        # hours to certify for the activities a team lead may certify (may_certify_activity), outside their own community's
        # staff work, which the staff item above counts (1 query)
        mine = Activity.objects.filter(organised if write is None else organised & write).exclude(community_id__in=staff_of)
        for row in (ServiceRecord.objects.filter(certified_at__isnull=True, activity__in=mine.values("pk"))
                    .values("activity_id", "activity__title").annotate(n=Count("id")).order_by("activity_id")):
            items.append(WorkItem(app="volunteers", kind=TASK, what=gettext("To certify"), title=row["activity__title"],
                                  note=ngettext("%(n)d service record awaiting certification",
                                                "%(n)d service records awaiting certification", row["n"]) % {"n": row["n"]},
                                  url=reverse("volunteers:activity", args=[row["activity_id"]]), key=f"certify:activity:{row['activity_id']}"))

    # activities signed up for in the next 14 days, until they end (1 query)
    for s in (SignUp.objects.filter(person=me, status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED], activity__cancelled=False,
                                    activity__ends_at__gt=now, activity__starts_at__lt=now + datetime.timedelta(days=SIGNUP_AHEAD_DAYS))
              .select_related("activity").order_by("activity__starts_at", "id")):
        items.append(WorkItem(app="volunteers", kind=WATCH,
                              what=gettext("Signed up") if s.status == SignUp.Status.CONFIRMED else str(SignUp.Status.WAITLISTED.label),
                              title=s.activity.title, note=s.activity.place, due=s.activity.starts_at,
                              url=reverse("volunteers:activity", args=[s.activity_id]), key=f"signup:{s.pk}"))
    # micro-wishes: their own, not yet fulfilled (watch); those they claimed and must fulfil (task) (1 query)
    for w in Wish.objects.filter(Q(person=me, status__in=[Wish.Status.OPEN, Wish.Status.CLAIMED])
                                 | Q(claimed_by__person=me, status=Wish.Status.CLAIMED)).select_related("claimed_by").order_by("created_at", "id"):
        url = reverse("volunteers:wish", args=[w.pk])
        if w.person_id == me.pk:
            items.append(WorkItem(app="volunteers", kind=WATCH, what=gettext("My wish"), title=w.text, note=str(w.get_status_display()),
                                  url=url, key=f"wish:{w.pk}"))
        if w.status == Wish.Status.CLAIMED and w.claimed_by_id and w.claimed_by.person_id == me.pk:
            items.append(WorkItem(app="volunteers", kind=TASK, what=gettext("To fulfil"), title=w.text, url=url, key=f"wish:{w.pk}:fulfil"))
    return items


def workbench_counts(scope: Scope, now: datetime.datetime) -> int:
    """The number of tasks `workbench` lists, counted in the database for the navigation's badge (no rows read): staff's
    approvals, certifications and reservations (one task per community each), the activities to organise, a team lead's
    hours to certify (one per activity), the wishes to fulfil. At most 7 queries."""
    from linli.core import roles

    account = scope.account
    me = getattr(account, "person", None) if not scope.is_anonymous and getattr(account, "pk", None) else None
    if me is None:
        return 0
    n = 0
    staff_of = sorted({a.home_community_id for a in scope.appointments
                       if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.home_community_id})
    if staff_of:
        n += (scope.filter(Volunteer.objects.filter(community_id__in=staff_of, status=Volunteer.Status.PENDING), "write")
              .values("community_id").distinct().count())
        n += ServiceRecord.objects.filter(community_id__in=staff_of, certified_at__isnull=True).values("community_id").distinct().count()
        n += (Redemption.objects.filter(community_id__in=staff_of, status=Redemption.Status.RESERVED)
              .values("community_id").distinct().count())
    organised, write = _organised_q(scope, me)  # the same test as `workbench`
    soon = now + datetime.timedelta(days=ORGANISE_AHEAD_DAYS)
    n += visible_activities(scope).filter(organised, cancelled=False, starts_at__gte=now, starts_at__lt=soon).distinct().count()
    if scope.has_role(roles.VOLUNTEER_TEAM_LEAD):
        mine = Activity.objects.filter(organised if write is None else organised & write).exclude(community_id__in=staff_of)
        n += (ServiceRecord.objects.filter(certified_at__isnull=True, activity__in=mine.values("pk"))
              .values("activity_id").distinct().count())
    n += Wish.objects.filter(claimed_by__person=me, status=Wish.Status.CLAIMED).count()
    return n
