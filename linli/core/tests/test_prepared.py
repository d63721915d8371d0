"""core.prepared: a SELECT compiled once gives what the queryset's .first() gives (issue 12: a resident's first
report compiled the token's and the home's queries on every new token)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.prepared import Prepared
from linli.people.auth import issue_token
from linli.people.models import ApiToken
from linli.places.models import Dwelling

pytestmark = pytest.mark.django_db

TOKEN = Prepared(lambda key_hash: ApiToken.objects.select_related("account", "account__person")
                 .filter(key_hash=key_hash, revoked_at__isnull=True), "key_hash")
HOME = Prepared(lambda pk, household: Dwelling.objects.select_related("building").filter(pk=pk, households__id=household),
                "pk", "household")


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_token_with_its_account_and_person_as_the_queryset_gives_them(world):
    a1, b1 = world.accounts["resident"], world.accounts["resident_b"]
    tokens = [issue_token(a1, "一")[0], issue_token(b1, "二")[0]]
    for token in tokens:
        fast = TOKEN.first(key_hash=token.key_hash)
        slow = ApiToken.objects.select_related("account", "account__person").filter(key_hash=token.key_hash, revoked_at__isnull=True).first()
        assert type(fast) is ApiToken and _fields(fast) == _fields(slow) and fast._state.db == "default" and not fast._state.adding
        with CaptureQueriesContext(connection) as q:  # the related rows came with it, decrypted
            assert _fields(fast.account) == _fields(slow.account)
            assert _fields(fast.account.person) == _fields(slow.account.person)
            assert fast.account.person.phone == slow.account.person.phone and fast.account.person.phone
        assert len(q) == 0
    assert TOKEN.first(key_hash="0" * 64) is None
    ApiToken.objects.filter(pk=tokens[0].pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert TOKEN.first(key_hash=tokens[0].key_hash) is None  # the same compiled SQL, the revoked filter kept
    assert TOKEN.first(key_hash=tokens[1].key_hash).account_id == b1.pk


def test_a_home_by_id_and_household_with_integer_parameters(world):
    a1, b1 = world.persons["a1"], world.persons["b1"]
    home = HOME.first(pk=a1.household.dwelling_id, household=a1.household_id)
    assert home.pk == a1.household.dwelling_id and _fields(home.building) == _fields(Dwelling.objects.get(pk=home.pk).building)
    assert HOME.first(pk=b1.household.dwelling_id, household=a1.household_id) is None  # not that household's home
    assert HOME.first(pk=b1.household.dwelling_id, household=b1.household_id).pk == b1.household.dwelling_id


def test_shapes_that_cannot_be_prepared_are_refused_when_compiled(world):
    transformed = Prepared(lambda name: ApiToken.objects.filter(name__icontains=name), "name")
    with pytest.raises(ValueError, match="transformed"):
        transformed.first(name="一")
    unused = Prepared(lambda key_hash: ApiToken.objects.all(), "key_hash")
    with pytest.raises(ValueError, match="must appear once"):
        unused.first(key_hash="x")
