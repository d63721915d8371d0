"""The cases retention sweep (docs/privacy.md, "Retention"): a closed case keeps its reporter's contact copy —
name and phone — ``LINLI_RETENTION_CASE_CONTACT_YEARS`` (3) years after closing, then the worker clears it.

The people sweep (linli/people/retention.py) already clears it for residents anonymised after leaving
(``cases.privacy.anonymise_reporters``); this one does it for everyone else — living residents, callers who
never were residents — on cases closed long enough ago. Due: ``closed_at`` before the day
``years_before(today, years)`` (to the day, the people sweep's rule: a case closed on 1 June 2023 is due on
2 June 2026), state closed (or merged into a case that closed: the child carries the parent's ``closed_at``),
and a reporter name or phone hash still stored. Open cases keep their contact whatever their age. The case,
its timeline and its ratings stay.

``BATCH`` cases per transaction, oldest closing first: one query picks the ids, one UPDATE clears them (its
condition re-checks that each is still due, so two workers at once do not count a case twice), one audit row
(``anonymise``, kind ``case_contacts``) records the count. A sweep that did work returns its count, so the
worker comes back at once until nothing is due; then it rests ``LINLI_RETENTION_EVERY_HOURS`` hours (0: off).
Idempotent: a cleared case is not due any more. The log line holds counts and dates, never a name or a number.
"""

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.models import AuditLog
from linli.core.worker import sweep
from linli.people.retention import every_hours, years_before

from .models import Case

log = logging.getLogger("linli.retention")

BATCH = 500  # cases cleared per transaction
_state = {"rest_until": 0.0}  # monotonic time before which the idle sweep does not look again

# What save() stores for an empty phone: EncryptedTextField keeps "" as "", LookupHashField hashes "" to "".
CLEARED = {"reporter_name": "", "reporter_phone": "", "reporter_phone_hash": ""}


def contact_years() -> int:
    return int(getattr(settings, "LINLI_RETENTION_CASE_CONTACT_YEARS", 3))


def due(cutoff: datetime.date):
    """Cases closed before the day `cutoff` (local time) that still hold a reporter name or phone."""
    start = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return (Case.objects.filter(state__in=[Case.State.CLOSED, Case.State.MERGED], closed_at__lt=start)
            .filter(~Q(reporter_name="") | ~Q(reporter_phone_hash="")))


def clear_due(today: datetime.date) -> int:
    """Clear the reporter contact of one batch of cases past their retention; the number cleared."""
    cutoff = years_before(today, contact_years())
    qs = due(cutoff)
    with transaction.atomic():
        ids = list(qs.order_by("closed_at", "pk").values_list("pk", flat=True)[:BATCH])
        cleared = qs.filter(pk__in=ids).update(**CLEARED) if ids else 0
        if cleared:
            audit.record(None, AuditLog.Action.ANONYMISE, subject_label=_("Anonymise"), field="reporter_name,reporter_phone",
                         reason=_("Retention period ended"), kind="case_contacts", before=cutoff.isoformat(), count=cleared)
    if cleared:
        log.info("retention: cleared the reporter contact of %d cases closed before %s", cleared, cutoff.isoformat())
    return cleared


def run(today: datetime.date | None = None) -> int:
    """One pass: one batch. The number of cases cleared."""
    return clear_due(today or timezone.localdate())


@sweep("case_contacts")
def case_contacts_sweep() -> int:
    hours = every_hours()
    if hours <= 0 or time.monotonic() < _state["rest_until"]:
        return 0
    done = run()
    if not done:  # nothing due: rest until the next look
        _state["rest_until"] = time.monotonic() + hours * 3600
    return done
