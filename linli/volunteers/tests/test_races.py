"""Two people at once: exactly one wins, on SQLite and PostgreSQL (`linli test --postgres linli/volunteers`)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from linli.people.scopes import resolve
from linli.testing.world import build_world
from linli.volunteers import services
from linli.volunteers.models import LedgerAccount, Posting, Redemption, ShopItem, SignUp

from .conftest import activity, approved, fund

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads released together; returns each result or the ValidationError's messages."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # threads start in the default language (zh-Hans)
                results[i] = call()
        except ValidationError as exc:
            results[i] = exc.message_dict
        except Exception as exc:  # noqa: BLE001 — reported by the assertion
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def ledger_exact(community):
    for acc in LedgerAccount.objects.filter(community=community):
        assert acc.balance == services.balance_of(acc), acc
        assert acc.kind == "issuing" or acc.balance >= 0
    assert sum(LedgerAccount.objects.filter(community=community).values_list("balance", flat=True)) == 0


def test_two_redemptions_for_the_last_points():
    w = build_world()
    vol = approved(w)
    fund(w, vol, 30)
    staff = resolve(w.accounts["community_staff"])
    a = services.add_item(staff, w.a, name="大米", price=30, stock=5)
    b = services.add_item(staff, w.a, name="食用油", price=25, stock=5)
    me = resolve(w.accounts["resident"])
    results = race(lambda: services.redeem(me, vol, a), lambda: services.redeem(resolve(w.accounts["community_staff"]), vol, b, channel="counter"))
    won = [r for r in results if isinstance(r, Redemption)]
    lost = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "exceed the balance" in str(lost[0]["amount"])
    assert services.account_of(vol).balance == 30 - won[0].points
    assert ShopItem.objects.get(pk=a.pk).stock + ShopItem.objects.get(pk=b.pk).stock == 9  # the loser's stock was put back
    assert Posting.objects.filter(kind="redeem").count() == 1
    ledger_exact(w.a)


def test_two_redemptions_for_the_last_item():
    w = build_world()
    v1 = approved(w)
    from linli.people import services as people
    from linli.testing.world import PASSWORD
    people.create_account(w.persons["a3"], "r3", PASSWORD)
    w.accounts["r3"] = type(w.accounts["resident"]).objects.get(username="r3")
    v2 = approved(w, key="r3", person_key="a3")
    fund(w, v1, 100)
    fund(w, v2, 100)
    item = services.add_item(resolve(w.accounts["community_staff"]), w.a, name="电风扇", price=60, stock=1)
    results = race(lambda: services.redeem(resolve(w.accounts["resident"]), v1, item),
                   lambda: services.redeem(resolve(w.accounts["r3"]), v2, item))
    won = [r for r in results if isinstance(r, Redemption)]
    lost = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0] == {"quantity": ["Quantity: only 0 left in stock."]}
    assert ShopItem.objects.get(pk=item.pk).stock == 0
    assert sorted([services.account_of(v1).balance, services.account_of(v2).balance]) == [40, 100]
    assert Redemption.objects.count() == 1 and Posting.objects.filter(kind="redeem").count() == 1
    ledger_exact(w.a)


def test_two_sign_ups_for_the_last_seat_one_seat_one_waiting():
    w = build_world()
    from linli.people import services as people
    from linli.testing.world import PASSWORD
    people.create_account(w.persons["a3"], "r3", PASSWORD)
    w.accounts["r3"] = type(w.accounts["resident"]).objects.get(username="r3")
    approved(w)
    approved(w, key="r3", person_key="a3")
    act = activity(w, capacity=1, waitlist_size=3)
    results = race(lambda: services.sign_up(resolve(w.accounts["resident"]), act),
                   lambda: services.sign_up(resolve(w.accounts["r3"]), act))
    assert all(isinstance(r, SignUp) for r in results), results
    assert sorted(r.status for r in results) == ["confirmed", "waitlisted"]
    assert SignUp.objects.filter(activity=act, status="confirmed").count() == 1


def test_the_same_service_record_posts_once_under_a_race():
    w = build_world()
    vol = approved(w)
    issuing = services.house_account(w.a, LedgerAccount.Kind.ISSUING)
    acc = services.account_of(vol)

    def earn():
        return services.post(from_account=issuing, to_account=acc, amount=15, kind="earn", reason="服务", source_key="service:race")
    results = race(earn, earn)
    assert all(isinstance(r, Posting) for r in results), results
    assert results[0].pk == results[1].pk
    assert services.account_of(vol).balance == 15
    ledger_exact(w.a)


def test_a_form_submitted_twice_at_once_redeems_once():
    w = build_world()
    vol = approved(w)
    fund(w, vol, 100)
    item = services.add_item(resolve(w.accounts["community_staff"]), w.a, name="毛巾", price=10, stock=5)
    me = resolve(w.accounts["resident"])
    results = race(lambda: services.redeem(me, vol, item, token="same-form"), lambda: services.redeem(me, vol, item, token="same-form"))
    assert all(isinstance(r, Redemption) for r in results), results
    assert results[0].pk == results[1].pk
    assert Redemption.objects.count() == 1 and ShopItem.objects.get(pk=item.pk).stock == 4
    assert services.account_of(vol).balance == 90
    ledger_exact(w.a)
