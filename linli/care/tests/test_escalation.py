"""Escalation on a fixed clock: operator on duty → grid worker → duty phone → contacts, each step told exactly once,
with two workers sweeping at once and a worker killed in the middle of a step."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from linli.care import services, sweeps
from linli.care.models import Alarm, AlarmLog
from linli.core.models import OutboxMessage
from linli.people.scopes import resolve

T0 = datetime.datetime(2026, 3, 2, 8, 0, 0, tzinfo=datetime.timezone.utc)


def _alarm(care):
    a, _ = services.record_alarm(care.pendant, kind="emergency", source="http", event_id="esc-1", now=T0)
    return a


def _steps(a):
    return list(AlarmLog.objects.filter(alarm=a, kind="escalated").order_by("step").values_list("step", flat=True))


def test_chain_step_by_step(care):
    a = _alarm(care)
    assert sweeps.escalation(T0) == 1  # step 1 at once: the operator on duty
    assert sweeps.escalation(T0 + datetime.timedelta(seconds=59)) == 0  # the operator has 60 s
    assert OutboxMessage.objects.filter(event_key=f"care:alarm:{a.pk}:step1", recipient=care.operator).exists()
    assert sweeps.escalation(T0 + datetime.timedelta(seconds=60)) == 1  # step 2: the grid worker of a1's grid
    assert OutboxMessage.objects.filter(event_key=f"care:alarm:{a.pk}:step2", recipient=care.world.accounts["grid_worker"]).exists()
    assert sweeps.escalation(T0 + datetime.timedelta(seconds=179)) == 0
    assert sweeps.escalation(T0 + datetime.timedelta(seconds=180)) == 1  # step 3: duty phone + community staff
    phone = OutboxMessage.objects.get(event_key=f"care:alarm:{a.pk}:step3:phone0")
    assert phone.channel == "webhook" and phone.payload["phone"] == "03522000000"
    assert OutboxMessage.objects.filter(event_key=f"care:alarm:{a.pk}:step3", recipient=care.world.accounts["community_staff"]).exists()
    assert sweeps.escalation(T0 + datetime.timedelta(seconds=360)) == 1  # step 4: the emergency contacts, in order
    assert sorted(m.payload["phone"] for m in OutboxMessage.objects.filter(event_key__startswith=f"care:alarm:{a.pk}:step4:phone")) == ["13700000001", "13700000002"]
    assert sweeps.escalation(T0 + datetime.timedelta(days=1)) == 0  # the end of the chain
    assert _steps(a) == [1, 2, 3, 4]
    assert OutboxMessage.objects.filter(event_key__startswith=f"care:alarm:{a.pk}:").count() == 1 + 1 + (2 + 1) + 2  # operator; grid worker; secretary, staff, duty phone; two contacts


def test_acknowledgement_stops_the_chain(care):
    a = _alarm(care)
    sweeps.escalation(T0)
    services.acknowledge(resolve(care.operator), a, now=T0 + datetime.timedelta(seconds=30))
    assert sweeps.escalation(T0 + datetime.timedelta(hours=1)) == 0
    assert _steps(a) == [1]
    with pytest.raises(services.ValidationError):
        services.acknowledge(resolve(care.operator), Alarm.objects.get(pk=a.pk))


def test_worker_killed_mid_step_leaves_it_to_the_next(care, monkeypatch):
    a = _alarm(care)

    def die(*args, **kwargs):
        raise KeyboardInterrupt("worker killed")  # after the claim UPDATE, before the commit

    monkeypatch.setattr(AlarmLog.objects, "create", die)
    with pytest.raises(KeyboardInterrupt):
        services.escalate(a.pk, T0)
    monkeypatch.undo()
    assert Alarm.objects.get(pk=a.pk).step == 0 and not OutboxMessage.objects.filter(event_key__startswith="care:alarm").exists()
    assert sweeps.escalation(T0) == 1 and _steps(a) == [1]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once(world_tx):
    care = world_tx
    alarms = [services.record_alarm(care.pendant, kind="emergency", source="http", event_id=f"race-{i}", now=T0)[0] for i in range(6)]
    barrier = threading.Barrier(2)
    counts = []

    def worker():
        try:
            barrier.wait()
            counts.append(sweeps.escalation(T0))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 6
    for a in alarms:
        assert _steps(a) == [1]
        assert OutboxMessage.objects.filter(event_key=f"care:alarm:{a.pk}:step1").count() == 1
    with transaction.atomic():
        assert Alarm.objects.filter(step=1).count() == 6
