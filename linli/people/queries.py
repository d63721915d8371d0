"""Reads of residents and households, always through the caller's scope.

Pages, exports and the API call these; none of them filters by itself.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto
from linli.core.errors import OutOfScope
from linli.core.validation import normalize_phone
from linli.places import models as _places

from .models import DERIVED_TAGS, Appointment, Household, HouseholdMember, Organization, Person, PersonTag, ResidentEvent, Tag
from .scopes import Scope

AGE_BANDS = {
    "0-17": (0, 17),
    "18-34": (18, 34),
    "35-59": (35, 59),
    "60-79": (60, 79),
    "80+": (80, 200),
}


def _birth_range(on: datetime.date, min_age: int, max_age: int) -> tuple[datetime.date, datetime.date]:
    """Birth dates of people aged min_age..max_age on `on`."""
    def years_before(years):
        try:
            return on.replace(year=on.year - years)
        except ValueError:  # 29 February
            return on.replace(year=on.year - years, day=28)

    latest = years_before(min_age)
    earliest = years_before(max_age + 1) + datetime.timedelta(days=1)
    return earliest, latest


@dataclass
class PersonFilter:
    q: str = ""            # name fragment, or a full ID number / phone (exact, via the keyed hash)
    tag: str = ""          # a stored tag code or a derived one (age60, age80, minor)
    grid: int | None = None
    building: int | None = None
    community: int | None = None
    age_band: str = ""     # one of AGE_BANDS
    status: str = "living_here"  # "" = any

    def clean(self) -> "PersonFilter":
        errors = {}
        if self.tag and self.tag not in Tag.values and self.tag not in DERIVED_TAGS:
            errors["tag"] = _("Tag: unknown tag %(t)s") % {"t": self.tag}
        if self.age_band and self.age_band not in AGE_BANDS:
            errors["age_band"] = _("Age band: must be one of %(b)s") % {"b": ", ".join(AGE_BANDS)}
        if self.status and self.status not in Person.Status.values:
            errors["status"] = _("Status: unknown value %(s)s") % {"s": self.status}
        if errors:
            raise ValidationError(errors)
        return self


def persons(scope: Scope, f: PersonFilter | None = None, on: datetime.date | None = None) -> QuerySet:
    f = (f or PersonFilter()).clean()
    on = on or timezone.localdate()
    qs = scope.filter(Person.objects.all())
    if f.status:
        qs = qs.filter(status=f.status)
    if f.q:
        text = f.q.strip()
        cond = Q(name__contains=text)
        digits = text.upper().replace(" ", "")
        if len(digits) == 18:
            cond |= Q(id_number_hash=crypto.lookup_hash(digits))
        try:
            phone = normalize_phone(text)
        except ValidationError:
            phone = ""
        if phone:
            cond |= Q(phone_hash=crypto.lookup_hash(phone))
        qs = qs.filter(cond)
    if f.tag in DERIVED_TAGS:
        band = {"age60": (60, 200), "age80": (80, 200), "minor": (0, 17)}[f.tag]
        lo, hi = _birth_range(on, *band)
        qs = qs.filter(birth_date__gte=lo, birth_date__lte=hi)
    elif f.tag:
        qs = qs.filter(pk__in=PersonTag.objects.filter(tag=f.tag).values("person_id"))
    if f.age_band:
        lo, hi = _birth_range(on, *AGE_BANDS[f.age_band])
        qs = qs.filter(birth_date__gte=lo, birth_date__lte=hi)
    if f.grid:
        qs = qs.filter(Q(dwelling__building__grid_id=f.grid) | Q(dwelling__building__micro_grid_id=f.grid))
    if f.building:
        qs = qs.filter(dwelling__building_id=f.building)
    if f.community:
        qs = qs.filter(community_id=f.community)
    return qs.select_related("dwelling__building__compound", "dwelling__entrance", "community").prefetch_related("tags").order_by("name", "id")


def person(scope: Scope, pk: int) -> Person:
    """One person, or Http404 whether it does not exist or lies outside scope (ids are not oracles)."""
    return get_object_or_404(scope.filter(Person.objects.select_related("dwelling__building__compound", "dwelling__entrance", "household", "community")), pk=pk)


def person_history(scope: Scope, p: Person):
    if not scope.allows(p):
        raise OutOfScope()
    return ResidentEvent.objects.filter(person=p).select_related("household__dwelling__building", "actor")


def memberships(p: Person):
    return HouseholdMember.objects.filter(person=p).select_related("household__dwelling__building__compound").order_by("-since")


def households(scope: Scope, building: int | None = None, include_closed: bool = False) -> QuerySet:
    qs = scope.filter(Household.objects.all())
    if not include_closed:
        qs = qs.filter(closed_on__isnull=True)
    if building:
        qs = qs.filter(dwelling__building_id=building)
    current = HouseholdMember.objects.filter(until__isnull=True).select_related("person").order_by("relation", "since")
    return qs.select_related("dwelling__building__compound", "dwelling__entrance").prefetch_related(Prefetch("members", queryset=current, to_attr="current_members_list")).order_by("dwelling__building__number", "dwelling__room", "id")


def household(scope: Scope, pk: int) -> Household:
    return get_object_or_404(scope.filter(Household.objects.select_related("dwelling__building__compound", "dwelling__entrance")), pk=pk)


def household_members(h: Household, include_past: bool = True):
    qs = HouseholdMember.objects.filter(household=h).select_related("person")
    if not include_past:
        qs = qs.filter(until__isnull=True)
    return qs.order_by("until", "since")


def organizations(scope: Scope, kind: str = "") -> QuerySet:
    qs = scope.filter(Organization.objects.all())
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("parent", "community", "grid").order_by("kind", "name")


def appointments(scope: Scope, role: str = "", current_only: bool = True, on: datetime.date | None = None) -> QuerySet:
    on = on or timezone.localdate()
    qs = scope.filter(Appointment.objects.all())
    if role:
        qs = qs.filter(role=role)
    if current_only:
        qs = qs.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    return qs.select_related("person", "grid", "building__compound", "entrance__building", "community", "organization").order_by("role", "person__name")


def audit_log(scope: Scope, action: str = ""):
    qs = scope.audit_logs()
    if action:
        qs = qs.filter(action=action)
    return qs.select_related("actor")


# ---------------------------------------------------------------------------- counts for the home pages
_GROUP_FIELDS = {
    "building": "dwelling__building_id",
    "grid": "dwelling__building__grid_id",
    "micro_grid": "dwelling__building__micro_grid_id",
    "community": "community_id",
}
_DERIVED_BANDS = {"age60": (60, 200), "age80": (80, 200), "minor": (0, 17)}


def resident_counts(scope: Scope, by: str, f: PersonFilter | None = None) -> dict:
    """{building / grid / micro-grid / community id: residents in scope}."""
    field = _GROUP_FIELDS[by]
    qs = persons(scope, f).prefetch_related(None).order_by().values(field).annotate(n=Count("id"))
    return {row[field]: row["n"] for row in qs}


def tag_counts(scope: Scope, f: PersonFilter | None = None, by: str = "", on: datetime.date | None = None) -> dict:
    """Residents in scope per tag (stored and derived): {tag: n}, or {group id: {tag: n}} with `by`."""
    on = on or timezone.localdate()
    base = persons(scope, f, on).prefetch_related(None).order_by()
    field = _GROUP_FIELDS[by] if by else None
    derived = {code: Count("id", filter=Q(birth_date__gte=lo, birth_date__lte=hi))
               for code, (lo, hi) in ((c, _birth_range(on, *band)) for c, band in _DERIVED_BANDS.items())}
    stored = PersonTag.objects.filter(person__in=base.values("pk")).order_by()
    if not field:
        out = dict(base.aggregate(**derived))
        out.update({row["tag"]: row["n"] for row in stored.values("tag").annotate(n=Count("id"))})
        return out
    out: dict = {}
    for row in base.values(field).annotate(**derived):
        out[row[field]] = {code: row[code] for code in derived}
    for row in stored.values(f"person__{field}", "tag").annotate(n=Count("id")):
        out.setdefault(row[f"person__{field}"], {})[row["tag"]] = row["n"]
    return out


def household_history(scope: Scope, h: Household):
    """The events recorded against a household (moves in and out, deaths), newest first."""
    if not scope.allows(h):
        raise OutOfScope()
    return ResidentEvent.objects.filter(household=h).select_related("person", "actor")


def grid_summary(g) -> dict:
    """Counts for a grid page (the caller has checked scope on the grid)."""
    building_q = Q(grid=g) | Q(micro_grid=g)
    buildings = _places.Building.objects.filter(building_q)
    return {
        "buildings": buildings.count(),
        "dwellings": _places.Dwelling.objects.filter(building__in=buildings).count(),
        "residents": Person.objects.filter(dwelling__building__in=buildings, status=Person.Status.LIVING_HERE).count(),
        "venues": _places.Venue.objects.filter(Q(grid=g) | Q(grid__parent=g)).count(),
        "micro_grids": g.micro_grids.count(),
    }


def tag_labels() -> dict:
    """{code: label} of every tag a person may have: the derived age tags first, then the stored ones."""
    return {**DERIVED_TAGS, **dict(Tag.choices)}


# ----------------------------------------------------------------- finding the resident a form is for
CANDIDATES = 20


def resident_candidates(people, who: str) -> list:
    """Residents of `people` (a queryset the caller may use) matching what the desk typed: part of a name, or a whole
    mobile or ID number (through the keyed hashes, never a plaintext filter). At most CANDIDATES, with their home, so
    two people of one name can be told apart. Nothing typed: nobody (a community has thousands: no list of them all)."""
    who = (who or "").strip()[:40]
    if not who:
        return []
    q = Q(name__contains=who)
    if len(who) >= 11 and who.replace("X", "").replace("x", "").isdigit():
        q |= Q(phone_hash=crypto.lookup_hash(who)) | Q(id_number_hash=crypto.lookup_hash(who.upper()))
    return list(people.filter(q).select_related("dwelling__building", "dwelling__entrance").order_by("name", "pk")[:CANDIDATES])
