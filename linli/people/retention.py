"""The retention sweep (docs/privacy.md, "Retention"): the worker ends what linli keeps past its period.

- A resident who moved out or died is anonymised ``LINLI_RETENTION_RESIDENT_YEARS`` (3) years after the day
  they left (``people.privacy.anonymise``: placeholders for name, ID number, phone and free text, each app's
  copies cleared, one audit row per batch).
- Audit rows older than ``LINLI_RETENTION_AUDIT_YEARS`` (5) years are deleted.

Both work in batches of ``BATCH`` rows, each in its own short transaction; a sweep that did work returns
its count, so the worker comes back at once until nothing is due, then the sweep rests for
``LINLI_RETENTION_EVERY_HOURS`` (24) hours. ``LINLI_RETENTION_EVERY_HOURS=0`` turns the sweep off (the
command ``linli anonymise --before`` still works). Idempotent: what is done is not due any more (an
anonymised person keeps the placeholder name, a deleted audit row is gone), so a killed worker or a second
run only finishes what is left. The log line holds counts and dates, never a name or a number.
"""

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from linli.core.models import AuditLog
from linli.core.worker import sweep

from . import privacy
from .scopes import system

log = logging.getLogger("linli.retention")

BATCH = 500  # persons anonymised, or audit rows deleted, per transaction
_state = {"rest_until": 0.0}  # monotonic time before which the idle sweep does not look again


def resident_years() -> int:
    return int(getattr(settings, "LINLI_RETENTION_RESIDENT_YEARS", 3))


def audit_years() -> int:
    return int(getattr(settings, "LINLI_RETENTION_AUDIT_YEARS", 5))


def every_hours() -> float:
    return float(getattr(settings, "LINLI_RETENTION_EVERY_HOURS", 24))


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` years earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _batch_before(cutoff: datetime.date) -> datetime.date:
    """A cut-off no later than `cutoff` before which at most about BATCH persons are due: the day the
    (BATCH+1)-th person (oldest departure first) left, or the day after the first one left when more than
    BATCH left on that one day."""
    days = list(privacy.due_for_anonymisation(cutoff).annotate(left=Coalesce("died_on", "last_out"))
                .order_by("left", "pk").values_list("left", flat=True)[:BATCH + 1])
    if len(days) <= BATCH:
        return cutoff
    if days[BATCH] > days[0]:
        return days[BATCH]
    return min(cutoff, days[0] + datetime.timedelta(days=1))


def anonymise_due(today: datetime.date) -> int:
    """Anonymise one batch of those whose retention ended; the number anonymised."""
    cutoff = years_before(today, resident_years())
    before = _batch_before(cutoff)
    report = privacy.anonymise(system(), before)
    if report["persons"]:
        log.info("retention: anonymised %d persons who left before %s (%d other rows cleared)",
                 report["persons"], before.isoformat(), report["other_rows"])
    return report["persons"]


def delete_old_audit_rows(today: datetime.date) -> int:
    """Delete one batch of audit rows older than the audit retention; the number deleted."""
    cutoff = years_before(today, audit_years())
    start = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    with transaction.atomic():
        ids = list(AuditLog.objects.filter(at__lt=start).order_by("at", "pk").values_list("pk", flat=True)[:BATCH])
        deleted = AuditLog.objects.filter(pk__in=ids).delete()[0] if ids else 0
    if deleted:
        log.info("retention: deleted %d audit rows from before %s", deleted, cutoff.isoformat())
    return deleted


def run(today: datetime.date | None = None) -> dict:
    """One pass: a batch of each kind. {"persons": anonymised, "audit_rows": deleted}."""
    today = today or timezone.localdate()
    return {"persons": anonymise_due(today), "audit_rows": delete_old_audit_rows(today)}


@sweep("retention")
def retention_sweep() -> int:
    hours = every_hours()
    if hours <= 0 or time.monotonic() < _state["rest_until"]:
        return 0
    done = sum(run().values())
    if not done:  # nothing due: rest until the next look
        _state["rest_until"] = time.monotonic() + hours * 3600
    return done
