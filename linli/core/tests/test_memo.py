"""Issue 12: process-local caches (linli.core.memo) that stay right across processes.

The caches of tokens, scopes, categories, places and post holders are only as good as their invalidation: a revoked
token, an ended post or a deactivated category must be seen by every server process on its next request, however the
change was made (a bulk update, raw SQL, another process), and a rolled-back change must not leave a stale answer."""

import datetime
import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection, transaction
from django.utils import timezone

from linli.core import memo
from linli.core.memo import Memo, snapshot


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_every_watched_table_has_its_three_triggers_and_installing_again_changes_nothing():
    watched = list(memo._REGISTERED.values())
    assert {m._meta.db_table for m, _, _ in watched} >= {"people_apitoken", "people_account", "people_appointment",
                                                         "places_dwelling", "cases_category", "axes_accessattempt"}
    present = _triggers()
    for model, _group, _fields in watched:
        for op in ("insert", "update", "delete"):
            assert memo._trigger_name(model._meta.db_table, op) in present, (model, op)
    assert memo.install_triggers() == len(watched)
    assert _triggers() == present


@pytest.mark.django_db
def test_bulk_and_raw_changes_move_their_group_and_only_watched_columns_count():
    from linli.cases.models import Category
    from linli.people.models import ApiToken
    from linli.testing.world import build_world

    w = build_world()
    groups = ("auth", "posts", "categories", "places")
    before = snapshot(groups)
    Category.objects.create(code="t.memo", name="测试")  # an insert
    after_insert = snapshot(groups)
    assert after_insert[2] != before[2] and after_insert[:2] == before[:2]

    w.accounts["community_staff"].person.appointments.update(ends_on=timezone.localdate())  # a bulk update: no signal is sent
    assert snapshot(groups)[1] != after_insert[1]

    with connection.cursor() as cursor:  # raw SQL behind the ORM's back
        cursor.execute("UPDATE places_dwelling SET room = room WHERE id = %s", [w.dwellings["A1-101"].pk])
    assert snapshot(groups)[3] != after_insert[3]

    from linli.people.auth import issue_token

    token, _ = issue_token(w.accounts["resident"], "t")
    auth = snapshot(["auth"])
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())  # not a watched column
    assert snapshot(["auth"]) == auth
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert snapshot(["auth"]) != auth


@pytest.mark.django_db
def test_a_memo_answers_from_memory_until_its_generation_moves():
    from linli.cases.models import Category

    calls = []
    m = Memo("t", ["categories"])

    def compute():
        calls.append(1)
        return Category.objects.filter(code="t.memo").count()

    assert m.get("k", compute) == 0 and m.get("k", compute) == 0
    assert len(calls) == 1
    Category.objects.create(code="t.memo", name="测试")
    assert m.get("k", compute) == 1
    assert len(calls) == 2
    with pytest.raises(ValueError):
        Memo("bad", ["nope"])


@pytest.mark.django_db
def test_a_table_that_moves_two_groups_moves_both_and_a_table_of_one_group_only_its_own():
    from linli.places.models import Dwelling, Grid
    from linli.testing.world import build_world

    w = build_world()
    assert memo._REGISTERED["places.grid"][1] == ("places", "grids")
    before = snapshot(["places", "grids"])
    Grid.objects.filter(pk=w.grids["A2"].pk).update(name="新名")
    after = snapshot(["places", "grids"])
    assert after[0] != before[0] and after[1] != before[1]
    Dwelling.objects.filter(pk=w.dwellings["A1-101"].pk).update(room="1010")
    assert snapshot(["places", "grids"])[1] == after[1] and snapshot(["places"])[0] != after[0]
    with pytest.raises(ValueError):  # every group of a table watches the same columns
        memo.watch(Grid, "grids", ["name"])
    assert memo._REGISTERED["places.grid"][2] == ()


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_stale_answer():
    from linli.core import roles
    from linli.people.models import Appointment
    from linli.people.scopes import resolve
    from linli.testing.world import build_world

    w = build_world()
    account = w.accounts["resident"]
    assert not resolve(account).has_role(roles.BUILDING_LEADER)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            appointment = Appointment(person=account.person, role=roles.BUILDING_LEADER, building=w.dwellings["A1-101"].building,
                                      starts_on=datetime.date(2020, 1, 1))
            appointment.clean()  # sets its scope level
            appointment.save()
            assert resolve(account).has_role(roles.BUILDING_LEADER)  # seen inside the transaction
            raise RuntimeError("roll back")
    assert not resolve(account).has_role(roles.BUILDING_LEADER)


