"""The permission matrix over HTTP: every role × every record of the test world, on pages, exports and
the API, including guessed ids. The expectations are the hand-written tables of the service-level
matrix (linli/people/tests/test_permission_matrix.py); here they must hold at every door."""

import io

import openpyxl
import pytest
from django.test import Client

from linli.people.auth import issue_token
from linli.people.tests.test_permission_matrix import (
    READ_BUILDINGS, READ_CARE_VISITS, READ_GRIDS, READ_HOUSEHOLDS, READ_MINOR, READ_PEOPLE, READ_TAGS, READ_VENUES, RESIDENTS,
    REVEAL_PEOPLE, ROLES, WRITE_PEOPLE, add_care_visits, add_minor,
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


# ---------------------------------------------------------------------------- sensitive data (issue 13, point 3)
def _items(response):
    data = response.json()
    return data["items"] if isinstance(data, dict) else data


def test_care_visits_at_every_door(world, clients):
    """The property company (and a department) never list or open care visits; the visitors and their supervisors do.
    Before: `property_manager` listed both visits on /api/v1/patrols/visits with names and the rule (独居老人)."""
    visits = add_care_visits(world)
    failures = []
    for role in ROLES:
        page, api = clients[role]
        expected = {world.persons[k].name for k in READ_CARE_VISITS[role]}
        hidden = {world.persons[k].name for k in visits} - expected
        r = api.get("/api/v1/patrols/visits")
        got = {v["person"] for v in _items(r)} & {world.persons[k].name for k in visits} if r.status_code == 200 else set()
        if r.status_code not in (200, 403, 404) or got != expected:
            failures.append((role, "api list", r.status_code, got))
        listing = page.get("/patrols/visits/")
        text = listing.content.decode() if listing.status_code == 200 else ""
        me = getattr(world.accounts[role].person, "name", None)  # the page header names the signed-in resident
        if listing.status_code not in (200, 403, 404) or any(n in text for n in hidden - {me}) or not all(n in text for n in expected):
            failures.append((role, "page list", listing.status_code))
        if listing.status_code == 200 and not expected and ("独居老人" in text or "残疾人" in text):
            failures.append((role, "page names the rule"))
        for key, v in visits.items():
            want = 200 if key in READ_CARE_VISITS[role] else 404
            got_page = page.get(f"/patrols/visits/{v.pk}/").status_code
            if got_page != want:
                failures.append((role, "visit page", key, want, got_page))
            if key not in READ_CARE_VISITS[role]:
                r = api.post(f"/api/v1/patrols/visits/{v.pk}", {"method": "door", "situation": "看看"}, content_type="application/json")
                if r.status_code not in (403, 404):
                    failures.append((role, "record visit", key, r.status_code))
    assert failures == []


def test_tags_disability_and_minors_at_every_door(world, clients):
    """Health and disability tags and minors: only the people register's readers, on the API and the pages."""
    child = add_minor(world)
    for role in ROLES:
        page, api = clients[role]
        r = api.get("/api/v1/people/persons?tag=disabled&limit=500")
        names = {p["name"] for p in _items(r)} if r.status_code == 200 else set()
        assert ("张伟" in names) is ("a2" in READ_TAGS[role]), role
        r = api.get("/api/v1/people/persons?age_band=0-17&limit=500")
        names = {p["name"] for p in _items(r)} if r.status_code == 200 else set()
        assert (child.name in names) is (role in READ_MINOR), role
        detail = api.get(f"/api/v1/people/persons/{world.persons['a2'].pk}")
        if "a2" in READ_TAGS[role]:
            assert detail.status_code == 200 and "disabled" in detail.json()["tags"], role
        else:
            assert detail.status_code == 404 and "disabled" not in detail.content.decode(), role
        body = page.get("/residents/?tag=disabled").content.decode()
        assert ("张伟" in body) is ("a2" in READ_TAGS[role]), role
        child_page = page.get(f"/residents/{child.pk}/")
        assert child_page.status_code == (200 if role in READ_MINOR else 404), role


def test_exports_in_full_ask_for_a_reason(world, clients):
    """Before: `/residents/export.xlsx` (GET, one click) gave full ID numbers and phones to a grid worker, no reason asked."""
    from linli.core.models import AuditLog

    page, _ = clients["grid_worker"]
    a1 = world.persons["a1"]
    plain = page.get("/residents/export.xlsx")
    cells = _names_in_xlsx(plain.content)
    assert plain.status_code == 200 and a1.phone not in cells and a1.phone_masked in cells and a1.id_number not in cells
    log = AuditLog.objects.get()
    assert log.action == "export" and log.detail["count"] == 3 and log.reason == ""
    # no reason: nothing exported, nothing revealed
    r = page.post("/residents/export.xlsx", {"reason": ""})
    assert r.status_code == 302 and AuditLog.objects.count() == 1
    full = page.post("/residents/export.xlsx?grid=%d" % world.grids["A1"].pk, {"reason": "核对独居老人台账"})
    assert full.status_code == 200 and full["Cache-Control"] == "no-store"
    cells = _names_in_xlsx(full.content)
    assert a1.phone in cells and a1.id_number in cells
    log = AuditLog.objects.filter(action="export_revealed").get()
    assert log.reason == "核对独居老人台账" and log.detail["count"] == 3 and log.actor == world.accounts["grid_worker"]
    assert AuditLog.objects.count() == 2  # one row per export
    # households: the same rule
    assert a1.phone not in _names_in_xlsx(page.get("/households/export.xlsx").content)
    assert a1.phone in _names_in_xlsx(page.post("/households/export.xlsx", {"reason": "核对户主"}).content)
    # without a reveal grant, the form is refused (and not offered)
    leader, _ = clients["building_leader"]
    assert leader.post("/residents/export.xlsx", {"reason": "想看看"}).status_code == 403
    assert 'id="export-reveal"' not in leader.get("/residents/").content.decode()
    assert 'id="export-reveal"' in page.get("/residents/").content.decode()
    # venue contact phones
    staff, _ = clients["community_staff"]
    v = world.venues["shop"]
    v.contact_phone = "13912345678"
    v.save()
    assert "13912345678" not in _names_in_xlsx(staff.get("/venues/export.xlsx").content)
    assert "13912345678" in _names_in_xlsx(staff.post("/venues/export.xlsx", {"reason": "消防检查联系"}).content)
    assert clients["building_leader"][0].post("/venues/export.xlsx", {"reason": "想看看"}).status_code == 403
