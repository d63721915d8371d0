"""Reads of the council hall, always through the caller's scope.

Staff (and building leaders, grid workers… with the COUNCIL read grant) see matters and meetings by area through
`Scope.filter`; every resident also sees the matters of their own building, compound and community."""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import roles
from linli.core.work import TASK, WATCH, WorkItem
from linli.people.scopes import Scope

from . import services
from .models import Action, Ballot, Booking, Matter, Meeting, ReceptionSlot, RollEntry, StandingCommittee, Vote


def _own_area_q(scope: Scope) -> Q:
    person = services.person_of(scope)
    if person is None or person.status != "living_here" or not person.dwelling_id:
        return Q(pk__in=[])
    b = person.dwelling.building
    q = Q(community_id=b.community_id, compound__isnull=True, building__isnull=True)
    if b.compound_id:
        q |= Q(compound_id=b.compound_id, building__isnull=True)
    return q | Q(building_id=b.pk)


def _wider_q(scope: Scope) -> Q:
    """Compound- and community-wide matters that reach into the buildings of the areas the caller reads."""
    from linli.people import scopes as scopes_mod
    from linli.places.models import Building

    areas = scope.areas.get(("read", roles.COUNCIL), {})
    if not areas:
        return Q(pk__in=[])
    bq = Q(pk__in=[])
    for level, ids in areas.items():
        for path in scopes_mod.AREA_PATHS[Building].get(level, []):
            bq |= Q(**{f"{path}__in": sorted(ids)})
    rows = set(Building.objects.filter(bq).values_list("compound_id", "community_id"))
    compounds = sorted({c for c, _k in rows if c})
    communities = sorted({k for _c, k in rows})
    return Q(building__isnull=True, compound_id__in=compounds) | Q(building__isnull=True, compound__isnull=True, community_id__in=communities)


def matters(scope: Scope, status: str = ""):
    qs = Matter.objects.all()
    if not scope.everything:
        staff_q = scope.q(Matter, "read")
        owner_q = Q(pk__in=[])
        if getattr(scope.account, "pk", None):  # the owners of a matter's actions (e.g. the property company) see it
            owner_q |= Q(pk__in=Action.objects.filter(owner=scope.account, matter__isnull=False).values("matter_id"))
        orgs = [a.organization_id for a in scope.appointments if a.organization_id]
        if orgs:
            owner_q |= Q(pk__in=Action.objects.filter(owner_org_id__in=orgs, matter__isnull=False).values("matter_id"))
        qs = qs.filter(staff_q | _wider_q(scope) | _own_area_q(scope) | owner_q) if staff_q is not None else qs
    if status == "open":
        qs = qs.filter(status__in=Matter.OPEN_STATES)
    elif status == "done":
        qs = qs.filter(status__in=[Matter.Status.DONE, Matter.Status.EVALUATED, Matter.Status.REJECTED])
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("community", "compound", "building__compound", "raised_by").distinct()


def matter_list(scope: Scope, status: str = ""):
    """`matters` for the list page: the raiser's encrypted fields (phone, ID number) are neither read nor decrypted."""
    return matters(scope, status).defer("raised_by__id_number", "raised_by__phone")


def matter(scope: Scope, pk) -> Matter:
    m = matters(scope).filter(pk=pk).first()
    if m is None:
        raise Http404
    return m


def staff_communities(scope: Scope) -> list[int]:
    """Communities where the caller organises meetings (community staff and secretaries)."""
    from linli.places.models import Community

    if scope.everything:
        return list(Community.objects.values_list("pk", flat=True))
    return sorted({a.community_id for a in scope.appointments
                   if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id})


def is_staff(scope: Scope) -> bool:
    return bool(staff_communities(scope))


