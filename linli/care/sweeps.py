"""The worker's care sweeps. Each row is claimed by a conditional UPDATE in the transaction that does its work, so two
workers never do one thing twice and a worker killed mid-sweep leaves it to the next sweep.

- care_escalation: unacknowledged alarms climb the chain (operator on duty → grid worker → duty phone → contacts).
- care_devices: a device whose heartbeats stopped raises a technical alarm (offline) once; an inactivity sensor
  silent for its hours raises a welfare alarm once.
- care_recurring: recurring six-aid orders get their occurrences 14 days ahead.
- care_applications: an application past its level's working-day deadline is reported once.
"""

from django.db import transaction
from django.utils import timezone

from linli.core.worker import sweep

from .models import Alarm, Application, CareOrder, Device
from .services import applications, desk, orders
from .services.receiving import record_alarm

BATCH = 200


@sweep("care_escalation")
def escalation(now=None) -> int:
    return desk.escalate_due(now or timezone.now(), BATCH)


def _device_alarm(device_id: int, field: str, due, kind: str, now) -> bool:
    device = Device.objects.filter(pk=device_id).first()
    if device is None:
        return False
    with transaction.atomic():
        extra = {"status": Device.Status.OFFLINE} if field == "check_at" else {}
        if not Device.objects.filter(pk=device_id, **{field: due}).exclude(status=Device.Status.RETIRED).update(**{field: None}, **extra):
            return False
        record_alarm(device, kind=kind, source=Alarm.Source.SWEEP, now=now,
                     note="no heartbeat since %s" % (device.last_heartbeat_at and timezone.localtime(device.last_heartbeat_at).strftime("%m-%d %H:%M"))
                     if field == "check_at" else "no activity since %s" % (device.last_activity_at and timezone.localtime(device.last_activity_at).strftime("%m-%d %H:%M")))
    return True


@sweep("care_devices")
def devices(now=None) -> int:
    now = now or timezone.now()
    n = 0
    for pk, due in list(Device.objects.filter(check_at__lte=now, status=Device.Status.ACTIVE).values_list("pk", "check_at")[:BATCH]):
        n += _device_alarm(pk, "check_at", due, Alarm.Kind.TECHNICAL, now)
    for pk, due in list(Device.objects.filter(silent_at__lte=now, status=Device.Status.ACTIVE).values_list("pk", "silent_at")[:BATCH]):
        n += _device_alarm(pk, "silent_at", due, Alarm.Kind.WELFARE, now)
    return n


@sweep("care_recurring")
def recurring(now=None) -> int:
    now = now or timezone.now()
    templates = CareOrder.objects.filter(status=CareOrder.Status.SCHEDULED, repeat_until__gte=timezone.localdate(now)).exclude(recurrence="")
    return sum(orders.generate_occurrences(pk, now) for pk in templates.values_list("pk", flat=True)[:BATCH])


@sweep("care_applications")
def overdue_applications(now=None) -> int:
    now = now or timezone.now()
    due = (Application.objects.filter(due_at__lte=now, overdue_notified_at__isnull=True)
           .exclude(state__in=[Application.State.APPROVED, Application.State.REJECTED, Application.State.WITHDRAWN]).values_list("pk", flat=True)[:BATCH])
    return sum(applications.notify_overdue(pk, now) for pk in list(due))
