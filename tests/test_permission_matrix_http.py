"""The permission matrix over HTTP: every role × every record of the test world, on pages, exports and
the API, including guessed ids. The expectations are the hand-written tables of the service-level
matrix (linli/people/tests/test_permission_matrix.py); here they must hold at every door."""

import io

import openpyxl
import pytest
from django.test import Client

from linli.people.auth import issue_token
from linli.people.tests.test_permission_matrix import (
    READ_BUILDINGS, READ_GRIDS, READ_HOUSEHOLDS, READ_PEOPLE, READ_VENUES, RESIDENTS, REVEAL_PEOPLE, ROLES, WRITE_PEOPLE,
)

NONE = set()
MISSING_ID = 987654321


@pytest.fixture
def clients(world):
    out = {}
    for role in ROLES:
        page = Client()
        page.force_login(world.accounts[role])
        _, secret = issue_token(world.accounts[role], "matrix")
        api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        out[role] = (page, api)
    return out


def _household(world, dwelling_key):
    return world.dwellings[dwelling_key].households.get()


def _records(world):
    """(kind, key, page url, api url or None, expected table)"""
    rows = []
    for key in RESIDENTS:
        pk = world.persons[key].pk
        rows.append(("person", key, f"/residents/{pk}/", f"/api/v1/people/persons/{pk}", READ_PEOPLE))
    for key, b in world.buildings.items():
        rows.append(("building", key, f"/buildings/{b.pk}/", f"/api/v1/places/buildings/{b.pk}", READ_BUILDINGS))
    for key, g in world.grids.items():
        rows.append(("grid", key, f"/grids/{g.pk}/", f"/api/v1/places/grids/{g.pk}", READ_GRIDS))
    for key, v in world.venues.items():
        rows.append(("venue", key, f"/venues/{v.pk}/", f"/api/v1/places/venues/{v.pk}", READ_VENUES))
    for key in ("A1-101", "A1-201", "A2-301", "B1-101"):
        pk = _household(world, key).pk
        rows.append(("household", key, f"/households/{pk}/", f"/api/v1/people/households/{pk}", READ_HOUSEHOLDS))
    return rows


def test_detail_pages_and_api_by_id(world, clients):
    failures = []
    for role in ROLES:
        page, api = clients[role]
        for kind, key, page_url, api_url, table in _records(world):
            expected = 200 if key in table.get(role, NONE) else 404
            got_page = page.get(page_url).status_code
            got_api = api.get(api_url).status_code
            if (got_page, got_api) != (expected, expected):
                failures.append((role, kind, key, expected, got_page, got_api))
    assert failures == []


def test_guessed_ids_look_like_missing_ones(world, clients):
    for role in ROLES:
        page, api = clients[role]
        for url in ("/residents/%d/", "/buildings/%d/", "/grids/%d/", "/venues/%d/", "/households/%d/"):
            assert page.get(url % MISSING_ID).status_code == 404, (role, url)
        for url in ("/api/v1/people/persons/%d", "/api/v1/places/buildings/%d", "/api/v1/places/grids/%d"):
            missing = api.get(url % MISSING_ID)
            assert missing.status_code == 404
        # an existing but hidden record answers exactly like a missing one
        hidden = [k for k in RESIDENTS if k not in READ_PEOPLE[role]]
        if hidden:
            a = api.get(f"/api/v1/people/persons/{world.persons[hidden[0]].pk}")
            b = api.get(f"/api/v1/people/persons/{MISSING_ID}")
            assert (a.status_code, a.content) == (b.status_code, b.content), role


def _names_in_xlsx(content: bytes) -> set:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    names = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            names.update(str(c) for c in row if c)
    return names


def test_lists_and_exports_hold_only_the_scope(world, clients):
    for role in ROLES:
        page, api = clients[role]
        expected = {world.persons[k].name for k in READ_PEOPLE[role]}
        hidden = {world.persons[k].name for k in RESIDENTS} - expected
        body = page.get("/residents/?page_size=500").content.decode()
        assert all(n in body for n in expected) and not any(n in body for n in hidden), role
        export = page.get("/residents/export.xlsx")
        if export.status_code == 200:
            names = _names_in_xlsx(export.content)
            assert expected <= names and not (hidden & names), role
        else:
            assert export.status_code == 403 and not expected, role
        listing = api.get("/api/v1/people/persons?limit=500").json()
        items = listing["items"] if isinstance(listing, dict) else listing
        got = {p["name"] for p in items} & {world.persons[k].name for k in RESIDENTS}
        assert got == expected, role
        # buildings
        b_expected = {world.buildings[k].pk for k in READ_BUILDINGS[role]}
        listing = api.get("/api/v1/places/buildings?limit=500").json()
        items = listing["items"] if isinstance(listing, dict) else listing
        assert {b["id"] for b in items} == b_expected, role
        export = page.get("/buildings/export.xlsx")
        assert export.status_code in (200, 403), role
        if export.status_code == 403:
            assert not b_expected, role


def test_exports_are_masked_without_the_reveal_grant(world, clients):
    phone, masked = world.persons["a1"].phone, world.persons["a1"].phone_masked
    checked = 0
    for role in ROLES:
        page, _ = clients[role]
        if "a1" not in READ_PEOPLE[role] or "a1" in REVEAL_PEOPLE.get(role, NONE):
            continue
        export = page.get("/residents/export.xlsx")
        if export.status_code != 200:
            continue
        cells = _names_in_xlsx(export.content)
        assert phone not in cells and masked in cells, role
        checked += 1
    assert checked >= 2  # building leader, entrance leader, subdistrict staff…


def test_writes_through_the_api(world, clients):
    for role in ROLES:
        _, api = clients[role]
        for key in RESIDENTS:
            pk = world.persons[key].pk
            r = api.patch(f"/api/v1/people/persons/{pk}", {"note": f"{role} was here"}, content_type="application/json")
            if key in WRITE_PEOPLE.get(role, NONE):
                assert r.status_code == 200, (role, key, r.content)
            elif key in READ_PEOPLE[role]:
                assert r.status_code == 403, (role, key, r.status_code)
            else:
                assert r.status_code == 404, (role, key, r.status_code)
            world.persons[key].refresh_from_db()
            assert (world.persons[key].note == f"{role} was here") == (key in WRITE_PEOPLE.get(role, NONE)), (role, key)


def test_reveal_on_pages_and_api(world, clients):
    from linli.core.models import AuditLog

    for role in ROLES:
        page, api = clients[role]
        for key in RESIDENTS:
            pk = world.persons[key].pk
            before = AuditLog.objects.filter(action="reveal").count()
            r_api = api.post(f"/api/v1/people/persons/{pk}/reveal", {"field": "phone", "reason": "核实"}, content_type="application/json")
            r_page = page.post(f"/residents/{pk}/reveal/", {"field": "phone", "reason": "核实"})
            allowed = key in REVEAL_PEOPLE.get(role, NONE)
            if allowed:
                assert r_api.status_code == 200 and r_api.json()["value"] == world.persons[key].phone, (role, key)
                assert r_page.status_code == 200 and world.persons[key].phone in r_page.content.decode(), (role, key)
                assert AuditLog.objects.filter(action="reveal").count() == before + 2
            else:
                expected = 403 if key in READ_PEOPLE[role] else 404
                assert (r_api.status_code, r_page.status_code) == (expected, expected), (role, key, r_api.status_code, r_page.status_code)
                assert AuditLog.objects.filter(action="reveal").count() == before
