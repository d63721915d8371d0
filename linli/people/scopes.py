"""The one place that decides what a user may see, change and reveal.

A Scope is resolved from the account's appointments valid on a date, plus the
account's own current household (what every resident may see). Every page,
export and API endpoint filters its querysets through `Scope.filter()` and
checks single records through `Scope.allows()`.

Areas are (level, id) pairs: subdistrict, community, compound, grid, micro_grid,
building, entrance, household. Each model states how it reaches each level
(AREA_PATHS); a record is in scope if any of its paths lands in a granted area.
"""

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from linli.core.memo import Memo
from linli.core.models import AuditLog
from linli.places.models import Building, Community, Compound, Dwelling, Entrance, Grid, Subdistrict, Venue

from linli.core import roles
from .models import Appointment, Household, Organization, Person

LEVELS = ("subdistrict", "community", "compound", "grid", "micro_grid", "building", "entrance", "household")

_B = "dwelling__building__"
AREA_PATHS = {
    Person: {
        "subdistrict": ["community__subdistrict_id"],
        "community": ["community_id"],
        "compound": [_B + "compound_id"],
        "grid": [_B + "grid_id"],
        "micro_grid": [_B + "micro_grid_id"],
        "building": ["dwelling__building_id"],
        "entrance": ["dwelling__entrance_id"],
        "household": ["household_id"],
    },
    Household: {
        "subdistrict": [_B + "community__subdistrict_id"],
        "community": [_B + "community_id"],
        "compound": [_B + "compound_id"],
        "grid": [_B + "grid_id"],
        "micro_grid": [_B + "micro_grid_id"],
        "building": ["dwelling__building_id"],
        "entrance": ["dwelling__entrance_id"],
        "household": ["id"],
    },
    Dwelling: {
        "subdistrict": ["building__community__subdistrict_id"],
        "community": ["building__community_id"],
        "compound": ["building__compound_id"],
        "grid": ["building__grid_id"],
        "micro_grid": ["building__micro_grid_id"],
        "building": ["building_id"],
        "entrance": ["entrance_id"],
        "household": ["households__id"],
    },
    Building: {
        "subdistrict": ["community__subdistrict_id"],
        "community": ["community_id"],
        "compound": ["compound_id"],
        "grid": ["grid_id"],
        "micro_grid": ["micro_grid_id"],
        "building": ["id"],
        "entrance": ["entrances__id"],
        "household": ["dwellings__households__id"],
    },
    Entrance: {
        "subdistrict": ["building__community__subdistrict_id"],
        "community": ["building__community_id"],
        "compound": ["building__compound_id"],
        "grid": ["building__grid_id"],
        "micro_grid": ["building__micro_grid_id"],
        "building": ["building_id"],
        "entrance": ["id"],
        "household": ["dwellings__households__id"],
    },
    Grid: {
        "subdistrict": ["community__subdistrict_id"],
        "community": ["community_id"],
        "compound": ["buildings__compound_id"],
        "grid": ["id", "parent_id"],
        "micro_grid": ["id"],
        "building": ["buildings__id", "micro_buildings__id"],
        "entrance": ["buildings__entrances__id", "micro_buildings__entrances__id"],
        "household": ["buildings__dwellings__households__id", "micro_buildings__dwellings__households__id"],
    },
    Venue: {
        "subdistrict": ["community__subdistrict_id"],
        "community": ["community_id"],
        "compound": ["building__compound_id"],
        "grid": ["grid_id", "grid__parent_id"],
        "micro_grid": ["grid_id"],
        "building": ["building_id"],
        "entrance": [],
        "household": [],
    },
    Compound: {
        "subdistrict": ["community__subdistrict_id"],
        "community": ["community_id"],
        "compound": ["id"],
        "grid": ["buildings__grid_id"],
        "micro_grid": ["buildings__micro_grid_id"],
        "building": ["buildings__id"],
        "entrance": ["buildings__entrances__id"],
        "household": ["buildings__dwellings__households__id"],
    },
    Community: {
        "subdistrict": ["subdistrict_id"],
        "community": ["id"],
        "compound": ["compounds__id"],
        "grid": ["grids__id"],
        "micro_grid": ["grids__id"],
        "building": ["buildings__id"],
        "entrance": ["buildings__entrances__id"],
        "household": ["buildings__dwellings__households__id"],
    },
    Organization: {
        "subdistrict": ["subdistrict_id", "community__subdistrict_id"],
        "community": ["community_id"],
        "compound": ["compound_id"],
        "grid": ["grid_id"],
        "micro_grid": ["grid_id"],
        "building": ["building_id"],
        "entrance": [],
        "household": [],
    },
    Appointment: {
        "subdistrict": ["subdistrict_id", "home_community__subdistrict_id"],
        "community": ["home_community_id"],
        "compound": ["compound_id"],
        "grid": ["grid_id", "grid__parent_id", "building__grid_id", "entrance__building__grid_id"],
        "micro_grid": ["grid_id"],
        "building": ["building_id", "entrance__building_id"],
        "entrance": ["entrance_id"],
        "household": [],
    },
    Subdistrict: {"subdistrict": ["id"], "community": ["communities__id"]},
}

