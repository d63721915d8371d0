"""百宝屋: queue, holds that expire, loans, no new loans while overdue, returns with a condition check, loss,
reminders (sweeps on a fixed clock), most- and never-lent."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from linli.core.models import OutboxMessage
from linli.life import queries, services, sweeps
from linli.life.models import Hold, Loan, ToolCopy

from .conftest import NOW, sc

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def drill(life):
    return services.add_tool(sc(life, "community_staff"), life.a, name="电钻", category="电动工具", copies=1, loan_days=7)


def test_queue_loan_overdue_and_return(life, drill):
    w = life
    staff = sc(w, "community_staff")
    h1 = services.place_hold(sc(w, "resident"), drill, now=NOW)
    h2 = services.place_hold(sc(w, "r2"), drill, now=NOW)
    assert (h1.state, h2.state) == ("ready", "waiting")
    copy = drill.copies.get()
    # only the first in the queue may take it
    with pytest.raises(ValidationError) as exc:
        services.lend(staff, ToolCopy.objects.get(pk=copy.pk), w.persons["a2"], now=NOW)
    assert "first in the queue" in str(exc.value.message_dict["copy"])
    loan = services.lend(staff, ToolCopy.objects.get(pk=copy.pk), w.persons["a1"], now=NOW)
    assert loan.due_on == NOW.date() + 7 * DAY and Hold.objects.get(pk=h1.pk).state == "fulfilled"
    # a loan of a tool already out is refused, naming the field
    with pytest.raises(ValidationError) as exc:
        services.lend(staff, ToolCopy.objects.get(pk=copy.pk), w.persons["a3"], now=NOW)
    assert "already out" in str(exc.value.message_dict["copy"])
    assert Loan.objects.count() == 1
    # reminders: the day before, once; overdue, once a day
    assert sweeps.tools(now=NOW + 5 * DAY) == 0
    assert sweeps.tools(now=NOW + 6 * DAY) == 1
    assert sweeps.tools(now=NOW + 6 * DAY) == 0
    assert sweeps.tools(now=NOW + 8 * DAY) == 1
    assert sweeps.tools(now=NOW + 8 * DAY) == 0
    assert sweeps.tools(now=NOW + 9 * DAY) == 1
    assert OutboxMessage.objects.filter(event_key__startswith=f"life:loan:{loan.pk}:").values("event_key").distinct().count() == 3
    # no new loans or holds while one is overdue
    other = services.add_tool(staff, w.a, name="梯子", category="登高", copies=1)
    with pytest.raises(ValidationError) as exc:
        services.place_hold(sc(w, "resident"), other, now=NOW + 9 * DAY)
    assert "due back" in str(exc.value.message_dict["person"])
    with pytest.raises(ValidationError):
        services.lend(staff, other.copies.get(), w.persons["a1"], now=NOW + 9 * DAY)
    # returned damaged: the copy goes to repair, then to the next in the queue when repaired
    with pytest.raises(ValidationError) as exc:
        services.return_loan(staff, loan, condition="damaged", now=NOW + 9 * DAY)
    assert "damage" in exc.value.message_dict
    services.return_loan(staff, loan, condition="damaged", damage="钻头松动", now=NOW + 9 * DAY)
    assert ToolCopy.objects.get(pk=copy.pk).state == "repair"
    services.repair_copy(staff, ToolCopy.objects.get(pk=copy.pk), now=NOW + 10 * DAY)
    assert Hold.objects.get(pk=h2.pk).state == "ready"


def test_ready_hold_expires_and_passes_on(life, drill):
    w = life
    h1 = services.place_hold(sc(w, "resident"), drill, now=NOW)
    h2 = services.place_hold(sc(w, "r2"), drill, now=NOW)
    assert sweeps.tools(now=NOW + 2 * DAY) == 0
    sweeps.tools(now=NOW + 3 * DAY)
    assert Hold.objects.get(pk=h1.pk).state == "expired" and Hold.objects.get(pk=h2.pk).state == "ready"
    with pytest.raises(ValidationError):
        services.place_hold(sc(w, "r2"), drill, now=NOW)  # already holding


def test_loss_and_lists(life, drill):
    w = life
    staff = sc(w, "community_staff")
    saw = services.add_tool(staff, w.a, name="手锯", category="手动工具", copies=2)
    loan = services.lend(staff, drill.copies.get(), w.persons["a1"], now=NOW)
    services.record_loss(staff, loan, "借用人搬家遗失", now=NOW + DAY)
    assert ToolCopy.objects.get(pk=loan.copy_id).state == "lost"
    most = queries.most_lent(w.a)
    assert most[0].name == "电钻" and most[0].loans == 1
    assert [t.name for t in queries.never_lent(w.a)] == [saw.name]
