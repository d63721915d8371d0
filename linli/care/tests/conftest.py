import datetime
import time

import pytest

from linli.care import services
from linli.care.models import Gateway, Station
from linli.people import services as people
from linli.people.scopes import system
from linli.testing.world import PASSWORD

SECRET = "gateway-secret-1"


class Care:
    pass


@pytest.fixture
def care(world):
    """A station in community A with an operator (own account), a gateway and an SOS pendant + an inactivity sensor for a2."""
    return _make_care(world)


def signed(body: bytes, secret: str = SECRET, ts: int | None = None) -> tuple[str, str]:
    ts = str(int(time.time()) if ts is None else ts)
    return ts, services.signature_of(secret, ts, body)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


@pytest.fixture
def world_tx(transactional_db):
    """The care fixture in a transactional test (threads see each other's commits)."""
    from linli.testing.world import build_world

    w = build_world()
    return _make_care(w)


def _make_care(world):
    s = system()
    c = Care()
    c.world = world
    c.station = Station.objects.create(community=world.a, name="初心助老站", duty_phone="03522000000", step_timeouts=[60, 120, 180, 300])
    op = people.register_person(s, community=world.a, name="钱接警", phone="13900001111")
    c.operator = people.create_account(op, "operator", PASSWORD)
    c.station.operators.add(c.operator)
    c.gateway = Gateway.objects.create(station=c.station, key="vendor-a", name="398贴心保", secret=SECRET)
    c.pendant = services.register_device(s, c.station, person=world.persons["a1"], kind="sos", serial="SOS-0001", gateway=c.gateway,
                                         dc09_account="1A01", contacts=[("王小明", "son", "13700000001"), ("孙楼长", "building leader", "13700000002")])
    c.sensor = services.register_device(s, c.station, person=world.persons["a2"], kind="inactivity", serial="PIR-0001", gateway=c.gateway,
                                        silence_hours=6)
    return c