DOMAIN_OF = {
    Person: roles.PEOPLE,
    Household: roles.PEOPLE,
    Appointment: roles.PLACES,
}

# Models reached through reverse relations: filter through a subquery so rows are not repeated.
_NEEDS_SUBQUERY = {model for model, paths in AREA_PATHS.items() if any("s__" in p for ps in paths.values() for p in ps)}


def register(model, paths: dict, domain: str, needs_subquery: bool = False) -> None:
    """Other apps declare how their records reach the areas (called from their AppConfig.ready)."""
    AREA_PATHS[model] = paths
    DOMAIN_OF[model] = domain
    if needs_subquery or any("s__" in p for ps in paths.values() for p in ps):
        _NEEDS_SUBQUERY.add(model)


# What every resident may read of their own household.
OWN_HOUSEHOLD_MODELS = (Person, Household, Dwelling)


def _domain(model) -> str:
    return DOMAIN_OF.get(model, roles.PLACES)


@dataclass
class Scope:
    account: object
    on: datetime.date
    everything: bool = False
    role_set: set = field(default_factory=set)
    # (mode, domain) -> {level: set(ids)}
    areas: dict = field(default_factory=dict)
    reveal_areas: dict = field(default_factory=dict)
    audit_community_ids: set = field(default_factory=set)
    audit_all: bool = False
    appointments: list = field(default_factory=list)
    # what the scope was resolved from (linli.core.memo): answers that depend only on it may be cached under it
    cache_key: tuple | None = field(default=None, compare=False)

    # ------------------------------------------------------------------ building
    def grant(self, mode: str, domain: str, level: str, obj_id: int) -> None:
        self.areas.setdefault((mode, domain), {}).setdefault(level, set()).add(obj_id)

    # ------------------------------------------------------------------ reading
    @property
    def is_anonymous(self) -> bool:
        return not getattr(self.account, "is_authenticated", False)

    def has_role(self, *names) -> bool:
        return self.everything or bool(self.role_set.intersection(names))

    def q(self, model, mode: str = "read") -> Q | None:
        """A Q selecting the records of `model` this scope grants; None means everything."""
        if self.everything:
            return None
        granted = {level: set(ids) for level, ids in self.areas.get((mode, _domain(model)), {}).items()}
        if mode == "read" and model in OWN_HOUSEHOLD_MODELS:
            own = self.areas.get(("own", roles.PEOPLE), {}).get("household")
            if own:
                granted.setdefault("household", set()).update(own)
        q = Q(pk__in=[])
        paths = AREA_PATHS[model]
        for level, ids in granted.items():
            for path in paths.get(level, []):
                q |= Q(**{f"{path}__in": sorted(ids)})
        return q

    def filter(self, queryset, mode: str = "read"):
        model = queryset.model
        q = self.q(model, mode)
        if q is None:
            return queryset
        if model in _NEEDS_SUBQUERY:
            return queryset.filter(pk__in=model._base_manager.filter(q).values("pk"))
        return queryset.filter(q)

    def allows(self, obj, mode: str = "read") -> bool:
        if self.everything:
            return True
        model = type(obj)
        return self.filter(model._base_manager.filter(pk=obj.pk), mode).exists()

    def covers(self, place, mode: str, domain: str) -> bool:
        """Whether the areas granted for (mode, domain) hold this place (a dwelling, building, grid…).

        Used before a record exists, e.g. may this user register people in that dwelling?
        """
        if self.everything:
            return True
        model = type(place)
        q = Q(pk__in=[])
        for level, ids in self.areas.get((mode, domain), {}).items():
            for path in AREA_PATHS[model].get(level, []):
                q |= Q(**{f"{path}__in": sorted(ids)})
        return model._base_manager.filter(q, pk=place.pk).exists()

    def can_write_anything(self, model) -> bool:
        return self.everything or bool(self.areas.get(("write", _domain(model))))

    def may_reveal(self, person) -> bool:
        """Reveal ID number / phone of this person: a role with the reveal grant over the person's area."""
        if self.everything:
            return True
        if not self.reveal_areas:
            return False
        q = Q(pk__in=[])
        for level, ids in self.reveal_areas.items():
            for path in AREA_PATHS[Person].get(level, []):
                q |= Q(**{f"{path}__in": sorted(ids)})
        return Person._base_manager.filter(q, pk=person.pk).exists()

    @property
    def can_reveal_any(self) -> bool:
        return self.everything or bool(self.reveal_areas)

    def audit_logs(self, queryset=None):
        queryset = queryset if queryset is not None else AuditLog.objects.all()
        if self.everything or self.audit_all:
            return queryset
        if not self.audit_community_ids:
            return queryset.none()
        return queryset.filter(community_id__in=sorted(self.audit_community_ids))

    @property
    def community_ids(self) -> set:
        """Communities the user works in (for home pages and defaults)."""
        ids = set()
        for appt in self.appointments:
            if appt.home_community_id:
                ids.add(appt.home_community_id)
        return ids


