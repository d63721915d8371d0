"""Receiving alarms: the HTTP endpoint for vendor gateways and SIA DC-09 frames.

Every message is checked first (gateway, signature, timestamp window, syntax, device), with no write; a refused one
writes one Reject row with its reason and nothing else. An accepted alarm is one short transaction (the alarm, its
first timeline row, the device's liveness) that has committed before this function returns, so the caller's
acknowledgement (the 2xx answer, the DC-09 ACK) always follows the commit. (device, event id) is unique: a repeated
event is acknowledged again and recorded once."""

import datetime
import hashlib
import hmac
import json

from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from .. import dc09
from ..models import Alarm, AlarmLog, Device, Gateway, Reject
from .devices import next_checks

HTTP_WINDOW = datetime.timedelta(minutes=5)
MAX_BODY = 16 * 1024

# Contact ID event codes (3 digits) → alarm kind; None: a test/supervision report (the device is alive, no alarm)
CID_KINDS = {"100": Alarm.Kind.EMERGENCY, "101": Alarm.Kind.EMERGENCY, "102": Alarm.Kind.WELFARE, "110": Alarm.Kind.FIRE,
             "111": Alarm.Kind.FIRE, "114": Alarm.Kind.FIRE, "115": Alarm.Kind.FIRE, "151": Alarm.Kind.GAS, "162": Alarm.Kind.GAS,
             "154": Alarm.Kind.WATER, "131": Alarm.Kind.DOOR, "134": Alarm.Kind.DOOR, "602": None, "603": None}
SIA_KINDS = {"FA": Alarm.Kind.FIRE, "MA": Alarm.Kind.EMERGENCY, "PA": Alarm.Kind.EMERGENCY, "QA": Alarm.Kind.EMERGENCY,
             "GA": Alarm.Kind.GAS, "WA": Alarm.Kind.WATER, "BA": Alarm.Kind.DOOR, "YT": Alarm.Kind.TECHNICAL,
             "YM": Alarm.Kind.TECHNICAL, "RP": None, "YS": None}
HTTP_KINDS = {"sos": Alarm.Kind.EMERGENCY, "fall": Alarm.Kind.FALL, "fire": Alarm.Kind.FIRE, "smoke": Alarm.Kind.FIRE,
              "gas": Alarm.Kind.GAS, "water": Alarm.Kind.WATER, "door": Alarm.Kind.DOOR, "welfare": Alarm.Kind.WELFARE,
              "inactivity": Alarm.Kind.WELFARE, "fault": Alarm.Kind.TECHNICAL, "low_battery": Alarm.Kind.TECHNICAL}
DEVICE_KINDS = {Device.Kind.SOS: Alarm.Kind.EMERGENCY, Device.Kind.FALL: Alarm.Kind.FALL, Device.Kind.SMOKE: Alarm.Kind.FIRE,
                Device.Kind.GAS: Alarm.Kind.GAS, Device.Kind.WATER: Alarm.Kind.WATER, Device.Kind.DOOR: Alarm.Kind.DOOR,
                Device.Kind.INACTIVITY: Alarm.Kind.WELFARE}


def reject(channel: str, reason: str, message: bytes | str = b"", peer: str = "", detail: str = "") -> Reject:
    if isinstance(message, bytes):
        message = message[:2000].decode("utf-8", errors="replace")
    return Reject.objects.create(channel=channel, reason=reason, peer=peer[:100], detail=detail[:300], message=message[:2000])


def alive(device: Device, now: datetime.datetime, battery: int | None = None, activity: bool = False) -> None:
    """A heartbeat (or any message): the device is online; an activity also restarts an inactivity sensor's silence."""
    fields = {"last_heartbeat_at": now, "check_at": next_checks(device, now)["check_at"],
              "status": Case(When(status=Device.Status.OFFLINE, then=Value(Device.Status.ACTIVE)), default="status")}
    if battery is not None:
        fields["battery"] = battery
    if activity:
        fields["last_activity_at"] = now
        if device.kind == Device.Kind.INACTIVITY:
            fields["silent_at"] = next_checks(device, now)["silent_at"]
    Device.objects.filter(pk=device.pk).update(**fields)


