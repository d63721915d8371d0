"""Devices (电子保姆): register from the page, the API or an Excel sheet; heartbeats keep them alive."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto, excel
from linli.core.errors import OutOfScope, ValidationError
from linli.people.models import Person

from ..models import Contact, Device, Gateway, Station
from ._common import require_work, text

MAX_CONTACTS = 5
KIND_NAMES = {k.value: k for k in Device.Kind} | {str(k.label).split(" ")[0]: k for k in Device.Kind} | {
    "一键呼叫": Device.Kind.SOS, "呼叫器": Device.Kind.SOS, "SOS": Device.Kind.SOS, "跌倒": Device.Kind.FALL, "烟感": Device.Kind.SMOKE,
    "燃气": Device.Kind.GAS, "水浸": Device.Kind.WATER, "水流": Device.Kind.WATER, "门磁": Device.Kind.DOOR, "红外": Device.Kind.INACTIVITY,
    "无活动": Device.Kind.INACTIVITY}


def next_checks(device: Device, now: datetime.datetime) -> dict:
    """When the sweep must look again: two missed heartbeats and a half; for an inactivity sensor, its silence."""
    out = {"check_at": now + datetime.timedelta(minutes=device.heartbeat_minutes * 2.5)}
    if device.kind == Device.Kind.INACTIVITY:
        out["silent_at"] = now + datetime.timedelta(hours=device.silence_hours)
    return out


def register_device(scope, station: Station, *, person: Person, kind: str, serial: str, gateway: Gateway | None = None,
                    dc09_account: str = "", contacts=(), heartbeat_minutes: int = 60, silence_hours: int = 12,
                    battery: int | None = None) -> Device:
    require_work(scope, station)
    if person.community_id != station.community_id and (person.dwelling is None or person.dwelling.building.community_id != station.community_id):
        raise ValidationError({"person": _("The resident does not live in the station's community.")})
    if kind not in Device.Kind.values:
        raise ValidationError({"kind": _("Unknown device kind.")})
    serial = text(serial, "serial", 40, required=True)
    dc09_account = text(dc09_account, "dc09_account", 16).upper()
    if dc09_account and not all(c in "0123456789ABCDEF" for c in dc09_account):
        raise ValidationError({"dc09_account": _("A DC-09 account is 3–16 hexadecimal digits.")})
    if Device.objects.filter(serial=serial).exists():
        raise ValidationError({"serial": _("A device with this serial number is registered.")})
    if dc09_account and Device.objects.filter(dc09_account=dc09_account).exists():
        raise ValidationError({"dc09_account": _("This DC-09 account is taken.")})
    if not 1 <= heartbeat_minutes <= 24 * 60 or not 1 <= silence_hours <= 72:
        raise ValidationError({"heartbeat_minutes": _("Out of range.")})
    rows = []
    for i, c in enumerate(list(contacts)[:MAX_CONTACTS], start=1):
        name, relation, phone = (c.get("name"), c.get("relation"), c.get("phone")) if isinstance(c, dict) else c
        name = text(name, "contacts", 50)
        phone = text(phone, "contacts", 20)
        if not name and not phone:
            continue
        if not phone:
            raise ValidationError({"contacts": _("Each contact needs a phone number.")})
        rows.append(Contact(position=len(rows) + 1, name=name or phone, relation=text(relation, "contacts", 30), phone=phone))
    now = timezone.now()
    d = Device(station=station, community=station.community, person=person, household=person.household, kind=kind, serial=serial,
               gateway=gateway, dc09_account=dc09_account, heartbeat_minutes=heartbeat_minutes, silence_hours=silence_hours,
               battery=battery, last_heartbeat_at=now, last_activity_at=now)
    for k, v in next_checks(d, now).items():
        setattr(d, k, v)
    with transaction.atomic():
        d.save()
        for r in rows:
            r.device = d
        Contact.objects.bulk_create(rows)
    return d


def retire_device(scope, device: Device) -> None:
    require_work(scope, device.station)
    Device.objects.filter(pk=device.pk).update(status=Device.Status.RETIRED, check_at=None, silent_at=None)


ALIASES = {
    "serial": ["序列号", "设备编号", "serial"], "kind": ["设备类型", "类型", "kind"], "id_number": ["身份证号", "身份证号码", "id number"],
    "name": ["姓名", "name"], "dc09": ["DC-09账号", "DC09账号", "报警账号", "account"],
    "c1_name": ["紧急联系人1", "联系人1"], "c1_relation": ["关系1"], "c1_phone": ["联系电话1", "电话1"],
    "c2_name": ["紧急联系人2", "联系人2"], "c2_relation": ["关系2"], "c2_phone": ["联系电话2", "电话2"],
}


def import_devices(scope, station: Station, fileobj, gateway: Gateway | None = None) -> dict:
    """One device per row (serial, kind, the resident's ID number, contacts); {"created": n, "errors": [(row, msg)]}.
    A row in error is reported and skipped; the others are registered."""
    require_work(scope, station)
    try:
        sheet = excel.read_sheet(fileobj, ALIASES)
    except excel.SheetError as exc:
        raise ValidationError({"file": str(exc)}) from None
    created, errors = 0, []
    for row in sheet.rows():
        if row.number > 5000:
            errors.append((row.number, _("At most 5,000 rows per sheet.")))
            break
        person = Person.objects.filter(id_number_hash=crypto.lookup_hash(row.get("id_number").upper())).first() if row.get("id_number") else None
        if person is None:
            errors.append((row.number, _("No resident with this ID number.")))
            continue
        kind = KIND_NAMES.get(row.get("kind").strip())
        if kind is None:
            errors.append((row.number, _("Unknown device kind.")))
            continue
        contacts = [(row.get(f"c{i}_name"), row.get(f"c{i}_relation"), row.get(f"c{i}_phone")) for i in (1, 2)]
        try:
            register_device(scope, station, person=person, kind=kind, serial=row.get("serial"), gateway=gateway,
                            dc09_account=row.get("dc09"), contacts=contacts)
            created += 1
        except (ValidationError, OutOfScope) as exc:
            errors.append((row.number, "; ".join(exc.messages) if hasattr(exc, "messages") else str(exc)))
    return {"created": created, "errors": errors}
