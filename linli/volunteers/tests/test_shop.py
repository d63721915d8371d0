import pytest
from django.core.exceptions import ValidationError

from linli.core.errors import OutOfScope
from linli.volunteers import queries, services
from linli.volunteers.models import LedgerAccount, Posting, Redemption, ShopItem, StockTake

from .conftest import fund, sc


@pytest.fixture
def soap(world):
    return services.add_item(sc(world, "community_staff"), world.a, name="洗衣液", price=20, stock=3)


def state(vol, item):
    item.refresh_from_db()
    return services.account_of(vol).balance, item.stock, Posting.objects.count(), Redemption.objects.count()


def test_reserve_online_then_collect(world, vol, soap):
    fund(world, vol, 50)
    r = services.redeem(sc(world, "resident"), vol, soap, quantity=2)
    assert (r.status, r.points, r.channel) == ("reserved", 40, "online")
    assert state(vol, soap)[:2] == (10, 1)
    shop = services.house_account(world.a, LedgerAccount.Kind.SHOP)
    assert shop.balance == 40 == services.balance_of(shop)
    services.collect(sc(world, "community_staff"), r)
    r.refresh_from_db()
    assert r.status == "collected" and r.handled_by == world.accounts["community_staff"]
    assert list(queries.day_redemptions(world.a, r.at.astimezone().date())) == [r]


def test_redeeming_more_than_the_balance_is_refused_and_changes_nothing(world, vol, soap):
    fund(world, vol, 30)
    before = state(vol, soap)
    with pytest.raises(ValidationError) as exc:
        services.redeem(sc(world, "resident"), vol, soap, quantity=2)
    assert exc.value.message_dict == {"amount": ["Amount: 40 points exceed the balance of 30 points."]}
    assert state(vol, soap) == before  # the stock taken first was put back by the rollback


def test_redeeming_more_than_the_stock_is_refused(world, vol, soap):
    fund(world, vol, 500)
    before = state(vol, soap)
    with pytest.raises(ValidationError) as exc:
        services.redeem(sc(world, "resident"), vol, soap, quantity=4)
    assert exc.value.message_dict == {"quantity": ["Quantity: only 3 left in stock."]}
    with pytest.raises(ValidationError) as exc:
        services.redeem(sc(world, "resident"), vol, soap, quantity=0)
    assert exc.value.message_dict == {"quantity": ["Quantity: must be above zero."]}
    assert state(vol, soap) == before


def test_counter_redemption_is_staff_and_a_token_redeems_once(world, vol, soap):
    fund(world, vol, 100)
    with pytest.raises(OutOfScope):
        services.redeem(sc(world, "resident_b"), vol, soap, channel="counter")
    with pytest.raises(OutOfScope):
        services.redeem(sc(world, "resident_b"), vol, soap)  # online for someone else
    r1 = services.redeem(sc(world, "community_staff"), vol, soap, channel="counter", token="abc")
    r2 = services.redeem(sc(world, "community_staff"), vol, soap, channel="counter", token="abc")
    assert r1.pk == r2.pk and r1.status == "collected"
    assert state(vol, soap) == (80, 2, 2, 1)


def test_cancelling_a_reservation_refunds_and_restocks(world, vol, soap):
    fund(world, vol, 50)
    r = services.redeem(sc(world, "resident"), vol, soap)
    services.cancel_redemption(sc(world, "resident"), r)
    r.refresh_from_db()
    assert r.status == "cancelled" and r.refund.kind == "refund" and r.refund.amount == 20
    assert (r.posting.cause, r.refund.cause) == (r, r)  # each posting links to what caused it
    assert state(vol, soap) == (50, 3, 3, 1)
    with pytest.raises(ValidationError):
        services.cancel_redemption(sc(world, "resident"), r)
    assert state(vol, soap) == (50, 3, 3, 1)
    shop = services.house_account(world.a, LedgerAccount.Kind.SHOP)
    assert shop.balance == 0 == services.balance_of(shop)


def test_stock_take_records_the_difference(world, soap):
    staff = sc(world, "community_staff")
    with pytest.raises(ValidationError) as exc:
        services.stock_take(staff, soap, counted=2)
    assert exc.value.message_dict == {"note": ["Note: required."]}
    assert StockTake.objects.count() == 0
    t = services.stock_take(staff, soap, counted=2, note="破损一瓶")
    assert (t.expected, t.counted, t.adjustment) == (3, 2, -1)
    assert ShopItem.objects.get(pk=soap.pk).stock == 2
    services.stock_take(staff, soap, counted=2)  # no difference, no note needed


def test_shop_item_refusals(world):
    with pytest.raises(ValidationError) as exc:
        services.add_item(sc(world, "community_staff"), world.a, name="理发", price=0, kind="service")
    assert exc.value.message_dict == {"price": ["Price: must be above zero."]}
    with pytest.raises(OutOfScope):
        services.add_item(sc(world, "resident"), world.a, name="理发", price=5)
    assert ShopItem.objects.count() == 0


def test_uncollected_reservations_expire_once_with_a_refund(world, vol, soap):
    import datetime

    from django.utils import timezone

    from linli.core.worker import registered
    from linli.volunteers import sweeps

    assert "volunteer_reservations" in registered()
    fund(world, vol, 50)
    old = services.redeem(sc(world, "resident"), vol, soap)
    fresh = services.redeem(sc(world, "resident"), vol, soap)
    Redemption.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=8))
    assert sweeps.expire_reservations() == 1
    assert sweeps.expire_reservations() == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("cancelled", "reserved")
    assert old.refund.amount == 20 and state(vol, soap)[:2] == (30, 2)
    assert services.expire_reservation(old.pk) == 0
