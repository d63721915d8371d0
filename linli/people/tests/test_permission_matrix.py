"""Every role × every record of the test world × read/write, at the layer every page, export and API uses.

The expectations are written out by hand from the rules in DESIGN.md (a building leader their building,
a grid worker their grid(s), community staff their community, subdistrict staff their subdistrict,
a resident their own household), not computed from the code under test.
The HTTP layers (pages, exports, API) repeat the same table in tests/test_permission_matrix_http.py.
"""

import datetime

import pytest

from linli.core.errors import OutOfScope
from linli.people import queries, services
from linli.people.models import Household, Person
from linli.people.scopes import resolve
from linli.places import queries as place_queries
from linli.places import services as place_services
from linli.places.models import Building, Dwelling, Grid, Venue

RESIDENTS = ("a1", "a1_spouse", "a2", "a3", "b1")
A_RESIDENTS = {"a1", "a1_spouse", "a2", "a3"}
ALL = set(RESIDENTS)
NONE = set()

# role -> persons (of the five residents) it may read
READ_PEOPLE = {
    "resident": {"a1", "a1_spouse"},
    "resident_b": {"b1"},
    "building_leader": {"a1", "a1_spouse", "a2"},
    "entrance_leader": {"a2"},
    "grid_worker": {"a1", "a1_spouse", "a2"},
    "micro_grid_worker": {"a1", "a1_spouse", "a2"},
    "community_secretary": A_RESIDENTS,
    "community_staff": A_RESIDENTS,
    "other_community_staff": {"b1"},
    "subdistrict_staff": ALL,
    "department_contact": NONE,
    "property_manager": NONE,
    "admin": ALL,
}
WRITE_PEOPLE = {
    "grid_worker": {"a1", "a1_spouse", "a2"},
    "micro_grid_worker": {"a1", "a1_spouse", "a2"},
    "community_secretary": A_RESIDENTS,
    "community_staff": A_RESIDENTS,
    "other_community_staff": {"b1"},
    "admin": ALL,
}
REVEAL_PEOPLE = WRITE_PEOPLE  # the roles with the reveal grant are the ones that keep the register

# role -> buildings it may read / write
READ_BUILDINGS = {
    "resident": NONE,
    "resident_b": NONE,
    "building_leader": {"A1"},
    "entrance_leader": {"A1"},
    "grid_worker": {"A1"},
    "micro_grid_worker": {"A1"},
    "community_secretary": {"A1", "A2"},
    "community_staff": {"A1", "A2"},
    "other_community_staff": {"B1"},
    "subdistrict_staff": {"A1", "A2", "B1"},
    "department_contact": {"A1", "A2", "B1"},  # the police station serves the subdistrict
    "property_manager": {"A1", "A2"},  # the compound its company serves
    "admin": {"A1", "A2", "B1"},
}
WRITE_BUILDINGS = {
    "grid_worker": {"A1"},
    "micro_grid_worker": {"A1"},
    "community_secretary": {"A1", "A2"},
    "community_staff": {"A1", "A2"},
    "other_community_staff": {"B1"},
    "admin": {"A1", "A2", "B1"},
}
READ_GRIDS = {
    "resident": NONE,
    "resident_b": NONE,
    "building_leader": {"A1", "A1m"},
    "entrance_leader": {"A1", "A1m"},
    "grid_worker": {"A1", "A1m"},
    "micro_grid_worker": {"A1m"},
    "community_secretary": {"A1", "A1m", "A2", "AZ"},
    "community_staff": {"A1", "A1m", "A2", "AZ"},
    "other_community_staff": {"B1"},
    "subdistrict_staff": {"A1", "A1m", "A2", "AZ", "B1"},
    "department_contact": {"A1", "A1m", "A2", "AZ", "B1"},
    "property_manager": {"A1", "A2"},
    "admin": {"A1", "A1m", "A2", "AZ", "B1", "C1"},
}
READ_VENUES = {
    "community_secretary": {"shop"},
    "community_staff": {"shop"},
    "other_community_staff": {"shop_b"},
    "subdistrict_staff": {"shop", "shop_b"},
    "department_contact": {"shop", "shop_b"},
    "admin": {"shop", "shop_b"},
}
# households, named by their dwelling
READ_HOUSEHOLDS = {
    "resident": {"A1-101"},
    "resident_b": {"B1-101"},
    "building_leader": {"A1-101", "A1-201"},
    "entrance_leader": {"A1-201"},
    "grid_worker": {"A1-101", "A1-201"},
    "micro_grid_worker": {"A1-101", "A1-201"},
    "community_secretary": {"A1-101", "A1-201", "A2-301"},
    "community_staff": {"A1-101", "A1-201", "A2-301"},
    "other_community_staff": {"B1-101"},
    "subdistrict_staff": {"A1-101", "A1-201", "A2-301", "B1-101"},
    "admin": {"A1-101", "A1-201", "A2-301", "B1-101"},
}
ROLES = sorted(READ_PEOPLE)


