"""The LIFE domain of core.roles: who reads and writes life records (group-buy orders, bookings, loans), by role, and
the areas the scope filters give them; the volunteers' grant no longer stands in for it."""

import pytest

from linli.core import roles
from linli.life import services
from linli.life.models import Booking, Loan, Order, OrderCycle
from linli.people.scopes import resolve

from .conftest import NOW, cycle, qty, sc

# role -> (reads LIFE, writes LIFE)
MATRIX = {
    roles.RESIDENT: (False, False),
    roles.BUILDING_LEADER: (True, False),
    roles.ENTRANCE_LEADER: (False, False),
    roles.GRID_WORKER: (True, False),
    roles.PARTY_GROUP_LEADER: (False, False),
    roles.PARTY_LIAISON: (False, False),
    roles.COMMUNITY_SECRETARY: (True, True),
    roles.COMMUNITY_STAFF: (True, True),
    roles.SUBDISTRICT_STAFF: (True, False),
    roles.DEPARTMENT_CONTACT: (False, False),
    roles.PROPERTY_MANAGER: (False, False),
    roles.VOLUNTEER_TEAM_LEAD: (False, False),
}


def test_life_grant_matrix():
    assert set(MATRIX) == set(roles.GRANTS)
    got = {role: (roles.LIFE in g["read"], roles.LIFE in g["write"]) for role, g in roles.GRANTS.items()}
    assert got == MATRIX
    # the stand-in it replaces is kept as it was for the volunteers' own records
    assert roles.VOLUNTEERS in roles.GRANTS[roles.VOLUNTEER_TEAM_LEAD]["read"]
    assert all(roles.VOLUNTEERS in roles.GRANTS[r]["read"] for r in (roles.BUILDING_LEADER, roles.GRID_WORKER, roles.SUBDISTRICT_STAFF))


@pytest.mark.django_db
def test_scope_filters_follow_the_life_grant(life):
    w = life
    c = cycle(w)  # on the fixed clock NOW
    mine = services.join_cycle(sc(w, "resident"), c, qty(c, 西红柿=1), w.points[0], now=NOW)

    def sees(key, model, mode="read"):
        q = resolve(w.accounts[key]).q(model, mode)
        qs = model.objects.all() if q is None else model.objects.filter(q)
        return qs

    assert list(sees("community_staff", Order)) == [mine] and list(sees("community_staff", OrderCycle, "write")) == [c]
    assert list(sees("community_secretary", OrderCycle, "write")) == [c]
    assert list(sees("subdistrict_staff", Order)) == [mine] and not sees("subdistrict_staff", OrderCycle, "write").exists()
    assert list(sees("building_leader", Order)) == [mine]  # a1 lives in the leader's building 1
    assert list(sees("grid_worker", Order)) == [mine]
    assert not sees("building_leader", OrderCycle, "write").exists()
    for key in ("other_community_staff", "entrance_leader", "property_manager", "department_contact", "resident"):
        for model in (Order, OrderCycle, Booking, Loan):
            assert not sees(key, model).exists(), (key, model)
