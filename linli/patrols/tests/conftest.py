import datetime

import pytest

from linli.cases.categories import seed_categories
from linli.core import roles
from linli.people import services as people
from linli.people.models import Organization
from linli.people.scopes import system
from linli.testing.world import PASSWORD


def add_grid_work(world):
    """The seeded case categories, the fire department with its contact, and a shop in grid A1."""
    from linli.places import services as places
    from linli.places.models import Venue

    s = system()
    seed_categories()
    world.orgs["fire"] = Organization.objects.create(kind=Organization.Kind.DEPARTMENT, name="永泰消防救援站",
                                                     department_type="fire", subdistrict=world.subdistrict)
    contact = people.register_person(s, community=world.a, name="消防联络员", phone="13900007001")
    people.appoint(s, contact, roles.DEPARTMENT_CONTACT, world.orgs["fire"], starts_on=datetime.date(2020, 1, 1))
    world.accounts["fire_contact"] = people.create_account(contact, "fire_contact", PASSWORD)
    world.venues["shop_a1"] = places.register_venue(s, world.grids["A1"], name="航苑小吃店", kind=Venue.Kind.NINE_SMALL,
                                                    nine_small="catering", lat=40.0806, lng=113.3006, address="航苑1号楼底商")
    return world


@pytest.fixture
def gw(world):
    return add_grid_work(world)
