"""A small iCalendar (RFC 5545) writer: VEVENTs with UTC times, escaped text, lines folded at 75 octets."""

import datetime

from django.utils import timezone


def _escape(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    out, current = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += b
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, events, host: str = "linli") -> bytes:
    """events: objects with uid, title, starts_at, ends_at (or None), where, all_day."""
    now = _utc(timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//linli//life//ZH", "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_escape(name)}"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e.uid}@{host}", f"DTSTAMP:{now}"]
        if e.all_day:
            day = timezone.localtime(e.starts_at).date()
            lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + datetime.timedelta(days=1):%Y%m%d}"]
        else:
            lines.append(f"DTSTART:{_utc(e.starts_at)}")
            if e.ends_at:
                lines.append(f"DTEND:{_utc(e.ends_at)}")
        lines.append(f"SUMMARY:{_escape(e.title)}")
        if e.where:
            lines.append(f"LOCATION:{_escape(e.where)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
