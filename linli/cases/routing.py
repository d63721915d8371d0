"""Who handles a case at a tier: from the appointments valid at that moment.

building → the building leader of the case's building; grid → the grid worker (micro-grid first);
community → the dispatcher (community staff, else the secretary); subdistrict → subdistrict staff;
department → the category's department in the subdistrict and its contact. A vacant post falls
to the next tier up.
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from linli.core import roles
from linli.core.memo import Memo, copy_instance
from linli.people.models import Account, Appointment, Organization

from .models import Tier


def _current(on: datetime.date):
    return Appointment.objects.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def _account_of(appointments) -> Account | None:
    """The active account of the longest-serving holder of these posts: one query, whatever the holders."""
    return (Account.objects.filter(is_active=True, person__appointments__in=appointments.values("pk")).select_related("person")
            .order_by("person__appointments__starts_on", "person__appointments__id").first())


def department_for(case, department_type: str) -> Organization | None:
    if not department_type:
        return None
    qs = Organization.objects.filter(kind=Organization.Kind.DEPARTMENT, department_type=department_type)
    if department_type == "property" and case.building_id and case.building.compound_id:
        company = Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, serves=case.building.compound_id).first()
        if company:
            return company
    return (qs.filter(community_id=case.community_id).first()
            or qs.filter(subdistrict_id=case.subdistrict_id).first()
            or qs.filter(community__isnull=True, subdistrict__isnull=True).first())


# who holds a tier's post for a place, per day; valid until a post, an account, a person, an organisation or a place
# changes (linli.core.memo): routing reads the same few posts for every case of a grid
_holders = Memo("routing", ["posts", "auth", "people", "orgs", "places"], maxsize=16384)


def handler_at(case, tier: str, on: datetime.date | None = None) -> tuple[Account | None, Organization | None]:
    on = on or timezone.localdate()
    account, org = _holders.get(_place_key(case, tier, on), lambda: _handler_at(case, tier, on))
    return copy_instance(account), copy_instance(org)


def _place_key(case, tier: str, on: datetime.date) -> tuple:
    """What the holder of a tier's post depends on: only the places that tier looks at, so that every case of a grid
    shares the grid's answer whatever its building."""
    if tier == Tier.BUILDING:
        return tier, on, case.building_id
    if tier == Tier.GRID:
        return tier, on, case.grid_id, case.micro_grid_id
    if tier == Tier.COMMUNITY:
        return tier, on, case.community_id
    if tier == Tier.DEPARTMENT:
        department_type = case.category.department_type if case.category_id else ""
        compound_id = case.building.compound_id if department_type == "property" and case.building_id else None
        return tier, on, department_type, compound_id, case.community_id, case.subdistrict_id
    return tier, on, case.subdistrict_id


def _handler_at(case, tier: str, on: datetime.date) -> tuple[Account | None, Organization | None]:
    current = _current(on)
    if tier == Tier.BUILDING and case.building_id:
        return _account_of(current.filter(role=roles.BUILDING_LEADER, building_id=case.building_id)), None
    if tier == Tier.GRID and case.grid_id:
        if case.micro_grid_id:
            account = _account_of(current.filter(role=roles.GRID_WORKER, grid_id=case.micro_grid_id))
            if account:
                return account, None
        return _account_of(current.filter(role=roles.GRID_WORKER, grid_id=case.grid_id)), None
    if tier == Tier.COMMUNITY:
        for role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY):
            account = _account_of(current.filter(role=role, community_id=case.community_id))
            if account:
                return account, None
    if tier == Tier.SUBDISTRICT:
        return _account_of(current.filter(role=roles.SUBDISTRICT_STAFF, subdistrict_id=case.subdistrict_id)), None
    if tier == Tier.DEPARTMENT:
        org = department_for(case, case.category.department_type if case.category_id else "")
        if org:
            role = roles.PROPERTY_MANAGER if org.kind == Organization.Kind.PROPERTY_COMPANY else roles.DEPARTMENT_CONTACT
            return _account_of(current.filter(role=role, organization=org)), org
    return None, None


# One tier up: a department that does not act is taken up by the subdistrict (街道吹哨、部门报到).
UP = {Tier.BUILDING: Tier.GRID, Tier.GRID: Tier.COMMUNITY, Tier.COMMUNITY: Tier.SUBDISTRICT,
      Tier.DEPARTMENT: Tier.SUBDISTRICT, Tier.SUBDISTRICT: None}
# A vacant department post falls back to the community's dispatcher, who may whistle.
VACANT_FALLBACK = dict(UP, **{Tier.DEPARTMENT: Tier.COMMUNITY})


def route(case, tier: str, on: datetime.date | None = None) -> tuple[str, Account | None, Organization | None]:
    """The tier a case lands at (its own, or the first one above with someone in post) and who holds it."""
    candidate, seen = tier, set()
    while candidate and candidate not in seen:
        seen.add(candidate)
        account, org = handler_at(case, candidate, on)
        if account is not None or org is not None:
            return candidate, account, org
        candidate = VACANT_FALLBACK[candidate]
    return Tier.SUBDISTRICT, None, None


def next_tier(tier: str) -> str | None:
    return UP[tier]