def meetings(scope: Scope):
    """Meetings of the caller's areas, and those the caller chairs or is invited to (in person or through their organisation)."""
    qs = scope.filter(Meeting.objects.all())
    if not scope.everything:
        person = services.person_of(scope)
        orgs = [a.organization_id for a in scope.appointments if a.organization_id]
        mine = Q(chair=person) | Q(attendances__person=person) if person is not None else Q(pk__in=[])
        if orgs:
            mine |= Q(attendances__organization_id__in=orgs)
        qs = Meeting.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=Meeting.objects.filter(mine).values("pk")))
    return qs.select_related("community", "chair", "chair_org", "committee")


def meeting(scope: Scope, pk) -> Meeting:
    m = meetings(scope).filter(pk=pk).first()
    if m is None:
        raise Http404
    return m


# The people offered as chairs and invitees are shown by name: their encrypted fields (phone, ID number) are not read,
# so a page listing hundreds of them decrypts none (a service that needs more loads it on the chosen few).
_CHOICE_FIELDS = ("id", "name")


def meeting_people_choices(community, limit: int = 200) -> list:
    """Chairs and invitees offered on the meetings page: the community's appointed people."""
    from linli.people.models import Person

    if community is None:
        return []
    return list(Person.objects.filter(appointments__home_community=community).distinct().only(*_CHOICE_FIELDS)[:limit])


def committee_chair_choices(community, limit: int = 500) -> list:
    """Who may chair for a member organisation of a standing committee: the community's appointed people and residents."""
    from linli.people.models import Person

    if community is None:
        return []
    return list(Person.objects.filter(Q(appointments__home_community=community) | Q(community=community, dwelling__isnull=False))
                .distinct().order_by("name").only(*_CHOICE_FIELDS)[:limit])


def committees(scope: Scope):
    qs = StandingCommittee.objects.select_related("community")
    return qs if scope.everything else qs.filter(community_id__in=staff_communities(scope))


def vote(scope: Scope, pk) -> Vote:
    v = Vote.objects.select_related("matter").filter(pk=pk).first()
    if v is None or not matters(scope).filter(pk=v.matter_id).exists():
        raise Http404
    return v


def reception_slots(scope: Scope):
    person = services.person_of(scope)
    ids = set(staff_communities(scope))
    if person is not None and person.community_id:
        ids.add(person.community_id)
    qs = ReceptionSlot.objects.select_related("host__person", "community").prefetch_related("bookings__person")
    return qs if scope.everything else qs.filter(community_id__in=sorted(ids))


# ---------------------------------------------------------------- the workbench (linli/portal/workbench.py merges it)

WEEK = datetime.timedelta(days=7)