CHILD = textwrap.dedent("""
    import os, sys, time
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django
    django.setup()
    from linli.core import roles
    from linli.people.auth import account_for_token
    from linli.people.models import Account
    from linli.people.scopes import resolve

    secret, go = sys.argv[1], sys.argv[2]
    staff = Account.objects.get(username="community_staff")
    for _ in range(3):  # warm: the answers are in this process's memory
        assert account_for_token(secret) is not None
        assert resolve(staff).has_role(roles.COMMUNITY_STAFF)
    print("warm", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    print("token", account_for_token(secret) is not None, flush=True)
    print("staff", resolve(staff).has_role(roles.COMMUNITY_STAFF), flush=True)
""")


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_a_revoked_token_and_an_ended_post_on_its_next_look_up(tmp_path):
    from linli.cases.tests.test_worker_kill import _database_url
    from linli.people.auth import issue_token
    from linli.people.models import ApiToken, Appointment
    from linli.testing.world import build_world

    w = build_world()
    token, secret = issue_token(w.accounts["resident"], "t")
    go = tmp_path / "go"
    env = dict(os.environ, LINLI_DATABASE_URL=_database_url(), LINLI_LOG_LEVEL="WARNING")
    child = subprocess.Popen([sys.executable, "-c", CHILD, secret, str(go)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "warm", child.stderr.read()[-3000:]
        # bulk updates: no signal reaches the other process, only the database does
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        Appointment.objects.filter(person=w.accounts["community_staff"].person).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
        go.touch()
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 0, err[-3000:]
    assert "token False" in out and "staff False" in out, out


@pytest.mark.django_db
def test_a_request_reads_the_generations_once_and_again_after_it_writes():
    """Inside a request the generations are read once; a write (which may move one) makes the next look-up read again."""
    from django.core.signals import request_finished, request_started
    from django.test.utils import CaptureQueriesContext

    from linli.cases.models import Category

    # the handlers are connected to Django's request signals (sending request_finished here would close the test's
    # database connection, as it closes old connections after a real request)
    assert memo.request_started in request_started._live_receivers(None)[0]
    assert memo.request_finished in request_finished._live_receivers(None)[0]
    m = Memo("t", ["categories"])
    memo.request_started()
    try:
        with CaptureQueriesContext(connection) as q:
            m.get("a", lambda: 1)
            m.get("b", lambda: 2)
            m.get("a", lambda: 3)
            reads = sum("core_cachegeneration" in x["sql"] for x in q.captured_queries)
            assert reads == 1
            Category.objects.create(code="t.memo2", name="测试")  # a write inside the request moves the generation
            assert m.get("a", lambda: 4) == 4  # read again: the old answer is gone
            assert sum("core_cachegeneration" in x["sql"] for x in q.captured_queries) == 2
    finally:
        memo.request_finished()
    with CaptureQueriesContext(connection) as q:  # outside a request every look-up reads
        m.get("a", lambda: 5)
        m.get("a", lambda: 6)
    assert sum("core_cachegeneration" in x["sql"] for x in q.captured_queries) == 2


@pytest.mark.django_db
def test_a_copied_instance_shares_nothing_a_caller_could_change_with_the_cached_one(world):
    """copy_instance: the twin and its cached related rows are new objects with the same values; changing a field,
    the twin's related row or its cache of related rows leaves the cached instance as it was, and it saves as itself."""
    from linli.places.models import Dwelling

    cached = Dwelling.objects.filter(building__compound__isnull=False).select_related("building__compound").first()
    twin = memo.copy_instance(cached)
    assert type(twin) is Dwelling and twin.pk == cached.pk and twin.__dict__.keys() == cached.__dict__.keys()
    assert twin is not cached and twin._state is not cached._state and twin._state.db == cached._state.db
    assert not twin._state.adding and twin._state.fields_cache is not cached._state.fields_cache
    assert twin.building is not cached.building and twin.building.pk == cached.building.pk
    assert twin.building.compound is cached.building.compound  # one level deep, as documented
    room, building_number = cached.room, cached.building.number
    twin.room = "改过"
    twin.building.number = "改过"
    twin._state.fields_cache.pop("building")
    assert cached.room == room and cached.building.number == building_number and "building" in cached._state.fields_cache
    twin.room = room
    twin.save(update_fields=["room"])  # a saved row (adding False): an UPDATE of the same row, not a new one
    assert Dwelling.objects.filter(building_id=cached.building_id, room=room).count() == 1
    assert memo.copy_instance(None) is None
