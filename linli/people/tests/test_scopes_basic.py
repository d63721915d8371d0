from linli.people.models import Household, Person
from linli.people.scopes import resolve
from linli.places.models import Building, Grid, Venue


def names(qs):
    return sorted(p.name for p in qs)


def test_grid_worker_sees_own_grid_people_only(world):
    s = resolve(world.accounts["grid_worker"])
    assert names(s.filter(Person.objects.filter(dwelling__isnull=False))) == ["张伟", "李秀兰", "王建国"]
    assert not s.allows(world.persons["a3"])
    assert not s.allows(world.persons["b1"])
    assert s.allows(world.persons["a1"], "write")


def test_micro_grid_worker_sees_micro_grid_only(world):
    s = resolve(world.accounts["micro_grid_worker"])
    assert names(s.filter(Person.objects.filter(dwelling__isnull=False))) == ["张伟", "李秀兰", "王建国"]
    assert set(s.filter(Grid.objects.all()).values_list("code", flat=True)) == {world.grids["A1m"].code}


def test_resident_sees_own_household(world):
    s = resolve(world.accounts["resident"])
    assert names(s.filter(Person.objects.all())) == ["李秀兰", "王建国"]
    assert s.filter(Household.objects.all()).count() == 1
    assert s.filter(Building.objects.all()).count() == 0
    assert not s.allows(world.persons["a1"], "write")


def test_entrance_leader(world):
    s = resolve(world.accounts["entrance_leader"])
    assert names(s.filter(Person.objects.all())) == ["张伟"]
    assert list(s.filter(Building.objects.all())) == [world.buildings["A1"]]


def test_subdistrict_reads_both_communities_writes_none(world):
    s = resolve(world.accounts["subdistrict_staff"])
    assert s.allows(world.persons["b1"]) and s.allows(world.persons["a3"])
    assert not s.allows(world.persons["b1"], "write")


def test_property_manager_sees_places_not_people(world):
    s = resolve(world.accounts["property_manager"])
    assert s.filter(Person.objects.all()).count() == 0
    assert set(s.filter(Building.objects.all())) == {world.buildings["A1"], world.buildings["A2"]}
    assert s.filter(Venue.objects.all()).count() == 0


def test_pii_is_encrypted_at_rest(world):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("select id_number, phone from people_person where id = %s", [world.persons["a1"].pk])
        id_raw, phone_raw = cur.fetchone()
    assert "140213" not in id_raw and "13800000001" not in phone_raw
    assert Person.objects.get(pk=world.persons["a1"].pk).phone == "13800000001"
