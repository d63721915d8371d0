"""Shapes of cases in the JSON API.

The reporter's phone only ever leaves masked; the reporter sees their own case's
public timeline rows, handlers see every row.
"""

import datetime

from ninja import Field, Schema

from linli.core.crypto import mask_phone
from linli.core.api_limits import PRESENT_ID, NonBlank, OneOf, Phone, at_least_one, present_text, rules_config
from linli.cases.models import Category

from .models import Case, CaseEvent


class CaseOut(Schema):
    id: int
    number: str
    title: str
    state: str
    state_label: str
    tier: str
    source: str
    category: str | None = None
    category_name: str | None = None
    community_id: int
    grid_id: int | None = None
    grid_name: str | None = None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    response_due: datetime.datetime | None = None
    handling_due: datetime.datetime | None = None
    version: int

    @staticmethod
    def resolve_state_label(obj):
        return str(_STATE_LABELS.get(obj.state, obj.state))  # as get_state_display(), without rebuilding the choices

    @staticmethod
    def resolve_category(obj):
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_category_name(obj):
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name if obj.grid_id else None


_ACTION_LABELS = dict(CaseEvent.Action.choices)  # lazy labels: translated when read
_STATE_LABELS = dict(Case.State.choices)


class CaseEventOut(Schema):
    at: datetime.datetime
    action: str
    action_label: str
    actor: str | None = None
    from_state: str
    to_state: str
    from_tier: str
    to_tier: str
    note: str
    public: bool

    @staticmethod
    def resolve_action_label(obj):
        # the label from the choices directly: get_action_display() rebuilds a dict of every choice on each call
        return str(_ACTION_LABELS.get(obj.action, obj.action))

    @staticmethod
    def resolve_actor(obj):
        if not obj.actor_id:
            return None
        person = obj.actor.person
        return person.name if person else obj.actor.get_username()


class CaseDetail(CaseOut):
    description: str
    address: str
    lat: float | None = None
    lng: float | None = None
    dwelling_id: int | None = None
    building_id: int | None = None
    subdistrict_id: int
    reporter_name: str
    reporter_phone_masked: str
    mine: bool = False
    assignee: str | None = None
    assignee_org: str | None = None
    responded_at: datetime.datetime | None = None
    resolved_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    rating_due: datetime.datetime | None = None
    result: str
    verdict: str
    rework_count: int
    parent: str | None = None
    timeline: list[CaseEventOut] = Field(default_factory=list)

    @staticmethod
    def resolve_reporter_phone_masked(obj):
        return mask_phone(obj.reporter_phone or "")

    @staticmethod
    def resolve_assignee(obj):
        if not obj.assignee_id:
            return None
        person = obj.assignee.person
        return person.name if person else obj.assignee.get_username()

    @staticmethod
    def resolve_assignee_org(obj):
        return obj.assignee_org.name if obj.assignee_org_id else None

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.number if obj.parent_id else None


def leaf_category_codes() -> list[str]:
    """The codes a case may be filed under (active leaf categories), read when the schema is built."""
    return list(Category.objects.filter(active=True, parent__isnull=False).order_by("code").values_list("code", flat=True))


class CaseIn(Schema):
    """Where: a dwelling, or a point (lat and lng) — stated in the schema. A point outside every grid
    answers 409 (the map holds no grid there)."""

    model_config = rules_config(at_least_one({"dwelling": PRESENT_ID}, {"lat": {"type": "number"}, "lng": {"type": "number"}}))

    description: NonBlank(4000, 4) = Field(..., description="what the problem is (at least 4 characters)")
    title: str = Field("", max_length=200)
    category: OneOf(leaf_category_codes) = Field("", description="a leaf category code, e.g. env.clutter; empty: the classifier proposes one")
    dwelling: int | None = Field(None, description="a dwelling id (the resident's own, or one in the caller's area)")
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    address: str = Field("", max_length=300)
    reporter_name: str = Field("", max_length=100, description="hotline / building leader: who called or asked")
    reporter_phone: Phone = Field("", description="hotline: the caller's phone (matched to a registered resident)")
    source: OneOf(["resident", "patrol", "building_leader", "hotline"]) = Field(
        "", description="empty: from the caller's role; a source the caller's roles do not give answers 403")


class ActionIn(Schema):
    note: str = ""
    version: int | None = Field(None, description="the version you last read; a newer one answers 409")


class ResolveIn(Schema):
    result: NonBlank(4000, 2)
    version: int | None = None


class RateIn(Schema):
    """Unsatisfied needs a comment saying what is still wrong (stated in the schema)."""

    model_config = rules_config(at_least_one({"verdict": {"enum": ["satisfied", "basic"]}}, {"comment": present_text()}))

    verdict: OneOf(["satisfied", "basic", "unsatisfied"], blank=False) = Field(
        ..., description="satisfied, basic or unsatisfied (then a comment is required)")
    comment: str = ""


class EscalateIn(Schema):
    note: NonBlank(4000)
    to_tier: OneOf(["department", "subdistrict"]) | None = Field(
        None, description="dispatcher only (anyone else: 403): department or subdistrict")
    version: int | None = None


class NoteIn(Schema):
    note: NonBlank(4000)
    public: bool = Field(True, description="shown to the reporter")
    version: int | None = None
