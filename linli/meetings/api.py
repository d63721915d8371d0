"""JSON API of the council hall: matters (scoped like the pages), a matter with its published vote result, raising,
supporting, replying, voting online and evaluating. Errors: 404 for hidden and missing alike, 403 outside the scope,
422 naming the field."""

import datetime
from typing import Annotated

import annotated_types

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from linli.core.api_errors import Paginated, created, get_in
from linli.core.errors import StateConflict
from linli.core.api_limits import NonBlank, OneOf
from linli.meetings.services.council import LEVELS
from linli.people.scopes import for_request

from . import queries, services
from .models import Matter, Option

router = Router(tags=["council"])


class MatterOut(Schema):
    id: int
    title: str
    status: str
    community_id: int
    compound_id: int | None
    building_id: int | None
    support_count: int
    decision: str
    created_at: datetime.datetime


class OptionOut(Schema):
    id: int
    label: str
    cost: str | None
    rejects: bool


class VoteOut(Schema):
    id: int
    status: str
    level: str
    unit: str
    rule: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    eligible: int
    cast: int
    passed: bool | None
    counts: dict | None  # option id → votes, published when the vote closes


class MatterDetail(MatterOut):
    what: str
    why: str
    place: str
    options: list[OptionOut]
    vote: VoteOut | None
    evaluation: dict


class MatterIn(Schema):
    title: NonBlank(200)
    what: NonBlank(4000, 4)
    why: str = ""
    place: str = ""
    level: OneOf(LEVELS, blank=False) = "compound"


class TextIn(Schema):
    text: NonBlank(2000, 2)


class CastIn(Schema):
    option: int


class EvaluateIn(Schema):
    rating: Annotated[int, annotated_types.Ge(1), annotated_types.Le(5)]  # 1 very dissatisfied … 5 very satisfied
    comment: str = ""


def _out(m: Matter) -> dict:
    return {f: getattr(m, f) for f in ("id", "title", "status", "community_id", "compound_id", "building_id", "support_count", "decision", "created_at")}


def _detail(m: Matter) -> dict:
    vote = m.votes.order_by("-id").first()
    v = None
    if vote is not None:
        v = {"id": vote.pk, "status": vote.status, "level": vote.level, "unit": vote.unit, "rule": services.vote_rule(vote), "opens_at": vote.opens_at,
             "closes_at": vote.closes_at, "eligible": vote.eligible, "cast": vote.cast, "passed": vote.passed,
             "counts": vote.result.get("counts") if vote.status == "closed" else None}
    return _out(m) | {"what": m.what, "why": m.why, "place": m.place, "vote": v, "evaluation": services.evaluation_summary(m),
                      "options": [{"id": o.pk, "label": o.label, "cost": str(o.cost) if o.cost is not None else None, "rejects": o.rejects}
                                  for o in m.options.all()]}


@router.get("/matters", response=list[MatterOut])
@paginate(Paginated)
def list_matters(request, status: str = ""):
    return [_out(m) for m in queries.matters(for_request(request), status)]


@router.get("/matters/{matter_id}", response=MatterDetail)
def get_matter(request, matter_id: int):
    return _detail(queries.matter(for_request(request), matter_id))


@router.post("/matters", response={201: MatterDetail})
def raise_matter(request, body: MatterIn):
    m = services.raise_matter(for_request(request), **body.dict())
    return created(_detail(m))


@router.post("/matters/{matter_id}/support", response=MatterDetail)
def support(request, matter_id: int):
    scope = for_request(request)
    return _detail(services.support(scope, queries.matter(scope, matter_id)))


@router.post("/matters/{matter_id}/replies", response={201: dict})
def reply(request, matter_id: int, body: TextIn):
    scope = for_request(request)
    r = services.reply(scope, queries.matter(scope, matter_id), body.text)
    return created({"id": r.pk, "text": r.text, "at": r.at.isoformat()})


@router.post("/matters/{matter_id}/ballot", response={201: dict})
def cast(request, matter_id: int, body: CastIn):
    scope = for_request(request)
    m = queries.matter(scope, matter_id)
    vote = m.votes.order_by("-id").first()
    if vote is None:  # the matter's state: no vote (yet)
        raise StateConflict({"vote": _("Vote: there is no vote on this matter.")})
    option = get_in(Option.objects.filter(matter=m), body.option, "option")  # not one of its options: 404 naming it
    b = services.cast(scope, vote, option)
    return created({"vote": vote.pk, "channel": b.channel, "cast_at": b.cast_at.isoformat()})


@router.post("/matters/{matter_id}/evaluation", response={201: dict})
def evaluate(request, matter_id: int, body: EvaluateIn):
    scope = for_request(request)
    m = queries.matter(scope, matter_id)
    services.evaluate(scope, m, body.rating, body.comment)
    return created(services.evaluation_summary(m))
