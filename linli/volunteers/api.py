"""JSON API for volunteers (mounted at /api/v1/volunteers): my registration, balance and points book, the
activities of my community with sign-up and code check-in/out, the charity shop and the open micro-wishes.

Bad input answers 422 naming the field (the service's message); acting outside one's community 403;
ids one may not see 404.
"""

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from linli.core.api_errors import created
from linli.core.errors import OutOfScope
from linli.people.scopes import for_request

from . import queries, services
from .models import Activity, ShopItem, SignUp, Volunteer

router = Router(tags=["volunteers"])


class VolunteerMeOut(Schema):
    volunteer: int | None
    status: str | None
    community: int | None
    balance: int
    hours: float


class PostingOut(Schema):
    id: int
    at: datetime.datetime
    kind: str
    reason: str
    amount: int  # signed: + into my account, − out of it


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    audience: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    taken: int
    points_per_hour: int


class SignUpOut(Schema):
    id: int
    activity: int
    status: str
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None


class CodeIn(Schema):
    code: str


class ItemOut(Schema):
    id: int
    name: str
    kind: str
    price: int
    stock: int


class RedeemIn(Schema):
    item: int
    quantity: int = 1
    token: str = ""


class RedemptionOut(Schema):
    id: int
    item: int
    quantity: int
    points: int
    status: str
    balance: int


class WishOut(Schema):
    id: int
    text: str
    resident: str  # masked
    created_at: datetime.datetime


def _person(request):
    person = getattr(request.auth, "person", None) or getattr(request.user, "person", None)
    if person is None:
        raise OutOfScope(_("Only a signed-in resident can do this."))
    return person


def _me(request):
    person = _person(request)
    return person, Volunteer.objects.filter(person=person, community_id=person.community_id).first()


def _signup(s: SignUp) -> dict:
    return {"id": s.pk, "activity": s.activity_id, "status": s.status, "checked_in_at": s.checked_in_at, "checked_out_at": s.checked_out_at}


def _activity(request, pk):
    person = _person(request)
    return get_object_or_404(Activity, pk=pk, community_id=person.community_id)


@router.get("/me", response=VolunteerMeOut)
def me(request):
    person, v = _me(request)
    approved = v is not None and v.status == Volunteer.Status.APPROVED
    return {"volunteer": v.pk if v else None, "status": v.status if v else None, "community": person.community_id,
            "balance": services.account_of(v).balance if approved else 0, "hours": queries.hours_of(v) if v else 0.0}


@router.get("/me/postings", response=list[PostingOut])
def my_postings(request):
    _person_, v = _me(request)
    if v is None or v.status != Volunteer.Status.APPROVED:
        return []
    account = services.account_of(v)
    return [{"id": p.pk, "at": p.at, "kind": p.kind, "reason": p.reason, "amount": p.amount if p.to_account_id == account.pk else -p.amount}
            for p in queries.postings_of(account)[:500]]


@router.get("/activities", response=list[ActivityOut])
def activities(request):
    person = _person(request)
    return [{"id": a.pk, "title": a.title, "kind": a.kind, "audience": a.audience, "place": a.place, "starts_at": a.starts_at,
             "ends_at": a.ends_at, "capacity": a.capacity, "taken": a.taken, "points_per_hour": a.points_per_hour}
            for a in queries.upcoming(person.community_id).filter(ends_at__gte=timezone.now())]


@router.post("/activities/{pk}/signup", response={201: SignUpOut})
def sign_up(request, pk: int):
    return created(_signup(services.sign_up(for_request(request), _activity(request, pk))))


@router.post("/activities/{pk}/checkin", response=SignUpOut)
def check_in(request, pk: int, body: CodeIn):
    return _signup(services.check_in(for_request(request), _activity(request, pk), body.code))


@router.post("/activities/{pk}/checkout", response=SignUpOut)
def check_out(request, pk: int, body: CodeIn):
    return _signup(services.check_out(for_request(request), _activity(request, pk), body.code))


@router.get("/shop/items", response=list[ItemOut])
def items(request):
    person = _person(request)
    return list(ShopItem.objects.filter(community_id=person.community_id, active=True).values("id", "name", "kind", "price", "stock"))


@router.post("/shop/redeem", response={201: RedemptionOut})
def redeem(request, body: RedeemIn):
    person, v = _me(request)
    item = get_object_or_404(ShopItem, pk=body.item, community_id=person.community_id)
    if v is None:
        raise ValidationError({"volunteer": _("Volunteer: you are not an approved volunteer of this community.")})
    r = services.redeem(for_request(request), v, item, quantity=body.quantity, token=body.token)
    return created({"id": r.pk, "item": r.item_id, "quantity": r.quantity, "points": r.points, "status": r.status,
                    "balance": services.account_of(v).balance})


@router.get("/wishes", response=list[WishOut])
def wishes(request):
    person = _person(request)
    return [{"id": w.pk, "text": w.text, "resident": w.masked_name, "created_at": w.created_at} for w in queries.open_wishes(person.community_id)]