def _keys(world, kind):
    return {"persons": world.persons, "buildings": world.buildings, "grids": world.grids, "venues": world.venues}[kind]


def _visible(world, scope, kind, model):
    ids = set(scope.filter(model.objects.all()).values_list("pk", flat=True))
    return {k for k, obj in _keys(world, kind).items() if obj.pk in ids and (kind != "persons" or k in RESIDENTS)}


@pytest.fixture
def scopes(world):
    return {role: resolve(world.accounts[role]) for role in ROLES}


def test_the_table_names_every_role_of_the_world(world):
    assert set(ROLES) == set(world.accounts)


def test_read_people(world, scopes):
    for role in ROLES:
        assert _visible(world, scopes[role], "persons", Person) == READ_PEOPLE[role], role
        for key in RESIDENTS:
            p = world.persons[key]
            if key in READ_PEOPLE[role]:
                assert queries.person(scopes[role], p.pk) == p
            else:
                with pytest.raises(Exception) as exc:
                    queries.person(scopes[role], p.pk)
                assert exc.type.__name__ == "Http404", (role, key)


def test_other_community_persons_never_leak(world, scopes):
    """Staff persons (no dwelling, community A) are visible to community A's staff and above only."""
    staff_person = world.persons["grid_worker"]
    for role in ROLES:
        # the grid worker's own record lies outside their grid: they live nowhere in it
        expected = role in {"community_secretary", "community_staff", "subdistrict_staff", "admin"}
        assert scopes[role].allows(staff_person) is expected, role


def test_write_people_through_services(world, scopes):
    for role in ROLES:
        for key in RESIDENTS:
            p = Person.objects.get(pk=world.persons[key].pk)
            allowed = key in WRITE_PEOPLE.get(role, NONE)
            assert scopes[role].allows(p, "write") is allowed, (role, key)
            if allowed:
                services.update_person(scopes[role], p, note=f"by {role}")
                assert Person.objects.get(pk=p.pk).note == f"by {role}"
            else:
                with pytest.raises(OutOfScope):
                    services.update_person(scopes[role], p, note=f"by {role}")
                assert Person.objects.get(pk=p.pk).note != f"by {role}", (role, key)


def test_register_and_move_respect_the_dwelling(world, scopes):
    for role in ROLES:
        for dkey, dwelling in world.dwellings.items():
            building_key = dkey.split("-")[0]
            may = building_key in WRITE_BUILDINGS.get(role, NONE)
            before = Person.objects.count()
            if may:
                services.register_person(scopes[role], dwelling=dwelling, name=f"新人{role}{dkey}", since=datetime.date(2024, 1, 1))
                assert Person.objects.count() == before + 1
            else:
                with pytest.raises(OutOfScope):
                    services.register_person(scopes[role], dwelling=dwelling, name=f"新人{role}{dkey}", since=datetime.date(2024, 1, 1))
                assert Person.objects.count() == before, (role, dkey)


def test_reveal(world, scopes):
    for role in ROLES:
        for key in RESIDENTS:
            p = world.persons[key]
            allowed = key in REVEAL_PEOPLE.get(role, NONE)
            assert scopes[role].may_reveal(p) is allowed, (role, key)
            if allowed:
                assert services.reveal(scopes[role], p, "phone", "回访核实") == p.phone
            else:
                with pytest.raises(OutOfScope):
                    services.reveal(scopes[role], p, "phone", "回访核实")


def test_read_places(world, scopes):
    for role in ROLES:
        s = scopes[role]
        assert _visible(world, s, "buildings", Building) == READ_BUILDINGS[role], role
        assert _visible(world, s, "grids", Grid) == READ_GRIDS[role], role
        assert _visible(world, s, "venues", Venue) == READ_VENUES.get(role, NONE), role
        got = {
            k for k, d in world.dwellings.items()
            if Household.objects.filter(dwelling=d, pk__in=s.filter(Household.objects.all()).values("pk")).exists()
        }
        assert got == READ_HOUSEHOLDS.get(role, NONE), role
        for key, b in world.buildings.items():
            if key in READ_BUILDINGS[role]:
                assert place_queries.building(s, b.pk) == b
            else:
                with pytest.raises(Exception) as exc:
                    place_queries.building(s, b.pk)
                assert exc.type.__name__ == "Http404", (role, key)


def test_write_places_through_services(world, scopes):
    for role in ROLES:
        for key, b in world.buildings.items():
            may = key in WRITE_BUILDINGS.get(role, NONE)
            before = Dwelling.objects.filter(building=b).count()
            if may:
                place_services.add_dwelling(scopes[role], b, room=f"9{len(role):02d}")
                assert Dwelling.objects.filter(building=b).count() == before + 1
            else:
                with pytest.raises(OutOfScope):
                    place_services.add_dwelling(scopes[role], b, room=f"9{len(role):02d}")
                assert Dwelling.objects.filter(building=b).count() == before, (role, key)