def _end_of(day: datetime.date) -> datetime.datetime:
    """An action due on a day is late once that day is over (local time)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _item(kind, what, title, url, due, key, note=""):
    return WorkItem(app="meetings", kind=kind, what=str(what), title=title, url=url, due=due, note=str(note), key=key)


def _invited_q(person, orgs, staff) -> Q:
    """Meetings the caller chairs or is invited to, in person or through an organisation (community staff: all of
    their community's)."""
    invited = Q(pk__in=[])
    if person is not None:
        invited |= Q(chair_id=person.pk) | Q(pk__in=Meeting.objects.filter(attendances__person_id=person.pk).values("pk"))
    if orgs:
        invited |= Q(chair_org_id__in=orgs) | Q(pk__in=Meeting.objects.filter(attendances__organization_id__in=orgs).values("pk"))
    if staff:
        invited |= Q(community_id__in=staff)
    return invited


def workbench(scope: Scope, now) -> list:
    """What this person must do in meetings and the council hall (tasks) and what they watch.

    Tasks: open votes where my household (or I, in a vote per adult) has not voted yet (due: the vote closes); open
    actions I or my organisation own (due: the end of the due day); meetings in the next 7 days I chair or am invited
    to, in person or through my organisation, and for community staff every meeting of their community (due: the
    start); for community staff the matters waiting for their step (on the agenda: schedule; under discussion: open the
    vote; decided: plan the actions) and the reception bookings waiting to be received (due: the slot's start).
    Watch: my own reception bookings; for building leaders the open matters raised for their building.
    At most 5 queries (3 to 5 by role), whatever the number of rows."""
    if scope.is_anonymous:
        return []
    me = getattr(scope.account, "pk", None)
    person = services.person_of(scope)
    orgs = sorted({a.organization_id for a in scope.appointments if a.organization_id})
    staff = sorted({a.community_id for a in scope.appointments
                    if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id})
    leader_buildings = sorted({a.building_id for a in scope.appointments if a.role == roles.BUILDING_LEADER and a.building_id})
    items = []

    # 1. votes open now where my household (or I) may still vote (a roll lists only people living in the area)
    if person is not None and person.dwelling_id:
        unit = Q(vote__unit=Vote.Unit.ADULT, person_id=person.pk)
        if person.household_id:
            unit |= Q(vote__unit=Vote.Unit.HOUSEHOLD, household_id=person.household_id)
        for r in (RollEntry.objects.filter(unit, vote__status=Vote.Status.OPEN, vote__opens_at__lte=now, vote__closes_at__gt=now)
                  .exclude(Exists(Ballot.objects.filter(entry_id=OuterRef("pk"))))
                  .values("vote_id", "vote__closes_at", "vote__matter_id", "vote__matter__title").order_by()):
            items.append(_item(TASK, pgettext("workbench", "Vote"), r["vote__matter__title"], reverse("meetings:matter", args=[r["vote__matter_id"]]),
                               r["vote__closes_at"], f"vote:{r['vote_id']}:cast"))

    # 2. open actions I or my organisation own
    owned = Q(owner_id=me) if me else Q(pk__in=[])
    if orgs:
        owned |= Q(owner_org_id__in=orgs)
    for a in (Action.objects.filter(owned, status=Action.Status.OPEN)
              .values("pk", "text", "due_on", "matter_id", "meeting_id", "meeting__case_id", "meeting__title", "matter__title")
              .order_by()):
        if a["matter_id"]:
            url, about = reverse("meetings:matter", args=[a["matter_id"]]), a["matter__title"]
        elif a["meeting__case_id"]:  # a resolution of a case's whistle meeting: progress is recorded on the case page
            url, about = reverse("cases:case", args=[a["meeting__case_id"]]), a["meeting__title"]
        else:
            url, about = reverse("meetings:meeting", args=[a["meeting_id"]]), a["meeting__title"]
        items.append(_item(TASK, _("Carry out"), a["text"][:120], url, _end_of(a["due_on"]), f"action:{a['pk']}:carry_out", note=about))

    # 3. meetings of the coming week I chair or am invited to (community staff: all of their community's)
    invited = _invited_q(person, orgs, staff)
    today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time.min))
    for m in (Meeting.objects.filter(invited, held=False, cancelled=False, starts_at__gte=today, starts_at__lt=now + WEEK)
              .values("pk", "title", "starts_at", "place").order_by()):
        items.append(_item(TASK, _("Attend the meeting"), m["title"], reverse("meetings:meeting", args=[m["pk"]]), m["starts_at"],
                           f"meeting:{m['pk']}:attend", note=m["place"]))

    # 4. council matters: community staff's next step; building leaders watch their building's
    steps = {Matter.Status.ON_AGENDA: ("schedule", _("Schedule")), Matter.Status.DELIBERATING: ("open_vote", pgettext("workbench", "Open the vote")),
             Matter.Status.DECIDED: ("plan", _("Plan the actions"))}
    mq = Q(pk__in=[])
    if staff:
        mq |= Q(community_id__in=staff, status__in=list(steps))
    if leader_buildings:
        mq |= Q(building_id__in=leader_buildings, status__in=Matter.OPEN_STATES)
    if staff or leader_buildings:
        labels = dict(Matter.Status.choices)
        for m in Matter.objects.filter(mq).values("pk", "title", "status", "community_id", "support_count").order_by():
            url = reverse("meetings:matter", args=[m["pk"]])
            if m["community_id"] in staff and m["status"] in steps:
                step, what = steps[m["status"]]
                note = _("%(n)d residents support it") % {"n": m["support_count"]}
                items.append(_item(TASK, what, m["title"], url, None, f"matter:{m['pk']}:{step}", note=note))
            else:
                items.append(_item(WATCH, _("Neighbours' matter"), m["title"], url, None, f"matter:{m['pk']}:watch",
                                   note=labels[m["status"]]))

    # 5. reception day: bookings to receive (staff, the host), my own bookings
    bq = Q(pk__in=[])
    if person is not None:
        bq |= Q(person_id=person.pk)
    if me:
        bq |= Q(slot__host_id=me)
    if staff:
        bq |= Q(slot__community_id__in=staff)
    reception_url = reverse("meetings:reception")
    for b in (Booking.objects.filter(bq, status=Booking.Status.BOOKED)
              .values("pk", "topic", "person_id", "slot__starts_at", "slot__place", "slot__host_id", "slot__community_id")
              .order_by()):
        receives = (me and b["slot__host_id"] == me) or b["slot__community_id"] in staff
        if receives:
            items.append(_item(TASK, _("Receive"), b["topic"][:80], reception_url, b["slot__starts_at"], f"booking:{b['pk']}:receive",
                               note=b["slot__place"]))
        elif person is not None and b["person_id"] == person.pk:
            items.append(_item(WATCH, _("My reception booking"), b["topic"][:80], reception_url, b["slot__starts_at"],
                               f"booking:{b['pk']}:mine", note=b["slot__place"]))
    return items


