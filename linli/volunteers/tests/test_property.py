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
