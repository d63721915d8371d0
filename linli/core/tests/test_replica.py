"""The read replica (linli.core.replica) against a real hot standby: `linli test --postgres` starts one beside the
throwaway cluster (linli.testing.pg.Standby) and sets LINLI_REPLICA_URL. The cockpit and scorecards read from it in
step with the primary; a standby behind, unreachable, or a read inside a transaction falls back to the primary."""

import os

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.cases import services
from linli.cases.models import Category
from linli.core import replica
from linli.evaluation import casefacts
from linli.people.scopes import resolve
from linli.testing.pg import free_port
from linli.testing.world import PASSWORD

PAUSED_WAIT_MS = 300
needs_replica = pytest.mark.skipif(not replica.configured(), reason="needs LINLI_REPLICA_URL: `linli test --postgres` starts a standby")


def test_the_postgresql_run_has_its_replica():
    if os.environ.get("LINLI_EXPECT_REPLICA") != "1":
        pytest.skip("only the PostgreSQL run (`linli test --postgres`) promises a standby")
    assert replica.configured()


@pytest.fixture
def standby(settings):
    settings.LINLI_REPLICA_WAIT_MS = 10_000  # a loaded machine's standby may take a while; a paused one waits PAUSED_WAIT_MS
    replica._down_until = 0.0
    yield connections[replica.ALIAS]
    with connections[replica.ALIAS].cursor() as cursor:  # whatever a test did to the standby
        cursor.execute("SELECT pg_wal_replay_resume()")
    replica._down_until = 0.0


def _report(world, text):
    """A resident's report, routed by its category (so its figures have a routed case to count)."""
    if not Category.objects.filter(code="env.lights").exists():
        env = Category.objects.create(code="env", name="环境")
        Category.objects.create(code="env.lights", name="楼道照明", parent=env, default_tier="grid", response_amount=1,
                                response_unit="days", handling_amount=2, handling_unit="days")
    return services.submit(resolve(world.accounts["resident"]), source="resident", description=text, category="env.lights",
                           dwelling=world.persons["a1"].dwelling)


def _replay(standby, go: bool, settings):
    """Pause or resume the standby's replay; while paused a block waits only PAUSED_WAIT_MS for it."""
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()" if go else "SELECT pg_wal_replay_pause()")
    settings.LINLI_REPLICA_WAIT_MS = 10_000 if go else PAUSED_WAIT_MS


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_cockpit_reads_the_replica_and_counts_what_was_just_committed(world, client, standby):
    made = [_report(world, f"楼道灯坏了 {i}") for i in range(3)]
    assert client.login(username=world.accounts["community_staff"].username, password=PASSWORD)
    with CaptureQueriesContext(standby) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get(reverse("dashboard:home"))
    assert page.status_code == 200
    assert any("cases_case" in q["sql"] for q in on_replica.captured_queries)  # the figures came from the standby
    assert not any('FROM "cases_case"' in q["sql"] and "COUNT(" in q["sql"] for q in on_primary.captured_queries)
    trend = page.context["tables"]["trend"]["rows"][-1]  # this month: [month, cases, rates…]
    assert trend[1] == len(made) == casefacts.Case.objects.count()


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_standby_behind_the_primary_is_passed_over_until_it_catches_up(world, standby, settings):
    _report(world, "楼道灯坏了")
    with replica.reads() as alias:
        assert alias == replica.ALIAS  # replayed: the standby
    _replay(standby, False, settings)
    case = _report(world, "单元门禁坏了")  # committed on the primary, not replayed on the standby
    with replica.reads() as alias:  # waits LINLI_REPLICA_WAIT_MS, then reads the primary
        assert alias == "default"
        assert casefacts.Case.objects.filter(pk=case.pk).exists()
    _replay(standby, True, settings)
    with replica.reads() as alias:
        assert alias == replica.ALIAS and casefacts.Case.objects.filter(pk=case.pk).exists()


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_rollup_written_inside_a_block_is_read_back(world, standby, settings):
    """A page brings the case-figures rollup up to date (on the primary) and then sums it: the sums must see the
    rows it just wrote, from the standby once it has them, else from the primary."""
    made = [_report(world, f"楼道堆物 {i}") for i in range(2)]
    start, end = made[0].created_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0), made[-1].created_at.replace(year=made[-1].created_at.year + 1)
    with replica.reads() as alias:
        assert alias == replica.ALIAS
        _replay(standby, False, settings)  # the rollup's rows will not reach it
        tally = casefacts.aggregate(casefacts.fresh_window(casefacts.Case.objects.all(), start, end))
        with replica.primary():
            truth = casefacts.aggregate(casefacts.window(casefacts.Case.objects.all(), start, end))
    assert tally == truth and tally["response_rate_parts"][1] == 2  # both routed: the rollup's rows were read


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_transaction_and_an_unreachable_standby_read_the_primary(world, standby):
    with transaction.atomic():
        with replica.reads() as alias:
            assert alias == "default"  # its own writes are not on the standby
    port = standby.settings_dict["PORT"]
    standby.close()
    standby.settings_dict["PORT"] = str(free_port())
    try:
        with replica.reads() as alias:
            assert alias == "default"
        assert replica._down_until > 0  # not tried again for a while: no request waits on its connection
    finally:
        standby.close()
        standby.settings_dict["PORT"] = port


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_status_check_tells_a_standby_in_step_from_one_behind_and_one_unreachable(world, standby, settings):
    from linli.core import health

    def level():
        [found] = health.run(["replica"])
        return found.level, found.summary

    assert level()[0] == health.OK
    _replay(standby, False, settings)
    _report(world, "楼道灯坏了，状态页")  # committed on the primary, not replayed on the paused standby
    behind = level()
    assert behind[0] == health.WARN and str(PAUSED_WAIT_MS) in behind[1]
    _replay(standby, True, settings)
    assert level()[0] == health.OK
    port = standby.settings_dict["PORT"]
    standby.close()
    standby.settings_dict["PORT"] = str(free_port())
    try:
        assert level()[0] == health.FAIL
    finally:
        standby.close()
        standby.settings_dict["PORT"] = port
