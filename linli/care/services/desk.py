"""The alarm desk: acknowledge, call (each call and its outcome logged), send a visit (a 助救 order) or open a case,
close with an outcome; and the escalation of alarms nobody acknowledged, step by step, by the worker.

The alarm's states are one table; every change is one conditional UPDATE on the state it leaves (`_transition`),
so two operators pressing "acknowledge" at once record one acknowledgement."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ValidationError
from linli.core.models import OutboxMessage
from linli.core.notify import messages

from ..models import Alarm, AlarmLog, CareOrder, Contact
from ._common import account_of, check_edge, community_staff, grid_worker_of, operators_on_duty, require_work, text

S = Alarm.Status
# state → {next state: the use case that takes the edge}
TRANSITIONS = {
    S.NEW: {S.ACKNOWLEDGED: "acknowledge"},
    S.ACKNOWLEDGED: {S.CLOSED: "close_alarm"},
    # a closed alarm stays closed: a new event from the device is a new alarm
    S.CLOSED: {},
}

# the escalation chain; each step is told once, the next after its timeout without an acknowledgement
STEPS = ["operator", "grid_worker", "duty_phone", "contacts"]
DEFAULT_TIMEOUTS = [60, 120, 180, 300]  # seconds after each step before the next


def _transition(alarm: Alarm, to: str, use_case: str, now, **fields) -> None:
    check_edge(TRANSITIONS, alarm.status, to, use_case)
    done = Alarm.objects.filter(pk=alarm.pk, status=alarm.status).update(status=to, **fields)
    if not done:
        raise ValidationError(_("Someone else has just changed this alarm; reload it."))
    alarm.status = to
    for k, v in fields.items():
        setattr(alarm, k, v)


def acknowledge(scope, alarm: Alarm, now=None) -> Alarm:
    require_work(scope, alarm.station)
    now = now or timezone.now()
    if alarm.status != S.NEW:
        raise ValidationError(_("This alarm is already acknowledged."))
    with transaction.atomic():
        _transition(alarm, S.ACKNOWLEDGED, "acknowledge", now, acknowledged_at=now, acknowledged_by=account_of(scope), next_step_at=None)
        AlarmLog.objects.create(alarm=alarm, at=now, kind=AlarmLog.Kind.ACKNOWLEDGED, actor=account_of(scope))
    return alarm


def log_call(scope, alarm: Alarm, *, called: str, outcome: str, note: str = "", now=None) -> AlarmLog:
    require_work(scope, alarm.station)
    if alarm.status == S.NEW:
        raise ValidationError(_("Acknowledge the alarm first."))
    if outcome not in AlarmLog.CallOutcome.values:
        raise ValidationError({"outcome": _("Choose the call's outcome.")})
    return AlarmLog.objects.create(alarm=alarm, at=now or timezone.now(), kind=AlarmLog.Kind.CALL, actor=account_of(scope),
                                   called=text(called, "called", 60, required=True), call_outcome=outcome, note=text(note, "note", 500))


def send_visit(scope, alarm: Alarm, *, provider_account=None, note: str = "", now=None) -> CareOrder:
    """The alarm needs someone at the door: a 助救 order, due within the hour (attendance target: 45 min)."""
    require_work(scope, alarm.station)
    if alarm.status != S.ACKNOWLEDGED:
        raise ValidationError(_("Acknowledge the alarm first."))
    now = now or timezone.now()
    note = text(note, "note", 500) or str(alarm.get_kind_display())
    with transaction.atomic():
        order = CareOrder.objects.create(station=alarm.station, community_id=alarm.community_id, person_id=alarm.person_id,
                                         kind=CareOrder.Kind.RESCUE, source=CareOrder.Source.ALARM, alarm=alarm, note=note,
                                         provider_account=provider_account or account_of(scope), window_start=now,
                                         window_end=now + datetime.timedelta(minutes=60), created_by=account_of(scope))
        AlarmLog.objects.create(alarm=alarm, at=now, kind=AlarmLog.Kind.ORDER, actor=account_of(scope), note=f"#{order.pk}")
    return order


def open_case(scope, alarm: Alarm, description: str):
    """An alarm that needs the community rather than a carer (a gas leak in the stairwell…) becomes a case."""
    from linli.cases import services as cases

    require_work(scope, alarm.station)
    person = alarm.person
    case = cases.submit(scope, source="hotline", description=text(description, "description", 2000, required=True),
                        dwelling=person.dwelling, reporter_person=person)
    with transaction.atomic():
        Alarm.objects.filter(pk=alarm.pk).update(case_id=case.pk)
        AlarmLog.objects.create(alarm=alarm, kind=AlarmLog.Kind.CASE, actor=account_of(scope), note=str(case.pk))
    alarm.case_id = case.pk
    return case


def close_alarm(scope, alarm: Alarm, *, outcome: str, note: str = "", now=None) -> Alarm:
    require_work(scope, alarm.station)
    if outcome not in Alarm.Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if alarm.status == S.NEW:
        raise ValidationError(_("Acknowledge the alarm first."))
    if outcome == Alarm.Outcome.VISIT and not alarm.orders.filter(status=CareOrder.Status.DONE).exists():
        raise ValidationError({"outcome": _("“Visit made” needs the visit recorded first.")})
    now = now or timezone.now()
    with transaction.atomic():
        _transition(alarm, S.CLOSED, "close_alarm", now, outcome=outcome, closed_at=now, closed_by=account_of(scope),
                    note=text(note, "note", 2000) or alarm.note)
        AlarmLog.objects.create(alarm=alarm, at=now, kind=AlarmLog.Kind.CLOSED, actor=account_of(scope), note=outcome)
    return alarm


# ---------------------------------------------------------------- escalation (the worker)

def timeouts(station) -> list[int]:
    t = [int(x) for x in (station.step_timeouts or []) if str(x).isdigit()]
    return (t + DEFAULT_TIMEOUTS[len(t):])[:len(STEPS)]


def _recipients(alarm: Alarm, step: str, now) -> tuple[list, list[str]]:
    """(accounts told in-app, phone numbers for the SMS/voice gateway) for one step."""
    person = alarm.person
    if step == "operator":
        return operators_on_duty(alarm.station, now), []
    if step == "grid_worker":
        grid_id = person.dwelling.building.grid_id if person.dwelling_id else None
        return [a for a in [grid_worker_of(grid_id, now.date())] if a], []
    if step == "duty_phone":
        return community_staff(alarm.community_id), [alarm.station.duty_phone] if alarm.station.duty_phone else []
    contacts = list(Contact.objects.filter(device_id=alarm.device_id).select_related("account"))
    return [c.account for c in contacts if c.account_id], [c.phone for c in contacts]


def escalate(alarm_id: int, now=None) -> bool:
    """Tell the next step of one due alarm: claimed by a conditional UPDATE (status still new, step unchanged, still
    due) in the transaction that writes the step's outbox rows and timeline row, so each step is told exactly once
    whatever the number of workers, and a worker killed before the commit leaves the step to the next sweep."""
    now = now or timezone.now()
    alarm = Alarm.objects.select_related("station", "person__dwelling__building").filter(pk=alarm_id).first()
    if alarm is None or alarm.status != S.NEW or alarm.next_step_at is None or alarm.next_step_at > now or alarm.step >= len(STEPS):
        return False
    step = alarm.step + 1
    name = STEPS[step - 1]
    wait = timeouts(alarm.station)
    accounts, phones = _recipients(alarm, name, now)  # reads first, outside the transaction
    key = f"care:alarm:{alarm.pk}:step{step}"
    subject = _("Alarm not answered: %(kind)s, %(name)s (step %(step)s)") % {"kind": alarm.get_kind_display(), "name": alarm.person.name, "step": step}
    link = f"/care/alarms/{alarm.pk}/"
    rows = messages(key, accounts, subject=subject, link=link, payload={"alarm": alarm.pk, "step": step}, now=now)
    # phones outside linli (the duty phone, family) go to the SMS/voice gateway (the outbox's webhook channel)
    rows += [OutboxMessage(event_key=f"{key}:phone{i}", channel=OutboxMessage.Channel.WEBHOOK, subject=subject, link=link,
                           payload={"alarm": alarm.pk, "step": step, "phone": p}, next_attempt_at=now) for i, p in enumerate(phones)]
    nxt = now + datetime.timedelta(seconds=wait[step - 1]) if step < len(STEPS) else None
    with transaction.atomic():
        claimed = Alarm.objects.filter(pk=alarm.pk, status=S.NEW, step=alarm.step, next_step_at__lte=now).update(step=step, next_step_at=nxt)
        if not claimed:
            return False
        OutboxMessage.objects.bulk_create(rows)
        AlarmLog.objects.create(alarm=alarm, at=now, kind=AlarmLog.Kind.ESCALATED, step=step,
                                note=f"{name}: {len(accounts)} in-app, {len(phones)} phone")
    return True


def escalate_due(now=None, limit: int = 200) -> int:
    now = now or timezone.now()
    due = list(Alarm.objects.filter(status=S.NEW, next_step_at__lte=now).order_by("next_step_at", "id").values_list("pk", flat=True)[:limit])
    return sum(escalate(pk, now) for pk in due)
