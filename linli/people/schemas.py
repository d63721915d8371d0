"""Shapes of people, households, organisations and appointments in the JSON API.

ID numbers and phones only ever leave as masked values (`id_number_masked`,
`phone_masked`); the plaintext comes only from the reveal endpoint, which
writes an audit row.
"""

import datetime

from ninja import Field, Schema

from typing import Annotated

from pydantic import WithJsonSchema

from linli.core.api_limits import PRESENT_ID, NonBlank, OneOf, Phone, ResidentId, at_least_one, rules_config

from .models import HouseholdMember, Person, Tag


class TagOut(Schema):
    tag: str
    level: int | None = None


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: datetime.date | None = None
    age: int | None = None
    id_number_masked: str
    phone_masked: str
    political_status: str
    status: str
    community_id: int | None = None
    dwelling_id: int | None = None
    dwelling: str | None = None
    building_id: int | None = None
    grid_id: int | None = None
    household_id: int | None = None
    tags: list[str]

    @staticmethod
    def resolve_age(obj):
        return obj.age()

    @staticmethod
    def resolve_dwelling(obj):
        return str(obj.dwelling) if obj.dwelling_id else None

    @staticmethod
    def resolve_building_id(obj):
        return obj.dwelling.building_id if obj.dwelling_id else None

    @staticmethod
    def resolve_grid_id(obj):
        return obj.dwelling.building.grid_id if obj.dwelling_id else None

    @staticmethod
    def resolve_tags(obj):
        return sorted(t.tag for t in obj.tags.all()) + obj.derived_tags()


class PersonEventOut(Schema):
    kind: str
    on: datetime.date
    at: datetime.datetime
    note: str
    changes: dict
    household_id: int | None = None
    actor: str | None = None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor_id else None


class MembershipOut(Schema):
    household_id: int
    dwelling: str
    relation: str
    since: datetime.date
    until: datetime.date | None = None
    end_reason: str

    @staticmethod
    def resolve_dwelling(obj):
        return str(obj.household.dwelling)


class PersonDetail(PersonOut):
    """Built from a Person to which the API attached `history`, `membership_list` and `may_reveal`."""

    ethnicity: str
    registered_residence: str
    registered_here: bool
    work_unit: str
    note: str
    died_on: datetime.date | None = None
    tag_levels: list[TagOut]
    may_reveal: bool
    memberships: list[MembershipOut]
    history: list[PersonEventOut]

    @staticmethod
    def resolve_tag_levels(obj):
        return list(obj.tags.all())

    @staticmethod
    def resolve_memberships(obj):
        return obj.membership_list


# Stored tags: a list of codes, or {code: level} where only "disabled" takes a level (1-4) and the others null.
TagList = list[OneOf(Tag.values, blank=False)]
TagLevels = Annotated[dict[str, int | None], WithJsonSchema({
    "type": "object",
    "properties": {t: ({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 4}, {"type": "null"}]}
                       if t == Tag.DISABLED else {"type": "null"}) for t in Tag.values},
    "additionalProperties": False,
})]
# An ID number carries the birth date and gender: with one, they are derived from it (and are not sent).
ID_CARRIES_BIRTH = {"anyOf": [
    {"not": {"required": ["id_number"]}},
    {"properties": {"id_number": {"enum": ["", None]}}},
    {"properties": {"birth_date": {"type": "null"}, "gender": {"enum": ["", None]}}},
]}


class PersonIn(Schema):
    """Register a resident: in a dwelling (joining `household`, or its current one, or a new one), or only in a community.

    At least one of `dwelling`, `household` (then its dwelling) or `community` is given (stated in the schema)."""

    model_config = rules_config(at_least_one({"dwelling": PRESENT_ID}, {"household": PRESENT_ID}, {"community": PRESENT_ID}),
                                ID_CARRIES_BIRTH)

    name: NonBlank(50)
    id_number: ResidentId = ""
    phone: Phone = ""
    gender: OneOf(Person.Gender.values) = ""
    birth_date: datetime.date | None = None
    ethnicity: str = Field("", max_length=20)
    political_status: OneOf(Person.Political.values) = "masses"
    registered_residence: str = Field("", max_length=200)
    registered_here: bool = True
    work_unit: str = Field("", max_length=100)
    note: str = ""
    dwelling: int | None = None
    household: int | None = None
    community: int | None = None
    relation: OneOf(HouseholdMember.Relation.values) = ""
    tags: TagList | TagLevels | None = None
    since: datetime.date | None = None


