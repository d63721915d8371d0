import datetime

import pytest
from django.utils import timezone

from linli.people.scopes import resolve, system
from linli.volunteers import services
from linli.volunteers.models import LedgerAccount


def sc(world, key):
    return resolve(world.accounts[key])


def approved(world, key="resident", person_key="a1", **kw):
    """Register a person as volunteer and approve them (community staff)."""
    v = services.register(sc(world, key) if key else system(), person=world.persons[person_key], skills="理发", **kw)
    return services.decide(sc(world, "community_staff"), v, approve=True)


def activity(world, **kw):
    now = timezone.now()
    args = dict(title="义诊进社区", place="社区广场", starts_at=now - datetime.timedelta(minutes=10),
                ends_at=now + datetime.timedelta(hours=2), capacity=2, points_per_hour=10, kind="clinic")
    args.update(kw)
    return services.create_activity(sc(world, "community_staff"), world.a, **args)


def fund(world, volunteer, amount, key=None):
    """Give a volunteer points from the issuing account (as certified service would)."""
    return services.post(from_account=services.house_account(world.a, LedgerAccount.Kind.ISSUING), to_account=services.account_of(volunteer),
                         amount=amount, kind="earn", reason="测试发放", source_key=key or f"test:{volunteer.pk}:{amount}:{timezone.now().timestamp()}")


@pytest.fixture
def vol(world):
    return approved(world)


def staff_person(world, key, name, role, where, *, community=None):
    """A person (living in `community`, community A by default) appointed `role` at `where`, with an account `key`."""
    from linli.people import services as people
    from linli.testing.world import PASSWORD

    p = people.register_person(system(), community=community or world.a, name=name, phone=f"1390008{len(world.accounts):04d}")
    people.appoint(system(), p, role, where, starts_on=datetime.date(2020, 1, 1))
    world.persons[key] = p
    world.accounts[key] = people.create_account(p, key, PASSWORD)
    return sc(world, key)
