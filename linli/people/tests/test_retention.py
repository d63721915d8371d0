"""The retention sweep (docs/privacy.md, "Retention"): old records change, young ones do not; idempotent; batched;
logged without personal data; run by the worker."""

import datetime
import logging

import pytest
from django.utils import timezone

from linli.core import audit, worker
from linli.core.models import AuditLog
from linli.people import retention, services
from linli.people.models import Person
from linli.people.scopes import system

TODAY = datetime.date(2026, 6, 1)


def _audit_row(days_ago: int, label: str) -> AuditLog:
    row = audit.record(None, AuditLog.Action.REVEAL, subject_label=label, field="phone", reason="核对")
    AuditLog.objects.filter(pk=row.pk).update(at=timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(9))) - datetime.timedelta(days=days_ago))
    return row


@pytest.fixture
def aged(world):
    """Who left more than 3 years before TODAY (old), who left less (young), who lives here; audit rows of 6 and 4 years."""
    s = system()
    p = world.persons
    services.move_out(s, p["a3"], on=datetime.date(2023, 5, 31), destination="迁往太原")  # 3 years and a day: old
    services.record_death(s, p["b1"], on=datetime.date(2022, 1, 10))  # old
    services.move_out(s, p["a2"], on=datetime.date(2023, 6, 1), destination="迁往大同")  # exactly 3 years: young
    old_audit = [_audit_row(6 * 365, "刘芳"), _audit_row(5 * 365 + 2, "陈明")]
    young_audit = [_audit_row(4 * 365, "王强"), _audit_row(5 * 365 - 2, "赵敏")]
    return {"old": [p["a3"], p["b1"]], "young": [p["a2"]], "living": p["a1"], "old_audit": old_audit, "young_audit": young_audit}


def _names(people):
    return [Person.objects.get(pk=x.pk).name for x in people]


def test_exactly_the_records_past_retention_change(aged):
    young_before = [(x.name, x.phone, x.id_number) for x in Person.objects.filter(pk__in=[y.pk for y in aged["young"]])]
    living = Person.objects.get(pk=aged["living"].pk)
    others_before = AuditLog.objects.exclude(pk__in=[r.pk for r in aged["old_audit"]]).count()

    assert retention.run(TODAY) == {"persons": 2, "audit_rows": 2}

    for x in aged["old"]:
        p = Person.objects.get(pk=x.pk)
        assert p.name == f"已匿名-{x.pk}" and p.phone == "" and p.id_number == "" and p.phone_hash == ""
    assert [(x.name, x.phone, x.id_number) for x in Person.objects.filter(pk__in=[y.pk for y in aged["young"]])] == young_before
    assert (Person.objects.get(pk=living.pk).name, Person.objects.get(pk=living.pk).phone) == (living.name, living.phone)
    assert not AuditLog.objects.filter(pk__in=[r.pk for r in aged["old_audit"]]).exists()
    assert AuditLog.objects.filter(pk__in=[r.pk for r in aged["young_audit"]]).count() == 2
    # the audit rows younger than 5 years stay, and the run wrote its own anonymise row
    assert AuditLog.objects.count() == others_before + 1
    assert AuditLog.objects.get(action="anonymise").detail["count"] == 2


def test_idempotent_and_the_young_follow_when_their_time_comes(aged):
    assert retention.run(TODAY) == {"persons": 2, "audit_rows": 2}
    assert retention.run(TODAY) == {"persons": 0, "audit_rows": 0}
    assert AuditLog.objects.filter(action="anonymise").count() == 1
    # a day later the one who left exactly 3 years before TODAY is due, and nobody else
    assert retention.run(TODAY + datetime.timedelta(days=1)) == {"persons": 1, "audit_rows": 0}
    assert _names(aged["young"]) == [f"已匿名-{aged['young'][0].pk}"]


def test_periods_are_settings(aged, settings):
    settings.LINLI_RETENTION_RESIDENT_YEARS = 10
    settings.LINLI_RETENTION_AUDIT_YEARS = 10
    assert retention.run(TODAY) == {"persons": 0, "audit_rows": 0}
    settings.LINLI_RETENTION_RESIDENT_YEARS = 1
    settings.LINLI_RETENTION_AUDIT_YEARS = 3
    assert retention.run(TODAY) == {"persons": 3, "audit_rows": 4}


def test_batches_oldest_first(aged, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 1)
    assert retention.run(TODAY) == {"persons": 1, "audit_rows": 1}
    # the one who left first (died 2022-01-10) and the oldest audit row go first
    assert _names([aged["old"][1]]) == [f"已匿名-{aged['old'][1].pk}"] and _names([aged["old"][0]]) == ["刘芳"]
    assert not AuditLog.objects.filter(pk=aged["old_audit"][0].pk).exists()
    assert retention.run(TODAY) == {"persons": 1, "audit_rows": 1}
    assert retention.run(TODAY) == {"persons": 0, "audit_rows": 0}


def test_the_log_holds_counts_not_personal_data(aged, caplog):
    people = list(Person.objects.filter(pk__in=[x.pk for x in aged["old"]]))
    with caplog.at_level(logging.INFO, logger="linli.retention"):
        retention.run(TODAY)
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "anonymised 2 persons" in text and "deleted 2 audit rows" in text
    for p in people:
        assert p.name not in text and (not p.phone or p.phone not in text) and (not p.id_number or p.id_number not in text)
    assert "刘芳" not in text and "陈明" not in text


def test_the_worker_runs_it_and_then_rests(aged, settings, monkeypatch):
    assert worker.registered()["retention"] is retention.retention_sweep
    monkeypatch.setattr(retention, "_state", {"rest_until": 0.0})
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    counts = worker.run_once()
    assert counts["retention"] == 4  # 2 persons + 2 audit rows
    assert worker.run_once()["retention"] == 0  # nothing left: rests for LINLI_RETENTION_EVERY_HOURS
    services.move_out(system(), Person.objects.get(pk=aged["living"].pk), on=datetime.date(2020, 1, 1), destination="外地")
    assert worker.run_once()["retention"] == 0  # resting: not looked at before the next day
    monkeypatch.setattr(retention, "_state", {"rest_until": 0.0})
    assert worker.run_once()["retention"] == 1
    settings.LINLI_RETENTION_EVERY_HOURS = 0  # off
    monkeypatch.setattr(retention, "_state", {"rest_until": 0.0})
    assert worker.run_once()["retention"] == 0
