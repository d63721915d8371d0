"""Is linli working? linli.core.health's checks, the worker's heartbeat they read (a real `linli worker` process),
and `linli status` run as a real command: its exit code follows the worst check (0 ok, 1 warn, 2 fail)."""

import datetime
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
from django.db import connection
from django.utils import timezone

from linli.cases.tests.test_worker_kill import _database_url, _wait
from linli.core import health, worker
from linli.core.models import Job, OutboxMessage, WorkerBeat

pytestmark = pytest.mark.django_db


def _check(name: str) -> health.Check:
    [found] = health.run([name])
    return found


# ---------------------------------------------------------------------------- the worker's heartbeat
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_beats_while_it_runs_and_says_when_it_stopped():
    assert _check("worker").level == health.FAIL  # none has ever run here
    env = dict(os.environ, LINLI_DATABASE_URL=_database_url(), LINLI_LOG_LEVEL="WARNING")
    proc = subprocess.Popen([sys.executable, "-m", "linli", "worker", "--interval", "0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: WorkerBeat.objects.filter(stopped_at__isnull=True).exists()), proc.stderr
        beat = WorkerBeat.objects.get()
        assert beat.name.endswith(f":{proc.pid}")
        running = _check("worker")
        assert running.level == health.OK and running.summary.startswith("1 ")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    beat.refresh_from_db()
    assert beat.stopped_at is not None and beat.loops >= 1
    stopped = _check("worker")
    assert stopped.level == health.FAIL and "linli worker" in stopped.summary


def test_a_worker_silent_past_the_limit_counts_as_dead(settings):
    settings.LINLI_WORKER_STALE_SECONDS = 60
    now = timezone.now()
    WorkerBeat.objects.create(name="host:1", started_at=now - datetime.timedelta(hours=1), beat_at=now - datetime.timedelta(seconds=61))
    assert _check("worker").level == health.FAIL  # killed or hung: no stopped_at, not heard for over a minute
    WorkerBeat.objects.create(name="host:2", beat_at=now)
    beside = _check("worker")
    assert beside.level == health.WARN and "1 fell silent" in beside.summary
    settings.LINLI_WORKER_STALE_SECONDS = 120
    assert _check("worker").level == health.OK


def test_a_failing_sweep_is_counted_by_its_type_only_and_warns():
    @worker.sweep("test_broken")
    def broken():
        raise ValueError("13812345678 住在 A1-101")  # a message may carry personal data: never stored

    try:
        beat = worker.Beat("host:3")
        beat.loop(worker.run_once(beat))
    finally:
        worker._SWEEPS.pop("test_broken")
    row = WorkerBeat.objects.get(name="host:3")
    assert (row.failures, row.last_failure) == (1, "test_broken: ValueError")
    found = _check("worker")
    assert found.level == health.WARN and "test_broken" in found.summary
    assert "1381234" not in json.dumps(found.as_dict(), ensure_ascii=False)


def test_heartbeats_of_workers_gone_a_week_are_forgotten_when_a_worker_starts():
    WorkerBeat.objects.create(name="old:1", beat_at=timezone.now() - datetime.timedelta(days=8))
    WorkerBeat.objects.create(name="recent:1", beat_at=timezone.now() - datetime.timedelta(days=6))
    worker.Beat("host:4").write()
    assert set(WorkerBeat.objects.values_list("name", flat=True)) == {"recent:1", "host:4"}


# ---------------------------------------------------------------------------- outbox, jobs, database
def test_overdue_and_given_up_messages_warn():
    now = timezone.now()
    assert _check("outbox").level == health.OK
    OutboxMessage.objects.create(event_key="t:1", channel="webhook", subject="x", next_attempt_at=now - datetime.timedelta(minutes=2))
    assert _check("outbox").level == health.OK  # due two minutes ago: the worker's next loop sends it
    OutboxMessage.objects.create(event_key="t:2", channel="webhook", subject="x", next_attempt_at=now - datetime.timedelta(minutes=6))
    late = _check("outbox")
    assert late.level == health.WARN and late.summary.startswith("1 ")
    OutboxMessage.objects.filter(event_key="t:2").update(status="failed", attempts=8, next_attempt_at=now - datetime.timedelta(days=1))
    given_up = _check("outbox")
    assert given_up.level == health.WARN and "given up" in given_up.summary


def test_a_job_waiting_or_running_too_long_warns():
    now = timezone.now()
    Job.objects.create(kind="import", created_at=now - datetime.timedelta(minutes=5))
    assert _check("jobs").level == health.OK
    Job.objects.create(kind="import", status="running", started_at=now - datetime.timedelta(hours=2))
    assert _check("jobs").level == health.WARN


def test_the_database_fails_while_a_migration_is_not_applied():
    found = _check("database")
    assert found.level == health.OK and found.details
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute("DELETE FROM django_migrations WHERE app = 'core' AND name = '0007_worker_beat'")
    missing = _check("database")
    assert missing.level == health.FAIL and "linli migrate" in missing.summary
    assert any("core.0007_worker_beat" in value for _, value in missing.details)


def test_a_check_that_raises_is_a_failed_check_and_the_others_still_answer():
    @health.check("test_raises", "raises")
    def raises():
        raise RuntimeError("boom")

    try:
        checks = {c.name: c for c in health.run()}
    finally:
        health._CHECKS.pop("test_raises")
    assert checks["test_raises"].level == health.FAIL and "RuntimeError" in checks["test_raises"].summary
    assert {"database", "disk", "worker", "outbox", "jobs", "replica", "classifier"} <= set(checks)
    assert health.worst(list(checks.values())) == health.FAIL


# ---------------------------------------------------------------------------- `linli status`
@pytest.mark.django_db(transaction=True)
def test_linli_status_exits_with_the_worst_level():
    env = dict(os.environ, LINLI_DATABASE_URL=_database_url(), LINLI_LOG_LEVEL="WARNING")

    def status():
        done = subprocess.run([sys.executable, "-m", "linli", "status", "--json"], env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, json.loads(done.stdout)

    code, report = status()  # no worker has ever run against this database
    assert (code, report["status"]) == (2, "fail")
    assert {c["name"]: c["level"] for c in report["checks"]}["worker"] == "fail"
    WorkerBeat.objects.create(name="host:5", beat_at=timezone.now())
    code, report = status()
    levels = {c["name"]: c["level"] for c in report["checks"]}
    assert levels["worker"] == "ok"
    assert code == health.EXIT_CODES[report["status"]] < 2
    assert report["status"] == max(levels.values(), key=["ok", "warn", "fail"].index)


# ---------------------------------------------------------------------------- the classifier (the cases app's check)
def test_the_classifier_check_warns_only_when_there_is_something_to_learn(world, settings, tmp_path):
    from linli.cases import classifier, services
    from linli.cases.models import Case
    from linli.cases.tests.conftest import make_categories
    from linli.people.scopes import resolve

    settings.VAR_DIR = str(tmp_path)
    make_categories()
    assert _check("classifier").level == health.OK  # nothing categorised by a person yet: the taxonomy is all there is
    case = services.submit(resolve(world.accounts["resident"]), source="resident", description="楼上渗水",
                           category="home.leak", dwelling=world.dwellings["A1-101"])
    Case.objects.filter(pk=case.pk).update(categorised_by_person=True)
    untrained = _check("classifier")
    assert untrained.level == health.WARN and "linli train-classifier" in untrained.summary
    classifier.save(classifier.train(classifier.taxonomy_examples()), tmp_path / "classifier" / "model.joblib")
    trained = _check("classifier")
    assert trained.level == health.OK and dict(trained.details)["Categorised cases changed since"] == "0"
    (tmp_path / "classifier" / "model.joblib").write_bytes(b"not a model")
    assert _check("classifier").level == health.WARN


def test_disk_space_warns_and_fails_below_its_free_shares(monkeypatch):
    monkeypatch.setattr(health, "DISK_WARN", 0.0)
    monkeypatch.setattr(health, "DISK_FAIL", 0.0)
    roomy = _check("disk")
    assert roomy.level == health.OK and roomy.details
    lowest = min(shutil.disk_usage(folder).free / shutil.disk_usage(folder).total
                 for folder in (_existing(f) for _, f in health._places()))
    monkeypatch.setattr(health, "DISK_WARN", lowest + 0.01)  # the real free share, just under the line
    assert _check("disk").level == health.WARN
    monkeypatch.setattr(health, "DISK_FAIL", lowest + 0.01)
    full = _check("disk")
    assert full.level == health.FAIL and "writes will fail" in full.summary


def _existing(folder: str) -> str:
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    return folder
