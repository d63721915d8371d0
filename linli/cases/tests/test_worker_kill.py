"""The worker killed with SIGKILL in the middle of a sweep and started again: every due escalation
happens exactly once — none lost, none doubled."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.utils import timezone

from linli.cases import services
from linli.cases.models import Case, CaseEvent
from linli.people.scopes import resolve

N = 120


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker():
    env = dict(os.environ, LINLI_DATABASE_URL=_database_url(), LINLI_LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "linli", "worker", "--interval", "0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _escalations() -> int:
    return CaseEvent.objects.filter(action="escalate").count()


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_sweep_then_restart_escalates_each_case_once():
    from linli.cases.tests.conftest import make_categories
    from linli.testing.world import build_world

    w = build_world()
    make_categories()
    resident = resolve(w.accounts["resident"])
    for i in range(N):
        services.submit(resident, source="resident", description=f"楼上渗水第{i}次", category="home.leak", dwelling=w.dwellings["A1-101"])
    Case.objects.update(response_due=timezone.now() - datetime.timedelta(minutes=5))

    first = _start_worker()
    try:
        if not _wait(lambda: _escalations() > 0):
            first.kill()
            pytest.fail("worker never escalated: " + first.stderr.read().decode()[-3000:])
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    done_before_restart = _escalations()
    assert 0 < done_before_restart < N, f"the kill must land mid-sweep ({done_before_restart} of {N} done)"

    second = _start_worker()
    try:
        assert _wait(lambda: _escalations() >= N), "the restarted worker did not finish"
        time.sleep(1.0)  # give a doubled escalation the chance to show up
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    per_case = CaseEvent.objects.filter(action="escalate").values_list("case_id", flat=True)
    assert sorted(per_case) == sorted(Case.objects.values_list("pk", flat=True))  # exactly one each
    assert set(Case.objects.values_list("tier", flat=True)) == {"community"}
    assert not CaseEvent.objects.filter(action="overdue").exists()
