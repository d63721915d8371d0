"""Council fixtures: the test world has too few households for quorums, so each test adds the ones it needs
through the people services (never by editing linli/testing/world.py)."""

import datetime

import pytest

from linli.people import services as people
from linli.people.scopes import resolve, system
from linli.places import services as places
from linli.testing.world import PASSWORD


def sc(world, key):
    return resolve(world.accounts[key])


class Town:
    """Adds households (a head plus members) to the world's buildings, with accounts when asked."""

    def __init__(self, world):
        self.w = world
        self.n = 0

    def household(self, building_key: str, room: str, *names, accounts: bool = True, birth=datetime.date(1970, 1, 1)):
        s = system()
        building = self.w.buildings[building_key]
        entrance = building.entrances.order_by("id").first()
        dwelling = places.add_dwelling(s, building, room=room, entrance=entrance)
        persons = []
        for i, name in enumerate(names or (f"住户{room}",)):
            self.n += 1
            p = people.register_person(s, dwelling=dwelling, relation="" if i == 0 else "spouse", name=name,
                                       phone=f"137{self.n:08d}", birth_date=birth, since=datetime.date(2020, 1, 1))
            persons.append(p)
            if accounts:
                key = f"h{building_key}-{room}-{i}"
                self.w.accounts[key] = people.create_account(p, key, PASSWORD)
                p.key = key
        return persons


@pytest.fixture
def town(world):
    return Town(world)
