"""A world with a seller, pickup points, a cycle, rooms and tools (on a fixed clock where it matters)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core import roles
from linli.people import services as people
from linli.people.models import Organization
from linli.people.scopes import resolve, system
from linli.testing.world import PASSWORD

from linli.life import services

# a fixed clock: Wednesday 2025-06-11 10:00 local time
NOW = timezone.make_aware(datetime.datetime(2025, 6, 11, 10, 0))


def sc(world, key):
    return resolve(world.accounts[key])


def add_life(world):
    """A seller (a co-operative, approved) with one account, two pickup points, accounts for residents a2 and a3."""
    s = system()
    org = Organization.objects.create(kind=Organization.Kind.CO_BUILDING, name="绿源蔬菜合作社", community=world.a)
    world.orgs["farm"] = org
    farmer = people.register_person(s, community=world.a, name="田农夫", phone="13900008801")
    people.appoint(s, farmer, roles.DEPARTMENT_CONTACT, org, starts_on=datetime.date(2020, 1, 1), title="经营者")
    world.persons["farmer"] = farmer
    world.accounts["farmer"] = people.create_account(farmer, "farmer", PASSWORD)
    for key, pkey in (("r2", "a2"), ("r3", "a3")):
        world.accounts[key] = people.create_account(world.persons[pkey], key, PASSWORD)
    staff = sc(world, "community_staff")
    world.seller = services.register_seller(sc(world, "farmer"), world.a, org, goods="蔬菜")
    services.decide_seller(staff, world.seller, approve=True)
    world.points = [
        services.add_pickup_point(staff, world.a, name="航苑1号楼门口", hours="8:00–10:00", compound=world.compounds["A"],
                                  attendants=[world.persons["building_leader"]]),
        services.add_pickup_point(staff, world.a, name="航苑2号楼门口", hours="8:00–10:00", compound=world.compounds["A"]),
    ]
    return world


def cycle(world, now=NOW, **kw):
    args = dict(title="惠民直通车 新鲜蔬菜", closes_at=now + datetime.timedelta(hours=8), delivery_on=(now + datetime.timedelta(days=1)).date(),
                items=[{"name": "西红柿", "unit": "斤", "price": "3.50", "stock_cap": "10", "per_household": "5"},
                       {"name": "黄瓜", "unit": "斤", "price": "2.00"}],
                pickup_points=world.points, now=now)
    args.update(kw)
    return services.open_cycle(sc(world, "farmer"), world.seller, **args)


@pytest.fixture
def life(world):
    return add_life(world)


def qty(cycle, **by_name):
    items = {i.name: i.pk for i in cycle.items.all()}
    return {items[name]: Decimal(str(q)) for name, q in by_name.items()}
