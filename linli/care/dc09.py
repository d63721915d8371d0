"""SIA DC-09 frames carrying Contact ID (ADM-CID) or SIA (SIA-DCS) events: parse, check, answer.

Ours rather than pysiaalarm (3.2.2, maintained, Python ≥ 3.10): its TCP server writes the ACK *before* it calls the
application (aio/server.py: `writer.write(response)` then `await self.async_func_wrap(event)`), and linli must
acknowledge only what it has committed. The frame is small enough to parse here:

    LF  CRC(4 hex)  0LLL(length, 3 hex)  "TOKEN"  seq(4)  [Rrcvr]  Lpref  #acct  [data]  [_HH:MM:SS,MM-DD-YYYY]  CR

CRC-16/ARC and the length cover the text from the first quote up to the CR. The timestamp is UTC; a message outside
−20 s … +40 s of the receiver's clock is refused (NAK carrying our time, as the standard asks), so a captured frame
cannot be replayed later. A retransmission (same sequence and timestamp) inside the window is acknowledged again
and recorded once (the event id is the sequence and timestamp).
"""

import datetime
import re
from dataclasses import dataclass

PAST_WINDOW = datetime.timedelta(seconds=20)
FUTURE_WINDOW = datetime.timedelta(seconds=40)
MAX_FRAME = 1024


class FrameError(ValueError):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason  # "bad_crc", "malformed", "replayed", "unsupported"
        self.detail = detail


def crc16_arc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


_BODY = re.compile(
    r'^"(?P<token>\*?[A-Z][A-Z\-]*)"(?P<seq>\d{4})(?:R(?P<rcvr>[0-9A-F]{1,6}))?L(?P<pref>[0-9A-F]{1,6})'
    r'#(?P<account>[0-9A-F]{3,16})\[(?P<data>[^\]]*)\](?:\[[^\]]*\])*(?:_(?P<ts>\d{2}:\d{2}:\d{2},\d{2}-\d{2}-\d{4}))?$')
_CID = re.compile(r"^(?:#[0-9A-F]{3,16}\|)?(?P<q>[136])(?P<code>\d{3})\s?(?P<group>\d{2})\s?(?P<zone>\d{3})$")
_SIA = re.compile(r"^(?:#[0-9A-F]{3,16}\|)?N(?:ri\d+/)?(?P<code>[A-Z]{2})(?P<zone>\d{0,4})$")


@dataclass
class Frame:
    token: str
    seq: str
    rcvr: str | None
    pref: str
    account: str
    data: str
    timestamp: datetime.datetime | None
    raw_ts: str

    @property
    def is_null(self) -> bool:  # a link test / supervision message: the device's heartbeat
        return self.token == "NULL"

    @property
    def event_id(self) -> str:
        return f"dc09:{self.seq}:{self.raw_ts}"

    def event(self) -> tuple[str, str]:
        """(code, qualifier): Contact ID "101" with "1" new / "3" restore; SIA two letters ("FA") with "1"."""
        if self.token == "ADM-CID":
            m = _CID.match(self.data)
            if not m:
                raise FrameError("malformed", "Contact ID data not understood")
            return m["code"], m["q"]
        m = _SIA.match(self.data)
        if not m:
            raise FrameError("malformed", "SIA data not understood")
        return m["code"], "1"


def split(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete frames (LF … CR) in the buffer and the rest to keep for the next read."""
    frames = []
    while True:
        start = buffer.find(b"\n")
        if start < 0:
            return frames, b"" if len(buffer) > MAX_FRAME else buffer
        end = buffer.find(b"\r", start)
        if end < 0:
            rest = buffer[start:]
            return frames, b"" if len(rest) > MAX_FRAME else rest
        frames.append(buffer[start:end + 1])
        buffer = buffer[end + 1:]


def parse(frame: bytes, now: datetime.datetime, replies: bool = False) -> Frame:
    """Check CRC, length, syntax and the timestamp window; FrameError names the reason. `replies`: a sender reading
    our ACK / NAK / DUH."""
    if not (frame.startswith(b"\n") and frame.endswith(b"\r")) or len(frame) < 12 or len(frame) > MAX_FRAME:
        raise FrameError("malformed", "not an LF … CR frame")
    head, body = frame[1:9], frame[9:-1]
    try:
        crc, length = int(head[:4], 16), int(head[4:], 16)
    except ValueError:
        raise FrameError("malformed", "CRC or length is not hexadecimal") from None
    if crc != crc16_arc(body) or length != len(body):
        raise FrameError("bad_crc", f"CRC {head[:4].decode(errors='replace')} / length {length} do not match the message")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("malformed", "not ASCII") from None
    m = _BODY.match(text)
    if not m:
        raise FrameError("malformed", "not a DC-09 message")
    if m["token"].startswith("*"):
        raise FrameError("unsupported", "encrypted messages are not configured")
    if m["token"] not in ("ADM-CID", "SIA-DCS", "NULL") + (("ACK", "NAK", "DUH") if replies else ()):
        raise FrameError("unsupported", f"token {m['token']} not supported")
    stamp = None
    if m["ts"]:
        try:
            stamp = datetime.datetime.strptime(m["ts"], "%H:%M:%S,%m-%d-%Y").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise FrameError("malformed", "timestamp not a date") from None
        if stamp < now - PAST_WINDOW or stamp > now + FUTURE_WINDOW:
            raise FrameError("replayed", f"timestamp {m['ts']} outside the window")
    return Frame(token=m["token"], seq=m["seq"], rcvr=m["rcvr"], pref=m["pref"], account=m["account"], data=m["data"],
                 timestamp=stamp, raw_ts=m["ts"] or "")


def _wrap(body: str) -> bytes:
    raw = body.encode("ascii")
    return b"\n" + f"{crc16_arc(raw):04X}0{len(raw):03X}".encode() + raw + b"\r"


def stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("_%H:%M:%S,%m-%d-%Y")


def build(token: str, seq: int | str, account: str, data: str, moment: datetime.datetime | None, rcvr: str = "0", pref: str = "0") -> bytes:
    """A frame as a sender writes it (the simulator and the tests)."""
    seq = f"{int(seq) % 10000:04d}"
    return _wrap(f'"{token}"{seq}R{rcvr}L{pref}#{account}[{data}]' + (stamp(moment) if moment else ""))


def cid(account: str, code: str, zone: int = 1, qualifier: str = "1", group: int = 0) -> str:
    return f"#{account}|{qualifier}{code} {group:02d} {zone:03d}"


def ack(f: Frame) -> bytes:
    return _wrap(f'"ACK"{f.seq}' + (f"R{f.rcvr}" if f.rcvr else "") + f"L{f.pref}#{f.account}[]")


def duh(f: Frame) -> bytes:
    return _wrap(f'"DUH"{f.seq}' + (f"R{f.rcvr}" if f.rcvr else "") + f"L{f.pref}#{f.account}[]")


def nak(now: datetime.datetime) -> bytes:
    return _wrap('"NAK"0000R0L0A0[]' + stamp(now))


def reply_token(reply: bytes) -> str:
    m = re.search(rb'"([A-Z\-]+)"', reply)
    return m.group(1).decode() if m else ""
