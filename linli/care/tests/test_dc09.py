"""The DC-09 frame parser on its own: CRC-16/ARC, length, tokens, the timestamp window, replies."""

import datetime

import pytest

from linli.care import dc09

NOW = datetime.datetime(2026, 3, 2, 8, 0, 0, tzinfo=datetime.timezone.utc)


def test_crc16_arc_check_value():
    assert dc09.crc16_arc(b"123456789") == 0xBB3D  # the catalogue check value of CRC-16/ARC


def test_contact_id_frame_round_trip():
    frame = dc09.build("ADM-CID", 7, "1A01", dc09.cid("1A01", "101", zone=15), NOW)
    f = dc09.parse(frame, NOW + datetime.timedelta(seconds=3))
    assert (f.token, f.seq, f.account) == ("ADM-CID", "0007", "1A01")
    assert f.event() == ("101", "1")
    assert dc09.reply_token(dc09.ack(f)) == "ACK"
    assert dc09.parse(dc09.ack(f), NOW, replies=True).token == "ACK"  # our replies are valid frames themselves


def test_bad_crc_and_bad_length_are_refused():
    frame = bytearray(dc09.build("ADM-CID", 1, "1A01", dc09.cid("1A01", "101"), NOW))
    frame[-5] = ord("9") if frame[-5] != ord("9") else ord("8")  # one character of the timestamp changed in transit
    with pytest.raises(dc09.FrameError) as e:
        dc09.parse(bytes(frame), NOW)
    assert e.value.reason == "bad_crc"
    good = dc09.build("NULL", 1, "1A01", "", NOW)
    with pytest.raises(dc09.FrameError) as e:
        dc09.parse(good[:5] + b"0FFF" + good[9:], NOW)
    assert e.value.reason == "bad_crc"


@pytest.mark.parametrize("frame", [b"hello\r", b"\nZZZZ0010\"ADM-CID\"0001\r", b"\n" + b"A" * 2000 + b"\r"])
def test_malformed(frame):
    with pytest.raises(dc09.FrameError) as e:
        dc09.parse(frame, NOW)
    assert e.value.reason == "malformed"


def test_timestamp_window():
    old = dc09.build("ADM-CID", 2, "1A01", dc09.cid("1A01", "101"), NOW - datetime.timedelta(seconds=21))
    with pytest.raises(dc09.FrameError) as e:
        dc09.parse(old, NOW)
    assert e.value.reason == "replayed"
    ahead = dc09.build("ADM-CID", 2, "1A01", dc09.cid("1A01", "101"), NOW + datetime.timedelta(seconds=41))
    with pytest.raises(dc09.FrameError):
        dc09.parse(ahead, NOW)
    assert dc09.parse(dc09.build("ADM-CID", 2, "1A01", dc09.cid("1A01", "101"), NOW - datetime.timedelta(seconds=19)), NOW)


def test_split_keeps_partial_frames():
    a = dc09.build("NULL", 1, "1A01", "", NOW)
    b = dc09.build("NULL", 2, "1A01", "", NOW)
    frames, rest = dc09.split(a + b[:10])
    assert frames == [a] and rest == b[:10]
    frames, rest = dc09.split(rest + b[10:])
    assert frames == [b] and rest == b""


def test_nak_carries_our_time():
    reply = dc09.nak(NOW)
    assert reply.endswith(b"_08:00:00,03-02-2026\r") and dc09.reply_token(reply) == "NAK"
    assert int(reply[1:5], 16) == dc09.crc16_arc(reply[9:-1]) and int(reply[5:9], 16) == len(reply) - 10
