"""The site search: one box over residents, households, places and case numbers, within the caller's scope."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def search(client, world, who, q):
    client.force_login(world.accounts[who])
    r = client.get(reverse("portal:search"), {"q": q})
    assert r.status_code == 200
    return r.content.decode()


def test_grid_worker_finds_a_resident_of_their_grid_by_name_and_by_full_phone(client, world):
    body = search(client, world, "grid_worker", "王建")
    assert 'id="search-persons"' in body and "王建国" in body
    body = search(client, world, "grid_worker", "13800000001")
    assert "王建国" in body and 'id="search-persons"' in body


def test_a_fragment_of_a_phone_finds_nobody(client, world):
    body = search(client, world, "grid_worker", "1380000")
    assert "王建国" not in body


def test_grid_worker_does_not_find_residents_outside_their_grid(client, world):
    body = search(client, world, "grid_worker", "陈明")  # lives in community B
    assert 'id="search-persons"' not in body and 'id="search-empty"' in body


def test_household_found_by_a_member_name(client, world):
    body = search(client, world, "grid_worker", "李秀兰")
    assert 'id="search-households"' in body
    assert reverse("people:household", args=[world.persons["a1"].household_id]) in body


def test_places_found_by_name(client, world):
    body = search(client, world, "community_staff", "平价")
    assert 'id="search-venues"' in body and "平价超市" in body
    body = search(client, world, "community_staff", "东风小卖部")  # community B's venue
    assert 'id="search-venues"' not in body


def test_resident_finds_no_register_only_their_own_cases(client, world):
    body = search(client, world, "resident", "张伟")  # a neighbour
    assert 'id="search-persons"' not in body and 'id="search-empty"' in body


def test_case_found_by_number(client, world):
    from linli.cases import services as cases
    from linli.people.scopes import resolve

    scope = resolve(world.accounts["resident"])
    case = cases.submit(scope, source="resident", description="楼道灯坏了，晚上看不见路", title="楼道灯坏了", dwelling=world.dwellings["A1-101"])
    body = search(client, world, "resident", case.number)
    assert 'id="search-cases"' in body and case.number in body
    body = search(client, world, "resident_b", case.number)  # another community's resident
    assert 'id="search-cases"' not in body


def test_search_box_is_in_the_navigation_and_long_queries_are_cut(client, world):
    client.force_login(world.accounts["grid_worker"])
    body = client.get(reverse("home")).content.decode()
    assert 'class="navsearch"' in body and reverse("portal:search") in body
    r = client.get(reverse("portal:search"), {"q": "王" * 500})
    assert r.status_code == 200 and ("王" * 51) not in r.content.decode()
