"""The demo mirrors seed 000 (柳航里社区) exactly, is internally consistent, and builds only once."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation

import linli.demo as demo
from linli.core import roles
from linli.people.models import Account, Appointment, Household, HouseholdMember, Organization, Person, PersonTag
from linli.people.scopes import resolve
from linli.core.validation import check_id_number, normalize_phone
from linli.places.locator import locate_point
from linli.places.models import Building, Community, Dwelling, Grid, Venue

RESIDENTS = 400  # small for speed; the headline figures do not depend on it
P = Organization.PartyLevel


pytestmark = pytest.mark.django_db  # each test in its own transaction, rolled back, inside the module's below


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The demo, built once for this module inside a transaction of its own, rolled back when the module is done:
    its tests only read it (and what a test writes is rolled back with the test's transaction). Built as the
    function-scoped fixtures of conftest.py would have it: fast password hashing, English outside requests."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers), transaction.atomic():
        assert not demo.exists()
        with translation.override("en"):
            result = demo.build(verbosity=0, residents=RESIDENTS)
        assert result["created"] is True
        try:
            yield result
        finally:
            transaction.set_rollback(True)


def _table_sizes():
    return {m.__name__: m.objects.count() for m in (Community, Grid, Building, Dwelling, Venue, Person, Household, HouseholdMember, PersonTag, Organization, Appointment, Account)}


def test_counts_match_seed_000(built):
    for key, expected in demo.HEADLINE.items():
        assert built[key] == expected, key
    assert (built["grids"], built["dedicated_grids"], built["residential_grids"], built["compounds"], built["buildings"],
            built["institutions"], built["shops"], built["building_leaders"]) == (6, 1, 5, 2, 35, 5, 118, 35)
    assert built["party_levels"] == 4
    assert built["nine_small_categories"] == len(Venue.NineSmall.values)
    assert built["micro_grids"] > 0
    assert RESIDENTS <= built["residents"] < RESIDENTS + 20
    assert built["communities_in_subdistrict"] >= 2


def test_second_build_is_a_no_op(built):
    before = _table_sizes()
    again = demo.build(verbosity=0, residents=RESIDENTS)
    assert again["created"] is False
    assert _table_sizes() == before
    assert demo.exists()


def test_places_are_where_their_grid_is(built):
    main = Community.objects.get(code=demo.MAIN[0])
    dedicated = Grid.objects.get(community=main, kind=Grid.Kind.DEDICATED)
    assert set(Venue.objects.filter(community=main).values_list("grid_id", flat=True)) == {dedicated.pk}
    for b in Building.objects.filter(community=main):
        assert b.grid.kind == Grid.Kind.RESIDENTIAL
        loc = locate_point(b.lng, b.lat)
        assert (loc.grid_id, loc.micro_grid_id) == (b.grid_id, b.micro_grid_id), str(b)
        assert b.entrances.exists() and b.dwellings.exists()
    for v in Venue.objects.filter(community=main):
        assert locate_point(v.lng, v.lat).grid_id == dedicated.pk, v.name
    # buildings are spread over all five residential grids and both compounds
    assert Building.objects.filter(community=main).values("grid").distinct().count() == 5
    assert Building.objects.filter(community=main).values("compound").distinct().count() == 2


def test_leaders_and_the_party_tree(built):
    main = Community.objects.get(code=demo.MAIN[0])
    leaders = Appointment.objects.filter(role=roles.BUILDING_LEADER, building__community=main).select_related("person", "building")
    assert sorted(a.building_id for a in leaders) == sorted(Building.objects.filter(community=main).values_list("id", flat=True))
    for a in leaders:
        assert a.person.dwelling.building_id == a.building_id, "a building leader lives in their building"
    party = Organization.objects.filter(community=main, kind=Organization.Kind.PARTY)
    committee = party.get(party_level=P.COMMUNITY_COMMITTEE)
    branches = party.filter(party_level=P.COMPOUND_BRANCH)
    assert branches.count() == 2 and all(b.parent_id == committee.pk and b.compound_id for b in branches)
    groups = party.filter(party_level=P.GRID_GROUP)
    assert groups.count() == 5 and all(g.parent.party_level == P.COMPOUND_BRANCH and g.grid_id for g in groups)
    households = party.filter(party_level=P.MEMBER_HOUSEHOLD).select_related("parent", "building")
    assert households.exists()
    for h in households:
        assert h.parent.party_level == P.GRID_GROUP and h.parent.grid_id == h.building.grid_id
        liaison = Appointment.objects.get(role=roles.PARTY_LIAISON, building=h.building)
        assert liaison.person.political_status == Person.Political.PARTY_MEMBER
        assert liaison.person.dwelling.building_id == h.building_id
    prop = Organization.objects.get(community=main, kind=Organization.Kind.PROPERTY_COMPANY)
    assert prop.serves.count() == 2
    assert Organization.objects.filter(community=main, kind=Organization.Kind.OWNERS_COMMITTEE).exists()
    assert Organization.objects.filter(community=main, kind=Organization.Kind.CO_BUILDING).exists()
    depts = set(Organization.objects.filter(kind=Organization.Kind.DEPARTMENT).values_list("department_type", flat=True))
    assert {"police", "civil_affairs", "housing", "urban_management", "market_regulation", "fire"} <= depts
    for dept in Organization.objects.filter(kind=Organization.Kind.DEPARTMENT):
        assert Appointment.objects.filter(role=roles.DEPARTMENT_CONTACT, organization=dept).exists()
    for grid in Grid.objects.filter(community=main).exclude(kind=Grid.Kind.MICRO):
        assert Appointment.objects.filter(role=roles.GRID_WORKER, grid=grid).exists(), grid.name


def test_residents_are_valid_and_stored_encrypted(built):
    people = list(Person.objects.exclude(id_number_hash=""))
    assert len(people) >= RESIDENTS
    for p in people:
        facts = check_id_number(p.id_number)
        assert (facts.birth_date, facts.gender) == (p.birth_date, p.gender)
        if p.phone:
            assert normalize_phone(p.phone) == p.phone
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM people_person")
        raw = cur.fetchall()
    plain = {p.id_number for p in people} | {p.phone for p in people if p.phone}
    assert raw and not any(value in plain for row in raw for value in row)
    # households: one current head each, members living in the household's dwelling
    for hh in Household.objects.all()[:200]:
        assert hh.members.filter(relation="head", until__isnull=True).count() == 1
        assert all(m.person.dwelling_id == hh.dwelling_id for m in hh.members.select_related("person"))
    tags = set(PersonTag.objects.values_list("tag", flat=True))
    assert {"living_alone", "empty_nest", "disabled", "key_care"} <= tags
    assert not PersonTag.objects.filter(tag="disabled", level__isnull=True).exists()
    today = datetime.date(2025, 7, 1)
    ages = [p.age(today) for p in people]
    assert min(ages) < 10 and max(ages) >= 80
    assert Person.objects.filter(political_status=Person.Political.PARTY_MEMBER).exists()


def test_an_account_for_every_role(built):
    rows = demo.accounts_by_role()
    labels = {r[0] for r in rows}
    assert {str(label) for _, label in roles.ROLE_CHOICES} <= labels
    for _label, username, _name, _where in rows:
        assert authenticate(username=username, password=demo.PASSWORD) is not None, username
    usernames = set(Account.objects.values_list("username", flat=True))
    documented = {f"leader{n:02d}" for n in range(1, 36)} | {f"grid{n}" for n in range(1, 6)} | {f"party{n}" for n in range(1, 6)} | {
        "resident", "resident2", "entrance", "micro", "secretary", "staff1", "staff2", "staff3", "subdistrict", "subdistrict2", "police", "civil",
        "housing", "urban", "market", "fire", "property", "volunteer", "funan_secretary", "funan_grid1", "qiaonan_secretary", "qiaonan_grid1", "admin"}
    assert documented <= usernames, documented - usernames  # the README's table
    # scopes differ: a grid worker sees exactly the residents of their grid
    grid1 = Account.objects.get(username="grid1")
    appt = Appointment.objects.get(person=grid1.person, role=roles.GRID_WORKER)
    seen = set(resolve(grid1).filter(Person.objects.all()).values_list("id", flat=True))
    assert seen == set(Person.objects.filter(dwelling__building__grid=appt.grid).values_list("id", flat=True))
    other = Account.objects.get(username="funan_secretary")
    assert not resolve(other).filter(Person.objects.filter(community__code=demo.MAIN[0])).exists()


def test_generator_is_deterministic():
    import random

    from linli.demo.builder import SEED, TODAY
    from linli.demo.people_gen import PeopleMaker

    def draw():
        maker = PeopleMaker(random.Random(SEED), TODAY, "柳航里社区")
        return [[(m.name, m.id_number, m.phone, m.relation, sorted(m.tags.items())) for m in maker.household().members] for _ in range(60)]

    first, second = draw(), draw()
    assert first == second
    assert len({m[1] for hh in first for m in hh}) == sum(len(hh) for hh in first)  # ID numbers unique


def test_change_log_notes_are_chinese(built):
    """Issue 14, fix 7: every resident's change log read "登记 demo". The notes the demo writes are in the site's language."""
    import re

    from linli.people.models import ResidentEvent

    notes = set(ResidentEvent.objects.exclude(note="").values_list("note", flat=True))
    assert notes
    assert not [n for n in notes if "demo" in n.lower() or not re.search(r"[\u4e00-\u9fff]", n)]


def test_residents_took_part_in_the_life_services(built):
    """The demo's week of group-buys, room bookings and seller ratings is made by residents through the services; a
    refusal other than the rules' own (a cap, a clash) fails the build instead of leaving the week empty."""
    from linli.life.models import Booking, Order, SellerRating

    orders = {s: Order.objects.filter(state=s).count() for s in ("active", "collected")}
    assert orders["collected"] > 20 and orders["active"] > 10, orders
    assert Booking.objects.filter(person__isnull=False).count() >= 5  # residents' own bookings, beside the staff's
    assert SellerRating.objects.count() > 0
