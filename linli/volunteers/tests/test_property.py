"""Property: whatever sequence of earn / redeem / correct happens, every balance equals the sum of its
postings, no volunteer's balance is ever negative, and a refused step changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from linli.people.scopes import system
from linli.volunteers import services
from linli.volunteers.models import LedgerAccount, Posting

from .conftest import approved

step = st.one_of(
    st.tuples(st.just("earn"), st.integers(0, 2), st.integers(1, 60)),
    st.tuples(st.just("redeem"), st.integers(0, 2), st.integers(1, 80)),
    st.tuples(st.just("correct"), st.integers(0, 40), st.integers(1, 60)),
)


def snapshot():
    return sorted(LedgerAccount.objects.values_list("pk", "balance")), Posting.objects.count()


@pytest.fixture
def three(world):
    from linli.people import services as people
    from linli.testing.world import PASSWORD
    for key, person in (("r2", "a2"), ("r3", "a3")):
        world.accounts[key] = people.create_account(world.persons[person], key, PASSWORD)
    return [approved(world), approved(world, key="r2", person_key="a2"), approved(world, key="r3", person_key="a3")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_balances_are_sums_of_postings_and_never_negative(world, three, steps):
    with transaction.atomic():  # each example runs in a savepoint that is rolled back
        issuing = services.house_account(world.a, LedgerAccount.Kind.ISSUING)
        shop = services.house_account(world.a, LedgerAccount.Kind.SHOP)
        accounts = [services.account_of(v) for v in three]
        expected = {a.pk: 0 for a in accounts}
        refused = 0
        for n, (kind, who, amount) in enumerate(steps):
            before = snapshot()
            try:
                if kind == "earn":
                    services.post(from_account=issuing, to_account=accounts[who], amount=amount, kind="earn",
                                  reason="服务时长", source_key=f"p:{n}")
                    expected[accounts[who].pk] += amount
                elif kind == "redeem":
                    services.post(from_account=accounts[who], to_account=shop, amount=amount, kind="redeem",
                                  reason="爱心超市兑换", source_key=f"p:{n}")
                    expected[accounts[who].pk] -= amount
                else:
                    originals = list(Posting.objects.exclude(kind="correction").order_by("pk"))
                    if not originals:
                        continue
                    target = originals[who % len(originals)]
                    services.correct(system(), target, amount=amount, reason="更正")
                    for pk, sign in ((target.to_account_id, -1), (target.from_account_id, +1)):
                        if pk in expected:
                            expected[pk] += sign * amount
            except ValidationError:
                refused += 1
                assert snapshot() == before  # a refusal changes nothing
            for acc in LedgerAccount.objects.all():
                assert acc.balance == services.balance_of(acc)
                if acc.kind != "issuing":
                    assert acc.balance >= 0
            assert {a.pk: a.balance for a in LedgerAccount.objects.filter(kind="volunteer")} == expected
            assert sum(LedgerAccount.objects.values_list("balance", flat=True)) == 0  # double entry: the books balance
        transaction.set_rollback(True)


shop_step = st.one_of(
    st.tuples(st.just("earn"), st.integers(0, 2), st.integers(1, 60)),
    st.tuples(st.just("redeem"), st.integers(0, 2), st.integers(1, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("correct"), st.integers(0, 40), st.integers(1, 30)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(shop_step, min_size=1, max_size=20), stock=st.integers(0, 4), price=st.integers(1, 40))
def test_the_shop_keeps_stock_and_books_exact(world, three, steps, stock, price):
    """Through the real shop services: stock = initial − items in live redemptions, balances = sums of postings ≥ 0."""
    from linli.volunteers.models import Redemption, ShopItem

    with transaction.atomic():
        item = services.add_item(system(), world.a, name="爱心大米", price=price, stock=stock)
        issuing = services.house_account(world.a, LedgerAccount.Kind.ISSUING)
        for n, (kind, who, amount) in enumerate(steps):
            before = (snapshot(), ShopItem.objects.get(pk=item.pk).stock, Redemption.objects.count())
            try:
                if kind == "earn":
                    services.post(from_account=issuing, to_account=services.account_of(three[who]), amount=amount, kind="earn",
                                  reason="服务时长", source_key=f"s:{n}")
                elif kind == "redeem":
                    services.redeem(system(), three[who], item, quantity=amount, channel="online")
                elif kind == "cancel":
                    reserved = list(Redemption.objects.filter(item=item, status="reserved").order_by("pk"))
                    if not reserved:
                        continue
                    services.cancel_redemption(system(), reserved[who % len(reserved)])
                else:
                    originals = list(Posting.objects.exclude(kind="correction").order_by("pk"))
                    if not originals:
                        continue
                    services.correct(system(), originals[who % len(originals)], amount=amount, reason="更正")
            except ValidationError:
                assert (snapshot(), ShopItem.objects.get(pk=item.pk).stock, Redemption.objects.count()) == before
            live = sum(Redemption.objects.filter(item=item).exclude(status="cancelled").values_list("quantity", flat=True))
            assert ShopItem.objects.get(pk=item.pk).stock == stock - live
            for acc in LedgerAccount.objects.all():
                assert acc.balance == services.balance_of(acc)
                assert acc.kind == "issuing" or acc.balance >= 0
            assert sum(LedgerAccount.objects.values_list("balance", flat=True)) == 0
        transaction.set_rollback(True)
