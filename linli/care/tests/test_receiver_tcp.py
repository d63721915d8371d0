"""The DC-09 receiver over a real TCP socket: ACK after the commit, the retransmission recorded once, a bad frame NAKed,
an unknown account DUHed, frames split across reads."""

import threading

import pytest

from linli.care import dc09
from linli.care.models import Alarm, Reject
from linli.care.receiver import serve
from linli.care.simulate import Dc09Sender

from .conftest import now


@pytest.mark.django_db(transaction=True)
def test_receiver_over_tcp(world_tx):
    server = serve("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        s = Dc09Sender("127.0.0.1", port)
        assert s.send("1A01", "NULL") == "ACK"
        assert s.send("1A01") == "ACK"
        assert Alarm.objects.count() == 1  # committed when the ACK arrived
        frame = dc09.build("ADM-CID", 99, "1A01", dc09.cid("1A01", "110"), now())
        for part in (frame[:7], frame[7:]):  # one frame in two reads, then sent again
            s.sock.sendall(part)
        s.sock.sendall(frame)
        replies = []
        while len(replies) < 2:
            frames, s.buffer = dc09.split(s.buffer + s.sock.recv(4096))
            replies += [dc09.reply_token(f) for f in frames]
        assert replies == ["ACK", "ACK"] and Alarm.objects.filter(kind="fire").count() == 1
        s.sock.sendall(frame[:1] + b"0000" + frame[5:])
        assert dc09.reply_token(s.sock.recv(4096)) == "NAK"
        assert s.send("BEEF") == "DUH"
        s.close()
        assert set(Reject.objects.values_list("reason", flat=True)) == {"bad_crc", "unknown_device"}
    finally:
        server.shutdown()
        server.server_close()