def workbench_counts(scope: Scope, now) -> int:
    """The number of tasks `workbench` lists (votes, actions, meetings, staff's matters, reception bookings to receive),
    counted in the database for the navigation's badge: at most 5 COUNT queries, no rows read."""
    if scope.is_anonymous:
        return 0
    me = getattr(scope.account, "pk", None)
    person = services.person_of(scope)
    orgs = sorted({a.organization_id for a in scope.appointments if a.organization_id})
    staff = sorted({a.community_id for a in scope.appointments
                    if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id})
    n = 0
    if person is not None and person.dwelling_id:  # 1. one task per open vote still to cast
        unit = Q(vote__unit=Vote.Unit.ADULT, person_id=person.pk)
        if person.household_id:
            unit |= Q(vote__unit=Vote.Unit.HOUSEHOLD, household_id=person.household_id)
        n += (RollEntry.objects.filter(unit, vote__status=Vote.Status.OPEN, vote__opens_at__lte=now, vote__closes_at__gt=now)
              .exclude(Exists(Ballot.objects.filter(entry_id=OuterRef("pk")))).values("vote_id").distinct().count())
    if me or orgs:  # 2. open actions
        owned = (Q(owner_id=me) if me else Q(pk__in=[])) | (Q(owner_org_id__in=orgs) if orgs else Q(pk__in=[]))
        n += Action.objects.filter(owned, status=Action.Status.OPEN).count()
    invited = _invited_q(person, orgs, staff)  # 3. meetings of the coming week
    if person is not None or orgs or staff:
        today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time.min))
        n += Meeting.objects.filter(invited, held=False, cancelled=False, starts_at__gte=today, starts_at__lt=now + WEEK).count()
    if staff:  # 4. matters waiting for staff's next step
        n += Matter.objects.filter(community_id__in=staff, status__in=[Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING,
                                                                       Matter.Status.DECIDED]).count()
    if me or staff:  # 5. reception bookings to receive
        receives = (Q(slot__host_id=me) if me else Q(pk__in=[])) | (Q(slot__community_id__in=staff) if staff else Q(pk__in=[]))
        n += Booking.objects.filter(receives, status=Booking.Status.BOOKED).count()
    return n
