import datetime

import pytest

from linli.cases.models import Category
from linli.core import roles
from linli.people import services as people
from linli.people.models import Organization
from linli.people.scopes import system
from linli.testing.world import PASSWORD


def make_categories():
    group = Category.objects.create(code="home", name="居家")
    env = Category.objects.create(code="env", name="环境")
    return {
        "leak": Category.objects.create(code="home.leak", name="渗水漏水", parent=group, default_tier="grid",
                                        department_type="housing", response_amount=4, response_unit="hours",
                                        handling_amount=3, handling_unit="days", examples="楼上渗水\n房顶漏水"),
        "clutter": Category.objects.create(code="env.clutter", name="楼道堆物", parent=env, default_tier="building",
                                           response_amount=1, response_unit="days", handling_amount=2, handling_unit="days"),
        "sewage": Category.objects.create(code="env.sewage", name="污水外溢", parent=env, default_tier="community",
                                          department_type="urban_management", response_amount=2, response_unit="hours",
                                          handling_amount=5, handling_unit="days"),
        "family": Category.objects.create(code="home.family", name="家庭纠纷", parent=group, default_tier="grid",
                                          outcomes_public=False),
    }


@pytest.fixture
def cats(world):
    """Categories, a second grid worker in grid A1, and the urban-management department with its contact."""
    s = system()
    world.cats = make_categories()
    second = people.register_person(s, community=world.a, name="第二网格员", phone="13900008001")
    people.appoint(s, second, roles.GRID_WORKER, world.grids["A1"], starts_on=datetime.date(2020, 1, 1))
    world.accounts["grid_worker_2"] = people.create_account(second, "grid_worker_2", PASSWORD)
    world.orgs["urban"] = Organization.objects.create(kind=Organization.Kind.DEPARTMENT, name="平城区城管执法队",
                                                      department_type="urban_management", subdistrict=world.subdistrict)
    contact = people.register_person(s, community=world.a, name="城管联络员", phone="13900008002")
    people.appoint(s, contact, roles.DEPARTMENT_CONTACT, world.orgs["urban"], starts_on=datetime.date(2020, 1, 1))
    world.accounts["urban_contact"] = people.create_account(contact, "urban_contact", PASSWORD)
    return world.cats
