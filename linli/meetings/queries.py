"""Reads of the council hall, always through the caller's scope.

Staff (and building leaders, grid workers… with the COUNCIL read grant) see matters and meetings by area through
`Scope.filter`; every resident also sees the matters of their own building, compound and community."""

from django.db.models import Q
from django.http import Http404

from linli.core import roles
from linli.people.scopes import Scope

from . import services
from .models import Action, Matter, Meeting, ReceptionSlot, StandingCommittee, Vote


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
    return qs.select_related("community", "compound", "building", "raised_by").distinct()


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
