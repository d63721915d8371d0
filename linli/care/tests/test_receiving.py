"""Receiving over HTTP and DC-09 (services level): committed once, duplicates acknowledged and recorded once, and every
bad message refused with its reason in the rejects log, nothing else written."""

import datetime
import json

import pytest

from linli.care import dc09, services
from linli.care.models import Alarm, AlarmLog, Device, Reject
from linli.core.models import OutboxMessage

from .conftest import SECRET, now, signed


def _post(body: dict | bytes, secret=SECRET, ts=None, key="vendor-a"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    t, sig = signed(raw, secret, ts)
    return services.receive_http(raw, gateway_key=key, timestamp=t, signature=sig, peer="127.0.0.1")


def _written():
    return (Alarm.objects.count(), AlarmLog.objects.count(), OutboxMessage.objects.count())


def test_http_alarm_recorded_once(care):
    status, answer = _post({"device": "SOS-0001", "event_id": "e-1", "type": "alarm", "code": "sos", "battery": 80})
    assert status == 201 and answer["accepted"]
    status, again = _post({"device": "SOS-0001", "event_id": "e-1", "type": "alarm", "code": "sos"})
    assert status == 200 and again == {"accepted": True, "alarm": answer["alarm"], "duplicate": True}
    a = Alarm.objects.get()
    assert (a.kind, a.status, a.source, a.step) == ("emergency", "new", "http", 0)
    assert Device.objects.get(pk=care.pendant.pk).battery == 80
    assert not Reject.objects.exists()


def test_heartbeat_writes_no_alarm(care):
    Device.objects.filter(pk=care.pendant.pk).update(status=Device.Status.OFFLINE)
    status, _ = _post({"device": "SOS-0001", "type": "heartbeat", "battery": 55})
    d = Device.objects.get(pk=care.pendant.pk)
    assert status == 200 and d.status == "active" and d.battery == 55 and not Alarm.objects.exists()


@pytest.mark.parametrize("case,status,reason", [
    ("bad_signature", 401, "bad_signature"),
    ("unknown_gateway", 401, "unknown_gateway"),
    ("unknown_device", 422, "unknown_device"),
    ("malformed_json", 400, "malformed"),
    ("malformed_fields", 400, "malformed"),
    ("replayed", 409, "replayed"),
])
def test_http_bad_input_refused_and_logged(care, case, status, reason):
    before = _written()
    good = {"device": "SOS-0001", "event_id": "e-9", "type": "alarm"}
    got = {
        "bad_signature": lambda: _post(good, secret="wrong"),
        "unknown_gateway": lambda: _post(good, key="nobody"),
        "unknown_device": lambda: _post(dict(good, device="SOS-9999")),
        "malformed_json": lambda: _post(b"{not json"),
        "malformed_fields": lambda: _post(dict(good, battery=400)),
        "replayed": lambda: _post(good, ts=int(now().timestamp()) - 3600),
    }[case]()
    assert got[0] == status and got[1]["reason"] == reason and got[1]["detail"]
    r = Reject.objects.get()
    assert (r.channel, r.reason) == ("http", reason) and r.message
    assert _written() == before  # nothing else written


def test_dc09_alarm_acknowledged_once_and_retransmission(care):
    frame = dc09.build("ADM-CID", 12, "1A01", dc09.cid("1A01", "101"), now())
    reply = services.receive_dc09(frame, "10.0.0.9")
    assert dc09.reply_token(reply) == "ACK"
    assert dc09.reply_token(services.receive_dc09(frame, "10.0.0.9")) == "ACK"  # the sender retransmits: same event
    a = Alarm.objects.get()
    assert (a.source, a.kind, a.device_id) == ("dc09", "emergency", care.pendant.pk)
    # a fire event (SIA-DCS) from the same account is a second alarm
    services.receive_dc09(dc09.build("SIA-DCS", 13, "1A01", "#1A01|Nri1/FA001", now()))
    assert Alarm.objects.filter(kind="fire").count() == 1


def test_dc09_null_is_a_heartbeat(care):
    Device.objects.filter(pk=care.pendant.pk).update(last_heartbeat_at=None)
    assert dc09.reply_token(services.receive_dc09(dc09.build("NULL", 1, "1A01", "", now()))) == "ACK"
    assert Device.objects.get(pk=care.pendant.pk).last_heartbeat_at is not None and not Alarm.objects.exists()


@pytest.mark.parametrize("case,reply,reason", [
    ("bad_crc", "NAK", "bad_crc"), ("unknown_account", "DUH", "unknown_device"), ("malformed", "NAK", "malformed"),
    ("replayed", "NAK", "replayed"), ("bad_cid", "NAK", "malformed"),
])
def test_dc09_bad_frames(care, case, reply, reason):
    before = _written()
    good = dc09.build("ADM-CID", 3, "1A01", dc09.cid("1A01", "101"), now())
    frame = {
        "bad_crc": lambda: good[:1] + b"0000" + good[5:],
        "unknown_account": lambda: dc09.build("ADM-CID", 3, "FFFF", dc09.cid("FFFF", "101"), now()),
        "malformed": lambda: b"\n" + b"garbage" + b"\r",
        "replayed": lambda: dc09.build("ADM-CID", 3, "1A01", dc09.cid("1A01", "101"), now() - datetime.timedelta(minutes=10)),
        "bad_cid": lambda: dc09.build("ADM-CID", 3, "1A01", "#1A01|XYZ", now()),
    }[case]()
    assert dc09.reply_token(services.receive_dc09(frame, "10.0.0.9")) == reply
    r = Reject.objects.get()
    assert (r.channel, r.reason) == ("dc09", reason)
    assert _written() == before
