"""JSON API for care (mounted at /api/v1/care): devices of a station (list, register), the desk's feed of open
alarms (what the desk page polls), acknowledging an alarm, and the answer-time figures.

Vendor gateways do not use this API: they post signed events to /care/gateway/events (views/receiving.py), outside
the schema like Open311, because their authentication is the gateway's HMAC signature, not an account.
Bad input answers 422 naming the field; a station the caller does not work 404."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from linli.core.api_errors import created
from linli.people.models import Person
from linli.people.scopes import for_request

from . import queries, services
from .models import Alarm, Device

router = Router(tags=["care"])


def _station(request, station_id: int):
    return get_object_or_404(queries.stations_for(for_request(request)), pk=station_id)


class ContactIn(Schema):
    name: str = Field(max_length=50)
    relation: str = Field("", max_length=30)
    phone: str = Field(max_length=20)


class DeviceIn(Schema):
    person: int
    kind: str = Field(max_length=16)
    serial: str = Field(max_length=40)
    gateway: int | None = None
    dc09_account: str = Field("", max_length=16)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=5)
    heartbeat_minutes: int = Field(60, ge=1, le=1440)
    silence_hours: int = Field(12, ge=1, le=72)


class DeviceOut(Schema):
    id: int
    serial: str
    kind: str
    person: int
    status: str
    battery: int | None
    last_heartbeat_at: datetime.datetime | None


class FeedAlarm(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    name: str
    address: str
    device: str
    received_at: str
    step: int
    url: str
    waiting_s: int | None


class FeedOpen(Schema):
    new: int
    acknowledged: int


class FeedOut(Schema):
    now: str
    open: FeedOpen  # every open alarm of the station, by status
    left_out: int  # open alarms the feed does not list (beyond its rows)
    alarms: list[FeedAlarm]


class AlarmOut(Schema):
    id: int
    status: str
    acknowledged_at: datetime.datetime | None


class Share(Schema):
    label: str
    n: int
    within_60: float | None
    within_180: float | None


class FiguresOut(Schema):
    total: Share
    days: list[Share]
    shifts: list[Share]
    operators: list[Share]
    arrivals: dict


def _out(d: Device) -> dict:
    return {"id": d.pk, "serial": d.serial, "kind": d.kind, "person": d.person_id, "status": d.status, "battery": d.battery,
            "last_heartbeat_at": d.last_heartbeat_at}


@router.get("/stations/{station_id}/devices", response=list[DeviceOut])
def devices(request, station_id: int, offset: int = Query(0, ge=0, le=10**9), limit: int = Query(100, ge=1, le=500)):
    station = _station(request, station_id)
    return [_out(d) for d in station.devices.order_by("serial")[offset:offset + limit]]


@router.post("/stations/{station_id}/devices", response={201: DeviceOut})
def register_device(request, station_id: int, body: DeviceIn):
    scope = for_request(request)
    station = _station(request, station_id)
    person = get_object_or_404(scope.filter(Person.objects.all()), pk=body.person)
    gateway = get_object_or_404(station.gateways.all(), pk=body.gateway) if body.gateway else None
    d = services.register_device(scope, station, person=person, kind=body.kind, serial=body.serial, gateway=gateway,
                                 dc09_account=body.dc09_account, contacts=[c.dict() for c in body.contacts],
                                 heartbeat_minutes=body.heartbeat_minutes, silence_hours=body.silence_hours)
    return created(_out(d))


@router.get("/stations/{station_id}/feed", response=FeedOut)
def feed(request, station_id: int):
    return queries.feed(_station(request, station_id))


@router.post("/alarms/{alarm_id}/acknowledge", response=AlarmOut)
def acknowledge(request, alarm_id: int):
    scope = for_request(request)
    alarm = get_object_or_404(Alarm.objects.filter(station__in=queries.stations_for(scope)), pk=alarm_id)
    a = services.acknowledge(scope, alarm)
    return {"id": a.pk, "status": a.status, "acknowledged_at": a.acknowledged_at}


@router.get("/stations/{station_id}/figures", response=FiguresOut)
def figures(request, station_id: int, days: int = Query(7, ge=1, le=366)):
    station = _station(request, station_id)
    end = timezone.now()
    return queries.answer_figures(station, end - datetime.timedelta(days=days), end)
