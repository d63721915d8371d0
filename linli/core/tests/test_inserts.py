"""core.inserts writes exactly what Django's save() writes (issue 12): the same row read back, field by field, for
choices' members, floats, aware and naive datetimes, JSON, encrypted and keyed-hash fields, foreign keys set as
objects saved after they were assigned, and auto_now; and refuses an unsaved related object as Django does."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from linli.cases.models import Case, CaseEvent
from linli.cases.tests.conftest import make_categories
from linli.core.inserts import insert_instances, new_instance
from linli.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _row(model, pk, skip=()):
    row = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in ("id", *skip)}


def _case(world, number, **extra):
    return Case(**_case_values(world, number, **extra))


def _case_values(world, number, **extra):
    community = world.a
    cats = make_categories() if not hasattr(world, "cats") else world.cats
    world.cats = cats
    return dict(number=number, title="楼道灯坏了", description="楼道里的灯坏了好几天", source=Case.Source.HOTLINE,
                state="assigned", community=community, subdistrict=community.subdistrict, grid=world.grids["A1"],
                building=world.buildings["A1"], category=cats["leak"], lat=40.0791661, lng=113.2993851, confidence=0.4375,
                reporter_name="张三", reporter_phone="13812345678", created_at=timezone.now(), updated_at=timezone.now(),
                response_due=timezone.localtime() + datetime.timedelta(hours=4), handling_due=None, **extra)


def test_a_case_its_events_and_messages_read_back_as_save_wrote_them(world):
    saved = _case(world, "S-1")
    saved.save(force_insert=True)
    fast = _case(world, "F-1")
    fast.created_at, fast.updated_at, fast.response_due = saved.created_at, saved.updated_at, saved.response_due
    [same] = insert_instances([fast])
    assert same is fast and fast.pk and fast.pk != saved.pk and not fast._state.adding
    a, b = _row(Case, saved.pk, skip=("number",)), _row(Case, fast.pk, skip=("number",))
    assert a == b
    assert b["reporter_phone"] == "13812345678" and b["lat"] == 40.0791661  # decrypted and exact
    # the stored moments byte for byte (SQLite keeps them as text, compared as text in range filters): a UTC one
    # (created_at) and one in the local zone (response_due)
    stored = [connection.cursor().execute("SELECT created_at, updated_at, response_due FROM cases_case WHERE id = %s", [pk]).fetchone()
              for pk in (saved.pk, fast.pk)]
    assert stored[0] == stored[1]
    raw = connection.cursor().execute("SELECT reporter_phone, reporter_phone_hash FROM cases_case WHERE id = %s", [fast.pk]).fetchone()
    assert "13812345678" not in str(raw[0]) and raw[1]  # encrypted at rest, keyed hash written

    # events assigned to an unsaved case, which is saved afterwards: they take its key (as Django's save does)
    case = _case(world, "F-2")
    when = timezone.now()
    events = [CaseEvent(case=case, action=CaseEvent.Action.SUBMIT, to_state="assigned", at=when, note="报", data={"source": "hotline", "n": 1.5}),
              CaseEvent(case=case, action=CaseEvent.Action.ASSIGN, from_state="assigned", to_state="assigned", at=when, data={})]
    insert_instances([case])
    insert_instances(events)
    assert [e.case_id for e in events] == [case.pk, case.pk]
    twin = CaseEvent(case=saved, action=CaseEvent.Action.SUBMIT, to_state="assigned", at=when, note="报", data={"source": "hotline", "n": 1.5})
    twin.save()
    assert _row(CaseEvent, events[0].pk, skip=("case_id",)) == _row(CaseEvent, twin.pk, skip=("case_id",))
    assert CaseEvent.objects.get(pk=events[0].pk).data == {"source": "hotline", "n": 1.5}

    # defaults, a naive datetime (converted as Django converts it, with its warning) and choices
    naive = datetime.datetime(2026, 3, 1, 9, 30)
    msgs = [OutboxMessage(event_key="k:1", recipient=world.accounts["resident"], subject="新诉求", payload={"case": "F-2"}),
            OutboxMessage(event_key="k:2", channel=OutboxMessage.Channel.EMAIL, address="a@example.org", subject="二", sent_at=timezone.now())]
    insert_instances(msgs)
    with pytest.warns(RuntimeWarning):
        late = insert_instances([OutboxMessage(event_key="k:3", subject="三", next_attempt_at=naive)])[0]
    got = OutboxMessage.objects.get(pk=msgs[0].pk)
    assert (got.channel, got.status, got.attempts, got.payload, got.recipient_id) == ("inapp", "pending", 0, {"case": "F-2"}, world.accounts["resident"].pk)
    assert OutboxMessage.objects.get(pk=msgs[1].pk).channel == "email"
    assert OutboxMessage.objects.get(pk=late.pk).next_attempt_at == timezone.make_aware(naive)


def test_an_unsaved_related_object_is_refused_and_nothing_is_written(world):
    case = _case(world, "U-1")
    event = CaseEvent(case=case, action=CaseEvent.Action.SUBMIT, to_state="assigned", at=timezone.now(), data={})
    with pytest.raises(ValueError, match="unsaved related object 'case'"):
        insert_instances([event])
    assert not CaseEvent.objects.exists()


def _same_instance(made, fast, clock=()):
    """clock: fields whose default is the time of the call"""
    assert type(made) is type(fast)
    assert {k: v for k, v in made.__dict__.items() if k not in ("_state", *clock)} == \
        {k: v for k, v in fast.__dict__.items() if k not in ("_state", *clock)}
    assert all(abs(getattr(made, k) - getattr(fast, k)) < datetime.timedelta(seconds=5) for k in clock)
    assert made._state.fields_cache.keys() == fast._state.fields_cache.keys()
    assert all(made._state.fields_cache[k] is fast._state.fields_cache[k] for k in made._state.fields_cache)
    assert (fast._state.adding, fast._state.db) == (made._state.adding, made._state.db)
    assert fast._state.adding and not fast.pk


def test_new_instance_is_what_the_model_makes_and_writes_the_same_row(world):
    values = _case_values(world, "N-1", reporter=world.accounts["resident"], dwelling=None)
    made, fast = Case(**values), new_instance(Case, **values)
    _same_instance(made, fast)
    made.number = "N-0"
    made.save(force_insert=True)
    insert_instances([fast])
    assert _row(Case, made.pk, skip=("number",)) == _row(Case, fast.pk, skip=("number",))

    # a related row not saved yet: cached, its key taken when the row is inserted after it
    case = new_instance(Case, **_case_values(world, "N-2"))
    when = timezone.now()
    event_values = dict(case=case, actor=None, action=CaseEvent.Action.SUBMIT, to_state="assigned", at=when, data={"n": 1})
    _same_instance(CaseEvent(**event_values), new_instance(CaseEvent, **event_values))
    # the unsaved related row is given the database as the descriptor gives it
    twins = [new_instance(Case, **_case_values(world, f"N-{i}")) for i in (3, 4)]
    CaseEvent(**dict(event_values, case=twins[0]))
    new_instance(CaseEvent, **dict(event_values, case=twins[1]))
    assert twins[0]._state.db == twins[1]._state.db == "default"
    event = new_instance(CaseEvent, **event_values)
    insert_instances([case])
    insert_instances([event])
    assert event.case_id == case.pk and event.case is case

    # defaults: values copied, computed ones computed per instance (a fresh dict each time), attnames accepted
    a = new_instance(OutboxMessage, event_key="k:1", recipient_id=world.accounts["resident"].pk, subject="新")
    b = new_instance(OutboxMessage, event_key="k:1", recipient_id=world.accounts["resident"].pk, subject="新")
    _same_instance(OutboxMessage(event_key="k:1", recipient_id=world.accounts["resident"].pk, subject="新"), a,
                   clock=("created_at", "next_attempt_at"))
    assert a.payload == {} and a.payload is not b.payload
    assert (a.channel, a.status, a.attempts) == ("inapp", "pending", 0) and a.recipient == world.accounts["resident"]


def test_new_instance_refuses_what_the_model_refuses(world):
    with pytest.raises(TypeError, match="unexpected keyword arguments: 'colour'"):
        new_instance(OutboxMessage, event_key="k", colour="red")
    with pytest.raises(ValueError, match='"OutboxMessage.recipient" must be a "Account" instance'):
        new_instance(OutboxMessage, event_key="k", recipient=world.a)
    with pytest.raises(ValueError, match='"OutboxMessage.recipient" must be a "Account" instance'):
        OutboxMessage(event_key="k", recipient=world.a)


def test_new_instance_leaves_a_model_with_init_receivers_to_the_model():
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=OutboxMessage)
    try:
        msg = new_instance(OutboxMessage, event_key="k:9", subject="九")
    finally:
        post_init.disconnect(receiver, sender=OutboxMessage)
    assert seen == [msg] and msg.subject == "九"


class _ElsewhereRouter:
    """A router of someone else's: writes a model's rows to a database of its choosing."""

    def db_for_write(self, model, **hints):
        return "default"


def test_new_instance_keeps_its_plan_under_the_replica_router_only(world, settings, monkeypatch):
    values = _case_values(world, "R-1", reporter=world.accounts["resident"], dwelling=None)
    built_by_init = []
    real_init = Case.__init__
    monkeypatch.setattr(Case, "__init__", lambda self, *a, **kw: (built_by_init.append(self), real_init(self, *a, **kw))[1])

    settings.DATABASE_ROUTERS = ["linli.core.replica.Router"]  # as with LINLI_REPLICA_URL
    fast = new_instance(Case, **values)
    assert built_by_init == []
    made = Case(**values)
    _same_instance(made, fast)
    assert fast._state.db == "default"
    # a row read from the replica may be related to a new one, as the router allows
    resident = world.accounts["resident"]
    resident._state.db = "replica"
    event = new_instance(CaseEvent, case=fast, actor=resident, action=CaseEvent.Action.SUBMIT, to_state="assigned",
                         at=timezone.now(), data={})
    assert event._state.db == "default" and event.actor is resident
    resident._state.db = "default"

    settings.DATABASE_ROUTERS = ["linli.core.tests.test_inserts._ElsewhereRouter"]
    built_by_init.clear()
    new_instance(Case, **values)
    assert len(built_by_init) == 1


def test_no_router_without_a_replica():
    from django.conf import settings
    from django.db import router

    assert ("replica" in settings.DATABASES) == bool(router.routers)