class PersonPatch(Schema):
    """Change a resident's details; only the fields sent are changed. `tags` replaces the stored tags."""

    model_config = rules_config(ID_CARRIES_BIRTH)

    name: NonBlank(50) | None = None
    id_number: ResidentId | None = None
    phone: Phone | None = None
    gender: OneOf(Person.Gender.values) | None = None
    birth_date: datetime.date | None = None
    ethnicity: str | None = Field(None, max_length=20)
    political_status: OneOf(Person.Political.values) | None = None
    registered_residence: str | None = Field(None, max_length=200)
    registered_here: bool | None = None
    work_unit: str | None = Field(None, max_length=100)
    note: str | None = None
    tags: TagList | TagLevels | None = None


class MoveIn(Schema):
    dwelling: int
    household: int | None = None
    relation: str = ""
    on: datetime.date | None = None


class MoveOutIn(Schema):
    on: datetime.date | None = None
    destination: str = Field("", max_length=300)


class DeathIn(Schema):
    on: datetime.date


class RevealIn(Schema):
    field: OneOf(["id_number", "phone"], blank=False)
    reason: NonBlank(4000, 2)


class RevealOut(Schema):
    field: str
    value: str


class MemberOut(Schema):
    person_id: int
    name: str
    relation: str
    since: datetime.date
    until: datetime.date | None = None
    end_reason: str

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class HouseholdOut(Schema):
    id: int
    number: str
    kind: str
    dwelling_id: int
    dwelling: str
    building_id: int
    created_on: datetime.date
    closed_on: datetime.date | None = None
    members: list[MemberOut]

    @staticmethod
    def resolve_dwelling(obj):
        return str(obj.dwelling)

    @staticmethod
    def resolve_building_id(obj):
        return obj.dwelling.building_id

    @staticmethod
    def resolve_members(obj):
        return obj.current_members_list


class HouseholdDetail(HouseholdOut):
    """`members` holds current and past members (past ones with `until`)."""

    @staticmethod
    def resolve_members(obj):
        return obj.member_history


class OrganizationOut(Schema):
    id: int
    kind: str
    name: str
    parent_id: int | None = None
    party_level: str
    department_type: str
    subdistrict_id: int | None = None
    community_id: int | None = None
    compound_id: int | None = None
    grid_id: int | None = None
    building_id: int | None = None
    contact_name: str
    contact_phone: str = Field(..., alias="contact_phone_masked", description="masked: the middle digits starred")
    active: bool


class AppointmentOut(Schema):
    id: int
    person_id: int
    person: str
    role: str
    scope_level: str
    scope_id: int | None = None
    scope_name: str
    title: str
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    home_community_id: int | None = None

    @staticmethod
    def resolve_person(obj):
        return obj.person.name

    @staticmethod
    def resolve_scope_id(obj):
        return getattr(obj, f"{obj.scope_level}_id", None) if obj.scope_level else None

    @staticmethod
    def resolve_scope_name(obj):
        target = obj.scope_object
        return str(target) if target is not None else ""


class AppointmentIn(Schema):
    person: int
    role: str
    scope_level: str
    scope_id: int
    title: str = Field("", max_length=100)
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None


class AccountOut(Schema):
    id: int
    username: str
    person_id: int | None = None
    name: str
    is_superuser: bool


class ScopeSummary(Schema):
    everything: bool
    roles: list[str]
    community_ids: list[int]
    can_reveal: bool
    # "read:people" -> {"grid": [ids], ...}
    areas: dict[str, dict[str, list[int]]]


class PeopleMeOut(Schema):
    account: AccountOut
    appointments: list[AppointmentOut]
    scope: ScopeSummary
