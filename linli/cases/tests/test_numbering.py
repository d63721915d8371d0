"""Case numbers YYYYMMDD-NNNN from the day's counter (services.base): consecutive, past 9,999, repaired when a number
was given out behind the counter's back; on PostgreSQL drawn at the end of the write transaction (numbers_late)."""

import pytest
from django.db import connection
from django.utils import timezone

from linli.cases import services
from linli.cases.models import Case, CaseCounter
from linli.cases.services.base import numbers_late
from linli.people.scopes import system

pytestmark = pytest.mark.django_db
POINT = {"lat": 40.0811, "lng": 113.3031}  # grid A2


def _report(text="二号楼门口污水外溢"):
    return services.submit(system(), source="hotline", description=text, category="env.sewage", **POINT)


def test_consecutive_numbers_past_9999_and_the_late_draw_on_postgresql(cats):
    prefix = timezone.localdate().strftime("%Y%m%d")
    first, second = _report(), _report()
    assert (first.number, second.number) == (f"{prefix}-0001", f"{prefix}-0002")
    CaseCounter.objects.filter(day=timezone.localdate()).update(last=9998)
    assert [_report().number for _ in range(2)] == [f"{prefix}-9999", f"{prefix}-10000"]
    assert Case.objects.get(pk=second.pk).number == f"{prefix}-0002"
    assert numbers_late() == (connection.vendor == "postgresql")
    # the outbox rows were written after the number: their subjects carry the real one
    from linli.core.models import OutboxMessage

    subjects = list(OutboxMessage.objects.filter(event_key__startswith=f"case:{first.pk}:").values_list("subject", flat=True))
    assert subjects and all(first.number in s for s in subjects)


def test_a_number_given_out_behind_the_counters_back_is_skipped_not_duplicated(cats):
    prefix = timezone.localdate().strftime("%Y%m%d")
    made = _report()
    assert made.number == f"{prefix}-0001"
    # a case numbered by hand with what the counter would give next (e.g. written before the counter existed)
    Case.objects.filter(pk=made.pk).update(number=f"{prefix}-0002")
    assert _report().number == f"{prefix}-0003"  # the intake collides on 0002, repairs the counter and takes 0003
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [f"{prefix}-0002", f"{prefix}-0003"]
    assert CaseCounter.objects.get(day=timezone.localdate()).last == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: a case's id is drawn ahead of its insert")
def test_case_ids_drawn_ahead_look_the_sequence_up_once(cats):
    from django.test.utils import CaptureQueriesContext

    from linli.cases.services import base

    base._CASE_SEQUENCE.clear()
    with CaptureQueriesContext(connection) as seen:
        first, second = base.next_case_id(), base.next_case_id()
    assert second == first + 1
    assert sum("pg_get_serial_sequence" in q["sql"] for q in seen.captured_queries) == 1
    assert len(seen.captured_queries) == 3
    case = _report()  # the next case takes the next id from the same sequence
    assert case.pk > second