def record_alarm(device: Device, *, kind: str, source: str, event_id: str = "", code: str = "", now=None,
                 battery: int | None = None, note: str = "") -> tuple[Alarm, bool]:
    """(alarm, created): committed when this returns (unless the caller holds a transaction). The first escalation
    step (the operator on duty) is due at once; the worker tells them."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                alarm = Alarm.objects.create(device=device, station_id=device.station_id, community_id=device.community_id,
                                             person_id=device.person_id, kind=kind, source=source, event_id=event_id, code=code,
                                             received_at=now, next_step_at=now, note=note)
        except IntegrityError:
            existing = Alarm.objects.filter(device=device, event_id=event_id).first()
            if existing is None:
                raise
            return existing, False
        AlarmLog.objects.create(alarm=alarm, at=now, kind=AlarmLog.Kind.RECEIVED, note=source)
        if source in (Alarm.Source.HTTP, Alarm.Source.DC09):
            alive(device, now, battery, activity=True)
    return alarm, True


# ---------------------------------------------------------------- HTTP

def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def receive_http(body: bytes, *, gateway_key: str, timestamp: str, signature: str, peer: str = "", now=None) -> tuple[int, dict]:
    """(status, answer) for one gateway event. Signed: X-Linli-Signature = sha256=HMAC(secret, "<timestamp>.<body>")."""
    now = now or timezone.now()

    def refuse(status, reason, detail):
        reject("http", reason, body, peer, f"{gateway_key[:40]}: {detail}")
        return status, {"accepted": False, "reason": reason, "detail": detail}

    gateway = Gateway.objects.filter(key=gateway_key[:40], active=True).first() if gateway_key else None
    if gateway is None:
        return refuse(401, Reject.Reason.UNKNOWN_GATEWAY, "unknown or inactive gateway")
    if not hmac.compare_digest(signature_of(gateway.secret, timestamp, body), signature or ""):
        return refuse(401, Reject.Reason.BAD_SIGNATURE, "the signature does not match the body and timestamp")
    try:
        sent = datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return refuse(400, Reject.Reason.MALFORMED, "the timestamp is not a Unix time")
    if abs(now - sent) > HTTP_WINDOW:
        return refuse(409, Reject.Reason.REPLAYED, "the timestamp is more than 5 minutes away from ours")
    if len(body) > MAX_BODY:
        return refuse(400, Reject.Reason.MALFORMED, "the body is over 16 KB")
    try:
        data = json.loads(body)
    except ValueError:
        return refuse(400, Reject.Reason.MALFORMED, "the body is not JSON")
    problem = _check_event(data)
    if problem:
        return refuse(400, Reject.Reason.MALFORMED, problem)
    device = Device.objects.filter(serial=data["device"], gateway=gateway).exclude(status=Device.Status.RETIRED).first()
    if device is None:
        return refuse(422, Reject.Reason.UNKNOWN_DEVICE, f"no device {data['device']} on this gateway")
    kind = data.get("type", "alarm")
    if kind in ("heartbeat", "activity"):
        alive(device, now, data.get("battery"), activity=kind == "activity")
        return 200, {"accepted": True, "heartbeat": True}
    code = str(data.get("code") or "")
    alarm, created = record_alarm(device, kind=HTTP_KINDS.get(code) or DEVICE_KINDS[device.kind], source=Alarm.Source.HTTP,
                                  event_id=data["event_id"], code=code, now=now, battery=data.get("battery"))
    return (201 if created else 200), {"accepted": True, "alarm": alarm.pk, "duplicate": not created}


def _check_event(data) -> str:
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    device = data.get("device")
    if not isinstance(device, str) or not 0 < len(device) <= 40:
        return "device: a serial number of 1–40 characters"
    kind = data.get("type", "alarm")
    if kind not in ("alarm", "heartbeat", "activity"):
        return "type: alarm, heartbeat or activity"
    if kind == "alarm":
        event_id = data.get("event_id")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= 80 or "\x00" in event_id:
            return "event_id: 1–80 characters"
        code = data.get("code", "")
        if not isinstance(code, str) or len(code) > 20 or (code and code not in HTTP_KINDS):
            return "code: one of " + ", ".join(HTTP_KINDS)
    battery = data.get("battery")
    if battery is not None and (not isinstance(battery, int) or isinstance(battery, bool) or not 0 <= battery <= 100):
        return "battery: 0–100"
    return ""


# ---------------------------------------------------------------- SIA DC-09

REJECT_REASONS = {"bad_crc": Reject.Reason.BAD_CRC, "malformed": Reject.Reason.MALFORMED, "replayed": Reject.Reason.REPLAYED,
                  "unsupported": Reject.Reason.MALFORMED}


def receive_dc09(frame: bytes, peer: str = "", now=None) -> bytes:
    """The reply to one frame: ACK once the event is committed (or was already), NAK for a frame we cannot trust
    (CRC, length, syntax, timestamp window), DUH for an account we do not know."""
    now = now or timezone.now()
    try:
        f = dc09.parse(frame, now)
        code, qualifier = ("", "") if f.is_null else f.event()
    except dc09.FrameError as exc:
        reject("dc09", REJECT_REASONS[exc.reason], frame, peer, exc.detail)
        return dc09.nak(now)
    device = Device.objects.filter(dc09_account=f.account).exclude(status=Device.Status.RETIRED).first()
    if device is None:
        reject("dc09", Reject.Reason.UNKNOWN_DEVICE, frame, peer, f"no device with account {f.account}")
        return dc09.duh(f)
    kinds = CID_KINDS if f.token == "ADM-CID" else SIA_KINDS
    if f.is_null or qualifier == "3" or kinds.get(code, "?") is None:
        alive(device, now)  # a link test, a periodic test or a restore
        return dc09.ack(f)
    kind = kinds.get(code)
    if kind is None:  # an event code we do not map: the device's own kind
        kind = Alarm.Kind.TECHNICAL if f.token == "ADM-CID" and code.startswith("3") else DEVICE_KINDS[device.kind]
    record_alarm(device, kind=kind, source=Alarm.Source.DC09, event_id=f.event_id, code=f"{f.token}:{code}", now=now)
    return dc09.ack(f)