def _area_of(appt: Appointment) -> tuple[str, int, list[tuple[str, int]]]:
    """The area an appointment's scope names, and areas it implies for reading places."""
    level = appt.scope_level
    if level == "grid":
        grid = appt.grid
        if grid.kind == Grid.Kind.MICRO:
            return "micro_grid", grid.pk, []
        return "grid", grid.pk, []
    if level == "organization":
        org = appt.organization
        if org.kind == Organization.Kind.PROPERTY_COMPANY:
            return "compounds", org.pk, []
        if org.grid_id:
            return "grid", org.grid_id, []
        if org.community_id:
            return "community", org.community_id, []
        if org.subdistrict_id:
            return "subdistrict", org.subdistrict_id, []
        return "none", org.pk, []
    if level == "entrance":
        return "entrance", appt.entrance_id, [("building", appt.entrance.building_id)]
    if level == "building":
        return "building", appt.building_id, []
    return level, getattr(appt, f"{level}_id"), []


# (account, date) → the resolved scope; valid until a post, an account, a person, a household, a place or an
# organisation changes (linli.core.memo). Each caller gets its own Scope object around shared, unchanged parts.
_resolved = Memo("scopes", ["auth", "posts", "people", "places", "orgs"], maxsize=8192)


# everyone who holds or held a post: the others' scopes need no look-up of appointments
_post_holders = Memo("post-holders", ["posts"], maxsize=2)


def _holders_of_posts() -> frozenset:
    return frozenset(Appointment.objects.values_list("person_id", flat=True).distinct())


def resolve(account, on: datetime.date | None = None) -> Scope:
    on = on or timezone.localdate()
    if not getattr(account, "is_authenticated", False) or not account.is_active or not getattr(account, "pk", None):
        return _resolve(account, on)
    person = account.person if account.person_id else None
    key = (account.pk, on, account.is_superuser, account.person_id,  # the object in hand decides, as before
           getattr(person, "household_id", None), getattr(person, "status", None))
    kept = _resolved.get(key, lambda: _resolve(account, on))
    return dataclasses.replace(kept, account=account, cache_key=key)


def _resolve(account, on: datetime.date) -> Scope:
    scope = Scope(account=account, on=on)
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return scope
    if account.is_superuser:
        scope.everything = True
        scope.audit_all = True
        return scope
    person = account.person
    if person is None:
        return scope
    if person.household_id and person.status == Person.Status.LIVING_HERE:
        scope.grant("own", roles.PEOPLE, "household", person.household_id)
        scope.role_set.add(roles.RESIDENT)
    if person.pk not in _post_holders.get("all", _holders_of_posts):  # most accounts are residents without a post
        return scope
    appts = list(
        Appointment.objects.filter(person=person, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("grid", "organization", "entrance")
    )
    scope.appointments = appts
    for appt in appts:
        scope.role_set.add(appt.role)
        grants = roles.GRANTS.get(appt.role, {})
        level, obj_id, implied = _area_of(appt)
        areas = [(level, obj_id)]
        if level == "compounds":
            areas = [("compound", cid) for cid in appt.organization.serves.values_list("id", flat=True)]
        elif level == "none":
            areas = []
        for mode in ("read", "write"):
            for domain in grants.get(mode, set()):
                for lvl, oid in areas:
                    scope.grant(mode, domain, lvl, oid)
                if mode == "read" and domain == roles.PLACES:
                    for lvl, oid in implied:  # an entrance leader sees their building's place records
                        scope.grant("read", roles.PLACES, lvl, oid)
        if grants.get("reveal"):
            for lvl, oid in areas:
                scope.reveal_areas.setdefault(lvl, set()).add(oid)
        if grants.get("audit"):
            if level == "community":
                scope.audit_community_ids.add(obj_id)
            elif level == "subdistrict":
                scope.audit_community_ids.update(Community.objects.filter(subdistrict_id=obj_id).values_list("id", flat=True))
    return scope


def system() -> Scope:
    """The scope of the system itself (commands, the demo loader, the worker)."""
    return Scope(account=None, on=timezone.localdate(), everything=True, audit_all=True)


def for_request(request) -> Scope:
    """The scope of the signed-in user, computed once per request."""
    cached = getattr(request, "_linli_scope", None)
    if cached is None:
        cached = resolve(request.user)
        request._linli_scope = cached
    return cached


# ---------------------------------------------------------------------------- short checks for pages
def reads(scope, domain: str) -> bool:
    return scope.everything or bool(scope.areas.get(("read", domain)))


def writes(scope, domain: str) -> bool:
    return scope.everything or bool(scope.areas.get(("write", domain)))


def may_audit(scope) -> bool:
    return scope.everything or scope.audit_all or bool(scope.audit_community_ids)
