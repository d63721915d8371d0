"""Every section of the site is in the menu of those it is for: life services (group-buys, rooms, the tool library) for
residents and the community's people, elderly care for those who work a station's desk or file assistance, the
cockpit for those who read the figures — and not for others (a page nobody can find is a page nobody uses)."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from linli.care.models import Station
from linli.portal.templatetags.linli_tags import nav_items

pytestmark = pytest.mark.django_db


def _names(world, key) -> set[str]:
    request = RequestFactory().get("/")
    request.user = world.accounts[key]
    return {item["name"] for item in nav_items(request)}


@pytest.mark.parametrize("key, life, care_, cockpit", [
    ("resident", True, False, False),
    ("grid_worker", True, False, False),  # no station in the community yet: nothing at the care desk
    ("building_leader", True, False, False),
    ("community_staff", True, True, True),
    ("community_secretary", True, True, True),
    ("subdistrict_staff", True, True, True),  # files the quarter's assistance applications; reads the figures
    ("department_contact", False, False, True),  # reads its own figures
    ("property_manager", False, False, True),
])
def test_each_section_is_in_the_menu_of_those_it_is_for(world, key, life, care_, cockpit):
    names = _names(world, key)
    assert ("life:groupbuy" in names, "care:home" in names, "dashboard:home" in names) == (life, care_, cockpit), names


def test_a_station_puts_elderly_care_in_the_menu_of_whoever_works_its_desk(world):
    assert "care:home" not in _names(world, "grid_worker")
    Station.objects.create(community=world.a, name="初心助老站", duty_phone="03522000000", step_timeouts=[60, 120, 180, 300])
    assert "care:home" in _names(world, "grid_worker")  # writes care in the community: works the desk
    assert "care:home" not in _names(world, "resident")


def test_whether_one_works_a_desk_is_asked_once_until_a_station_changes(world):
    """The menu asks on every page; the answer is kept per process and follows a change of the operators."""
    station = Station.objects.create(community=world.a, name="初心助老站", duty_phone="03522000000", step_timeouts=[60, 120, 180, 300])
    assert "care:home" not in _names(world, "resident")
    with CaptureQueriesContext(connection) as asked:
        assert "care:home" not in _names(world, "resident")
    assert not [q for q in asked.captured_queries if '1 AS "a" FROM "care_station"' in q["sql"]]
    station.operators.add(world.accounts["resident"])  # a resident volunteering at the desk
    assert "care:home" in _names(world, "resident")
    station.operators.remove(world.accounts["resident"])
    assert "care:home" not in _names(world, "resident")


def test_the_section_stays_marked_on_its_other_pages(client, world):
    client.force_login(world.accounts["community_staff"])
    for path, section in (("/life/tools/", "life:groupbuy"), ("/life/rooms/", "life:groupbuy"), ("/evaluation/", "dashboard:home")):
        html = client.get(path).content.decode()
        assert f'data-nav="{section}" class="active" aria-current="page"' in html, path