def test_an_ended_appointment_grants_nothing(world):
    from linli.people.models import Appointment

    appt = Appointment.objects.get(person=world.persons["grid_worker"])
    services.end_appointment(resolve(world.accounts["admin"]), appt, datetime.date(2021, 1, 1))
    s = resolve(world.accounts["grid_worker"])
    assert _visible(world, s, "persons", Person) == NONE
    assert _visible(world, s, "buildings", Building) == NONE
    # on a date inside the appointment the grant holds (history views)
    past = resolve(world.accounts["grid_worker"], on=datetime.date(2020, 6, 1))
    assert _visible(world, past, "buildings", Building) == {"A1"}


# ---------------------------------------------------------------------------- sensitive data (issue 13, point 3)
# Care visits name the people visited and why (living alone, disability…): only those who visit or supervise.
# a1 lives alone in A1-101 (entrance A1-1), a2 is disabled in A1-201 (entrance A1-2); both in compound A, which
# the property company serves — it reads the compound's grid work (hazards, notices), never its care visits.
CARE_VISITED = {"a1", "a2"}
READ_CARE_VISITS = {
    "resident": NONE,  # not even their own: the visit's reasons are the community's notes
    "resident_b": NONE,
    "building_leader": {"a1", "a2"},
    "entrance_leader": {"a2"},
    "grid_worker": {"a1", "a2"},
    "micro_grid_worker": {"a1", "a2"},
    "community_secretary": {"a1", "a2"},
    "community_staff": {"a1", "a2"},
    "other_community_staff": NONE,
    "subdistrict_staff": {"a1", "a2"},
    "department_contact": NONE,
    "property_manager": NONE,  # before issue 13 it listed both (compound A's grid work)
    "admin": {"a1", "a2"},
}
# Who sees a minor (a child added to A1-101 by `add_minor`) and the residents' health / disability tags:
# exactly the people register's readers; never the property company or a department.
READ_MINOR = {role for role, keys in READ_PEOPLE.items() if "a1" in keys}
READ_TAGS = READ_PEOPLE


def add_care_visits(world) -> dict:
    """Two care rules of community A (living alone, disabled) and their due visits: {person key: visit}."""
    from linli.patrols import services as patrol_services
    from linli.patrols.models import CareVisit, VisitRule

    VisitRule.objects.create(community=world.a, name="独居老人", tag="living_alone", interval_days=30)
    VisitRule.objects.create(community=world.a, name="残疾人", tag="disabled", interval_days=30)
    patrol_services.generate_visits(world.a, datetime.date.today())
    keys = {world.persons[k].pk: k for k in RESIDENTS}
    visits = {keys[v.person_id]: v for v in CareVisit.objects.filter(person_id__in=keys)}
    assert set(visits) == CARE_VISITED
    return visits


def add_minor(world):
    from linli.people.scopes import system

    child = services.register_person(system(), dwelling=world.dwellings["A1-101"], relation="child", name="王小宝",
                                     birth_date=datetime.date.today().replace(year=datetime.date.today().year - 8, day=1),
                                     since=datetime.date(2020, 1, 1))
    return child


def test_the_sensitive_tables_name_every_role(world):
    assert set(READ_CARE_VISITS) == set(ROLES)


def test_care_visits_by_role(world, scopes):
    from linli.patrols import queries as patrol_queries

    visits = add_care_visits(world)
    for role in ROLES:
        got = {k for k, v in visits.items() if patrol_queries.visits(scopes[role]).filter(pk=v.pk).exists()}
        assert got == READ_CARE_VISITS[role], role
        for key, v in visits.items():
            if key in READ_CARE_VISITS[role]:
                assert patrol_queries.get(scopes[role], type(v), v.pk) == v
            else:
                with pytest.raises(Exception) as exc:
                    patrol_queries.get(scopes[role], type(v), v.pk)
                assert exc.type.__name__ == "Http404", (role, key)


def test_minors_and_tags_by_role(world, scopes):
    child = add_minor(world)
    for role in ROLES:
        minors = set(queries.persons(scopes[role], queries.PersonFilter(age_band="0-17")).values_list("pk", flat=True))
        assert (child.pk in minors) is (role in READ_MINOR), role
        disabled = {p.pk for p in queries.persons(scopes[role], queries.PersonFilter(tag="disabled"))}
        assert (world.persons["a2"].pk in disabled) is ("a2" in READ_TAGS[role]), role
        counts = queries.tag_counts(scopes[role])
        assert bool(counts.get("disabled")) is ("a2" in READ_TAGS[role]), role
        assert bool(counts.get("minor")) is (role in READ_MINOR), role
