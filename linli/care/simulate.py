"""A device simulator: N devices sending heartbeats and alarms over HTTP (signed) and SIA DC-09 (TCP), for the demo,
the benchmark and the tests. Every send records when the sender got its acknowledgement."""

import datetime
import http.client
import json
import socket
import time
import uuid
from dataclasses import dataclass, field

from . import dc09
from .services.receiving import signature_of


@dataclass
class Sent:
    device: str
    event_id: str
    sent_at: float
    acked_at: float | None = None
    status: int | str | None = None
    alarm: int | None = None


@dataclass
class HttpSender:
    host: str
    port: int
    gateway: str
    secret: str
    conns: dict = field(default_factory=dict)

    def post(self, body: dict, timeout: float = 30) -> tuple[int, dict]:
        raw = json.dumps(body).encode()
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Linli-Gateway": self.gateway, "X-Linli-Timestamp": ts,
                   "X-Linli-Signature": signature_of(self.secret, ts, raw)}
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("POST", "/care/gateway/events", raw, headers)
            r = conn.getresponse()
            data = r.read()
            try:
                return r.status, json.loads(data)
            except ValueError:
                return r.status, {}
        finally:
            conn.close()

    def heartbeat(self, serial: str, battery: int = 90) -> int:
        return self.post({"device": serial, "type": "heartbeat", "battery": battery})[0]

    def alarm(self, serial: str, code: str = "sos", event_id: str | None = None) -> Sent:
        s = Sent(device=serial, event_id=event_id or uuid.uuid4().hex, sent_at=time.time())
        try:
            status, answer = self.post({"device": serial, "type": "alarm", "code": code, "event_id": s.event_id})
        except OSError as exc:
            s.status = f"error: {exc}"
            return s
        s.status = status
        if status in (200, 201):
            s.acked_at, s.alarm = time.time(), answer.get("alarm")
        return s


class Dc09Sender:
    def __init__(self, host: str, port: int, timeout: float = 10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.seq = 0
        self.buffer = b""

    def send(self, account: str, token: str = "ADM-CID", data: str | None = None, moment=None) -> str:
        self.seq += 1
        moment = moment or datetime.datetime.now(datetime.timezone.utc)
        if data is None:
            data = "" if token == "NULL" else dc09.cid(account, "101")
        self.sock.sendall(dc09.build(token, self.seq, account, data, moment))
        while True:
            frames, self.buffer = dc09.split(self.buffer)
            if frames:
                return dc09.reply_token(frames[0])
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("receiver closed the connection")
            self.buffer += chunk

    def close(self):
        self.sock.close()
