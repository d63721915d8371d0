"""The places a sheet can name: buildings, entrances, dwellings and open households, read once per import."""

from dataclasses import dataclass

from linli.core import imports as rules
from linli.core import roles
from linli.places.models import Building, Community, Dwelling, Entrance

from ..models import Household, HouseholdMember
from ..scopes import Scope
from .cleaning import building_key, entrance_key, room_key


class Places:
    """Buildings, entrances, dwellings and open households of the communities an import may touch."""

    def __init__(self, scope: Scope, community=None):
        self.scope = scope
        communities = Community.objects.all()
        if community:
            communities = communities.filter(pk=community) if str(community).isdigit() and len(str(community)) < 12 else communities.filter(code=community)
        elif not scope.everything:
            communities = scope.filter(communities, "write")
        self.communities = {c.pk: c for c in communities}
        self.community_by_name = {}
        for c in self.communities.values():
            self.community_by_name.setdefault(c.name, []).append(c.pk)
            self.community_by_name.setdefault(c.name.removesuffix("社区"), []).append(c.pk)
        buildings = list(Building.objects.filter(community_id__in=list(self.communities)).select_related("compound"))
        self.buildings = {b.pk: b for b in buildings}
        self.by_key: dict[str, list[Building]] = {}
        for b in buildings:
            self.by_key.setdefault(building_key(b.number), []).append(b)
        self.entrances: dict[tuple, int] = {}
        self.entrance_numbers: dict[int, str] = {}
        for e in Entrance.objects.filter(building_id__in=list(self.buildings)).values("id", "building_id", "number"):
            self.entrances[(e["building_id"], entrance_key(e["number"]))] = e["id"]
            self.entrance_numbers[e["id"]] = e["number"]
        self.dwellings: dict[tuple, int] = {}
        for d in Dwelling.objects.filter(building_id__in=list(self.buildings)).values("id", "building_id", "entrance_id", "room").order_by("id"):
            self.dwellings.setdefault((d["building_id"], d["entrance_id"], room_key(d["room"])), d["id"])
        # dwelling id -> household state (the first open household, as services._join picks)
        self.households: dict[int, HouseholdState] = {}
        heads = set(HouseholdMember.objects.filter(until__isnull=True, relation=HouseholdMember.Relation.HEAD,
                                                   household__dwelling__building_id__in=list(self.buildings)).values_list("household_id", flat=True))
        for h in Household.objects.filter(closed_on__isnull=True, dwelling__building_id__in=list(self.buildings)).values("id", "dwelling_id").order_by("id"):
            if h["dwelling_id"] not in self.households:
                self.households[h["dwelling_id"]] = HouseholdState(pk=h["id"], has_head=h["id"] in heads)
        self._writable: dict[int, bool] = {}

    def find_building(self, number: str, compound: str = "", community: str = ""):
        """(building, rule) — rule is None when exactly one building matches."""
        candidates = self.by_key.get(building_key(number), [])
        if community:
            ids = self.community_by_name.get(community.strip(), [])
            candidates = [b for b in candidates if b.community_id in ids]
        if compound:
            candidates = [b for b in candidates if b.compound_id and b.compound.name == compound.strip()]
        if not candidates:
            return None, rules.UNKNOWN_BUILDING
        if len(candidates) > 1:
            return None, rules.AMBIGUOUS_BUILDING
        return candidates[0], None

    def writable(self, building: Building) -> bool:
        if building.pk not in self._writable:
            self._writable[building.pk] = self.scope.covers(building, "write", roles.PEOPLE)
        return self._writable[building.pk]

    def label(self, building_id: int, entrance_id: int | None, room: str) -> str:
        """str(dwelling) without loading it."""
        b = self.buildings[building_id]
        text = f"{b.compound.name}{b.number}" if b.compound_id else b.number
        return text + (self.entrance_numbers.get(entrance_id, "") if entrance_id else "") + room


@dataclass
class HouseholdState:
    pk: int | None = None
    has_head: bool = False
    created: bool = False  # a household this import creates (its pk handed out by the batch being written)

