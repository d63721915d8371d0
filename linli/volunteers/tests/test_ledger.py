import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from linli.core.errors import OutOfScope
from linli.volunteers import services
from linli.volunteers.models import Immutable, LedgerAccount, Posting

from .conftest import approved, fund, sc


def issuing(world):
    return services.house_account(world.a, LedgerAccount.Kind.ISSUING)


def test_a_posting_moves_points_and_balances_equal_the_sums(world, vol):
    acc = services.account_of(vol)
    p = fund(world, vol, 30, key="k1")
    assert (p.amount, p.kind, p.from_account, p.to_account) == (30, "earn", issuing(world), acc)
    acc.refresh_from_db()
    assert acc.balance == services.balance_of(acc) == 30
    assert issuing(world).balance == services.balance_of(issuing(world)) == -30


@pytest.mark.parametrize("amount, reason, field, message", [
    (10, "", "reason", "Reason: every posting needs a reason."),
    (10, "   ", "reason", "Reason: every posting needs a reason."),
    (0, "发放", "amount", "Amount: points must be above zero."),
    (-5, "发放", "amount", "Amount: points must be above zero."),
    (2.5, "发放", "amount", "Amount: points must be a whole number."),
    ("十", "发放", "amount", "Amount: points must be a whole number."),
])
def test_a_bad_posting_is_refused_and_changes_nothing(world, vol, amount, reason, field, message):
    acc = services.account_of(vol)
    with pytest.raises(ValidationError) as exc:
        services.post(from_account=issuing(world), to_account=acc, amount=amount, kind="earn", reason=reason, source_key="bad")
    assert exc.value.message_dict == {field: [message]}
    assert Posting.objects.count() == 0
    acc.refresh_from_db()
    assert acc.balance == 0 and issuing(world).balance == 0


def test_the_database_refuses_a_posting_without_reason_or_amount(world, vol):
    acc = services.account_of(vol)
    for kw in ({"amount": 5, "reason": ""}, {"amount": 0, "reason": "x"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Posting.objects.create(community=world.a, from_account=issuing(world), to_account=acc, kind="earn", source_key="raw", **kw)
    assert Posting.objects.count() == 0


def test_postings_are_immutable(world, vol):
    p = fund(world, vol, 10, key="k")
    p.amount = 99
    with pytest.raises(Immutable):
        p.save()
    with pytest.raises(Immutable):
        p.delete()
    with pytest.raises(Immutable):
        Posting.objects.filter(pk=p.pk).update(amount=99)
    with pytest.raises(Immutable):
        Posting.objects.filter(pk=p.pk).delete()
    assert Posting.objects.get(pk=p.pk).amount == 10


def test_the_same_source_posts_once(world, vol):
    first = fund(world, vol, 20, key="service:1")
    again = fund(world, vol, 20, key="service:1")
    assert first.pk == again.pk and Posting.objects.count() == 1
    assert services.account_of(vol).balance == 20
    with pytest.raises(ValidationError) as exc:
        fund(world, vol, 25, key="service:1")
    assert "already posted a different amount" in exc.value.message_dict["source_key"][0]
    assert services.account_of(vol).balance == 20


def test_a_volunteer_balance_never_goes_negative(world, vol):
    fund(world, vol, 5, key="k")
    shop = services.house_account(world.a, LedgerAccount.Kind.SHOP)
    with pytest.raises(ValidationError) as exc:
        services.post(from_account=services.account_of(vol), to_account=shop, amount=6, kind="redeem", reason="兑换", source_key="r")
    assert exc.value.message_dict == {"amount": ["Amount: 6 points exceed the balance of 5 points."]}
    assert services.account_of(vol).balance == 5 and shop.balance == 0 and Posting.objects.count() == 1
    # and the database itself refuses a negative cached balance
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=services.account_of(vol).pk).update(balance=-1)


def test_a_correction_is_a_new_reverse_posting(world, vol):
    p = fund(world, vol, 30, key="k")
    staff = sc(world, "community_staff")
    c = services.correct(staff, p, amount=10, reason="多记了一小时")
    assert (c.from_account_id, c.to_account_id, c.kind, c.corrects) == (p.to_account_id, p.from_account_id, "correction", p)
    assert c.cause == p
    assert services.account_of(vol).balance == 20 == services.balance_of(services.account_of(vol))
    assert Posting.objects.get(pk=p.pk).amount == 30  # the original is untouched
    with pytest.raises(ValidationError) as exc:
        services.correct(staff, p, amount=21, reason="再改")
    assert exc.value.message_dict == {"amount": ["Amount: at most 20 points of this posting are left to correct."]}
    with pytest.raises(ValidationError) as exc:
        services.correct(staff, p, amount=5, reason="")
    assert exc.value.message_dict == {"reason": ["Reason: every posting needs a reason."]}
    with pytest.raises(OutOfScope):
        services.correct(sc(world, "other_community_staff"), p, amount=5, reason="越权")
    with pytest.raises(OutOfScope):
        services.correct(sc(world, "resident"), p, amount=5, reason="自己改")
    assert Posting.objects.count() == 2


def test_a_correction_cannot_take_a_balance_below_zero(world, vol):
    p = fund(world, vol, 30, key="k")
    shop = services.house_account(world.a, LedgerAccount.Kind.SHOP)
    services.post(from_account=services.account_of(vol), to_account=shop, amount=25, kind="redeem", reason="兑换", source_key="r")
    with pytest.raises(ValidationError) as exc:
        services.correct(sc(world, "community_staff"), p, amount=10, reason="撤销")
    assert "exceed the balance of 5 points" in exc.value.message_dict["amount"][0]
    assert Posting.objects.count() == 2


def test_accounts_of_two_communities_do_not_mix(world, vol):
    other = services.house_account(world.b, LedgerAccount.Kind.ISSUING)
    with pytest.raises(ValidationError) as exc:
        services.post(from_account=other, to_account=services.account_of(vol), amount=5, kind="earn", reason="x", source_key="x")
    assert "same community" in exc.value.message_dict["to_account"][0]


def test_only_approved_volunteers_get_an_account(world):
    v = services.register(sc(world, "resident"), skills="")
    assert not LedgerAccount.objects.filter(volunteer=v).exists()
    approved(world, key=None, person_key="a3")
    assert LedgerAccount.objects.filter(kind="volunteer").count() == 1


def test_the_admin_shows_the_ledger_read_only(client, world, vol):
    fund(world, vol, 10, key="k")
    client.force_login(world.accounts["admin"])
    assert client.get("/admin/volunteers/posting/").status_code == 200
    p = Posting.objects.get()
    page = client.get(f"/admin/volunteers/posting/{p.pk}/change/")
    assert page.status_code == 200 and b'name="amount"' not in page.content
    assert client.post(f"/admin/volunteers/posting/{p.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/volunteers/posting/add/").status_code == 403
    assert Posting.objects.get().amount == 10


def test_the_database_refuses_to_update_a_posting(world, vol):
    from django.db import DatabaseError, connection

    p = fund(world, vol, 10, key="k")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE volunteers_posting SET amount = 99 WHERE id = %s", [p.pk])
    assert Posting.objects.get(pk=p.pk).amount == 10
