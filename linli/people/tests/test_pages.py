"""Register and detail pages with django's test client: every page follows the caller's scope.

Out of scope and nonexistent ids answer the same 404; writes without the permission answer 403.
"""

import io
import re

import pytest
from django.urls import reverse

from linli.core.models import AuditLog

pytestmark = pytest.mark.django_db


def as_(client, world, key):
    client.force_login(world.accounts[key])
    return client


def listed(client, url, **params):
    r = client.get(url, params)
    assert r.status_code == 200
    return {p.name for p in r.context["page_obj"]}


# ---------------------------------------------------------------------------- residents register
EXPECTED_RESIDENTS = {  # the five residents with a dwelling
    "resident": {"王建国", "李秀兰"},
    "building_leader": {"王建国", "李秀兰", "张伟"},
    "entrance_leader": {"张伟"},
    "grid_worker": {"王建国", "李秀兰", "张伟"},
    "community_secretary": {"王建国", "李秀兰", "张伟", "刘芳"},
    "other_community_staff": {"陈明"},
    "subdistrict_staff": {"王建国", "李秀兰", "张伟", "刘芳", "陈明"},
    "department_contact": set(),
    "property_manager": set(),
}
RESIDENT_NAMES = {"王建国", "李秀兰", "张伟", "刘芳", "陈明"}


@pytest.mark.parametrize("key", sorted(EXPECTED_RESIDENTS))
def test_register_lists_only_scope(client, world, key):
    names = listed(as_(client, world, key), reverse("people:persons"))
    assert names & RESIDENT_NAMES == EXPECTED_RESIDENTS[key]


def test_register_filters(client, world):
    c = as_(client, world, "community_secretary")
    url = reverse("people:persons")
    assert listed(c, url, grid=world.grids["A2"].pk) == {"刘芳"}
    assert listed(c, url, building=world.buildings["A1"].pk) == {"王建国", "李秀兰", "张伟"}
    assert listed(c, url, tag="living_alone") == {"王建国"}
    assert listed(c, url, tag="disabled") == {"张伟"}
    assert "王建国" in listed(c, url, tag="age60") and "张伟" not in listed(c, url, tag="age60")
    assert listed(c, url, age_band="60-79") & RESIDENT_NAMES == {"王建国", "李秀兰"}
    assert listed(c, url, q="王建") == {"王建国"}
    assert listed(c, url, q="13800000004") == {"刘芳"}  # full phone through the keyed hash
    # a grid of another community is not even offered, and filtering by it shows nothing
    assert listed(c, url, grid=world.grids["B1"].pk) == set()


def test_register_masks_personal_data(client, world):
    body = as_(client, world, "community_secretary").get(reverse("people:persons")).content.decode()
    assert "13800000001" not in body and world.persons["a1"].id_number not in body
    assert world.persons["a1"].phone_masked in body


def test_register_paginates(client, world):
    from linli.people import services
    from linli.people.scopes import system

    for i in range(30):
        services.register_person(system(), dwelling=world.dwellings["A2-301"], relation="other", name=f"租户{i:02d}")
    c = as_(client, world, "community_secretary")
    r = c.get(reverse("people:persons"), {"building": world.buildings["A2"].pk})
    assert r.context["page_obj"].paginator.count == 31 and len(r.context["page_obj"]) == 25
    assert 'rel="next"' in r.content.decode()
    assert len(c.get(reverse("people:persons"), {"building": world.buildings["A2"].pk, "page": 2}).context["page_obj"]) == 6


# ---------------------------------------------------------------------------- person detail and reveal
def test_person_detail_in_and_out_of_scope(client, world):
    c = as_(client, world, "grid_worker")
    r = c.get(reverse("people:person", args=[world.persons["a1"].pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "王建国" in body and world.persons["a1"].id_number_masked in body
    assert world.persons["a1"].id_number not in body
    paths = reverse("people:person", args=[world.persons["a3"].pk]), reverse("people:person", args=[999999])
    out, missing = c.get(paths[0]), c.get(paths[1])
    assert out.status_code == missing.status_code == 404

    def unmasked(r, path):  # the CSRF token is masked afresh on every response, the language switch returns to the path asked
        return re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", r.content.decode()).replace(path, "PATH")

    assert unmasked(out, paths[0]) == unmasked(missing, paths[1]) and "TOKEN" in unmasked(out, paths[0])


def test_person_history_shows_moves(client, world):
    from linli.people import services
    from linli.people.scopes import system

    a2 = services.move(system(), world.persons["a2"], world.dwellings["A1-101"], household=world.persons["a1"].household, relation="other")
    body = as_(client, world, "grid_worker").get(reverse("people:person", args=[a2.pk])).content.decode()
    assert "航苑1号楼2单元201" in body and "航苑1号楼1单元101" in body  # past and present households


def test_reveal_shows_once_and_audits(client, world):
    c = as_(client, world, "grid_worker")
    p = world.persons["a1"]
    page = c.get(reverse("people:person", args=[p.pk])).content.decode()
    assert 'id="reveal-form"' in page
    r = c.post(reverse("people:person_reveal", args=[p.pk]), {"field": "phone", "reason": "电话回访"})
    assert r.status_code == 200 and "13800000001" in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    row = AuditLog.objects.get(action="reveal")
    assert row.actor == world.accounts["grid_worker"] and row.subject_id == str(p.pk) and row.field == "phone" and row.reason == "电话回访"
    # shown once: the next visit is masked again
    assert "13800000001" not in c.get(reverse("people:person", args=[p.pk])).content.decode()


def test_reveal_needs_a_reason(client, world):
    r = as_(client, world, "grid_worker").post(reverse("people:person_reveal", args=[world.persons["a1"].pk]), {"field": "phone", "reason": ""})
    assert r.status_code == 200 and "13800000001" not in r.content.decode()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("key", ["building_leader", "entrance_leader", "subdistrict_staff", "resident"])
def test_reveal_forbidden_without_grant(client, world, key):
    c = as_(client, world, key)
    p = world.persons["a1"] if key != "entrance_leader" else world.persons["a2"]
    assert 'id="reveal-form"' not in c.get(reverse("people:person", args=[p.pk])).content.decode()
    r = c.post(reverse("people:person_reveal", args=[p.pk]), {"field": "phone", "reason": "好奇看看"})
    assert r.status_code == 403
    assert not AuditLog.objects.exists()


def test_reveal_out_of_scope_is_404(client, world):
    c = as_(client, world, "grid_worker")
    assert c.post(reverse("people:person_reveal", args=[world.persons["b1"].pk]), {"field": "phone", "reason": "看看"}).status_code == 404
    assert c.get(reverse("people:person_reveal", args=[world.persons["a1"].pk])).status_code == 405
    assert not AuditLog.objects.exists()


def test_reveal_requires_csrf(world):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(world.accounts["grid_worker"])
    assert c.post(reverse("people:person_reveal", args=[world.persons["a1"].pk]), {"field": "phone", "reason": "看看"}).status_code == 403


# ---------------------------------------------------------------------------- households
def test_households_list_and_detail(client, world):
    c = as_(client, world, "resident")
    r = c.get(reverse("people:households"))
    assert [h.pk for h in r.context["page_obj"]] == [world.persons["a1"].household_id]
    assert c.get(reverse("people:household", args=[world.persons["a1"].household_id])).status_code == 200
    assert c.get(reverse("people:household", args=[world.persons["a3"].household_id])).status_code == 404
    assert c.get(reverse("people:person", args=[world.persons["a2"].pk])).status_code == 404


def test_household_shows_past_members(client, world):
    from linli.people import services
    from linli.people.scopes import system

    services.move_out(system(), world.persons["a1_spouse"], destination="外省")
    body = as_(client, world, "grid_worker").get(reverse("people:household", args=[world.persons["a1"].household_id])).content.decode()
    assert "李秀兰" in body and 'class="past"' in body


# ---------------------------------------------------------------------------- places pages
PLACE_PAGES = [("places:grid", "grids", "A1"), ("places:building", "buildings", "A1"), ("places:venue", "venues", "shop")]


@pytest.mark.parametrize("key,expect", [
    ("grid_worker", {"grid:A1": 200, "grid:A2": 404, "grid:B1": 404, "building:A1": 200, "building:A2": 404, "building:B1": 404, "venue:shop": 404, "venue:shop_b": 404}),
    ("community_secretary", {"grid:A1": 200, "grid:A2": 200, "grid:AZ": 200, "grid:B1": 404, "building:A2": 200, "building:B1": 404, "venue:shop": 200, "venue:shop_b": 404}),
    ("subdistrict_staff", {"grid:B1": 200, "grid:C1": 404, "building:B1": 200, "venue:shop_b": 200}),
    ("resident", {"grid:A1": 404, "building:A1": 404, "venue:shop": 404}),
    ("property_manager", {"building:A1": 200, "building:B1": 404, "grid:B1": 404}),
    ("building_leader", {"building:A1": 200, "building:A2": 404, "grid:A2": 404}),
])
def test_place_details_follow_scope(client, world, key, expect):
    c = as_(client, world, key)
    registry = {"grid": world.grids, "building": world.buildings, "venue": world.venues}
    for target, status in expect.items():
        kind, name = target.split(":")
        assert c.get(reverse(f"places:{kind}", args=[registry[kind][name].pk])).status_code == status, target
    for kind in ("grid", "building", "venue"):
        assert c.get(reverse(f"places:{kind}", args=[987654])).status_code == 404


def test_place_lists_follow_scope(client, world):
    c = as_(client, world, "grid_worker")
    grids = {g.name for g in c.get(reverse("places:grids")).context["page_obj"]}
    assert grids == {world.grids["A1"].name, world.grids["A1m"].name}
    assert {str(b) for b in c.get(reverse("places:buildings")).context["page_obj"]} == {"航苑1号楼"}
    c = as_(client, world, "community_secretary")
    assert {v.name for v in c.get(reverse("places:venues")).context["page_obj"]} == {"平价超市"}
    assert {v.name for v in c.get(reverse("places:venues"), {"kind": "nine_small"}).context["page_obj"]} == set()


def test_building_page_lists_households_for_people_readers_only(client, world):
    b = world.buildings["A1"].pk
    assert "王建国" in as_(client, world, "building_leader").get(reverse("places:building", args=[b])).content.decode()
    body = as_(client, world, "property_manager").get(reverse("places:building", args=[b])).content.decode()
    assert "王建国" not in body and "101" in body


def test_map_page_and_features(client, world):
    c = as_(client, world, "grid_worker")
    body = c.get(reverse("places:map")).content.decode()
    assert "vendor/leaflet/leaflet.js" in body and 'data-tile-url=""' in body and "unpkg" not in body and "cdn" not in body.lower()
    data = c.get(reverse("places:map_data")).json()
    codes = {f["properties"]["code"] for f in data["grids"]["features"]}
    assert codes == {world.grids["A1"].code, world.grids["A1m"].code}
    assert [f["properties"]["id"] for f in data["buildings"]["features"]] == [world.buildings["A1"].pk]
    data = as_(client, world, "resident").get(reverse("places:map_data")).json()
    assert data["grids"]["features"] == [] and data["buildings"]["features"] == []


def test_map_uses_configured_tiles(client, world, settings):
    settings.LINLI_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    body = as_(client, world, "grid_worker").get(reverse("places:map")).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in body


@pytest.mark.parametrize("name", ["places:map", "places:grids", "places:buildings", "places:venues", "people:persons", "people:households", "portal:audit"])
def test_pages_need_sign_in(client, world, name):
    r = client.get(reverse(name))
    assert r.status_code == 302 and reverse("login") in r["Location"]


# ---------------------------------------------------------------------------- exports
def _rows(content: bytes) -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


def _cells(content: bytes) -> str:
    return " ".join(str(c) for r in _rows(content) for c in r if c is not None)


def test_residents_export_only_in_scope(client, world):
    pytest.importorskip("linli.people.exports")
    r = as_(client, world, "grid_worker").get(reverse("people:persons_export"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    text = _cells(r.content)
    assert "王建国" in text and "张伟" in text and "刘芳" not in text and "陈明" not in text
    # filters carry over to the export
    text = _cells(as_(client, world, "community_secretary").get(reverse("people:persons_export"), {"grid": world.grids["A2"].pk}).content)
    assert "刘芳" in text and "王建国" not in text


def test_households_export_only_in_scope(client, world):
    pytest.importorskip("linli.people.exports")
    text = _cells(as_(client, world, "resident").get(reverse("people:households_export")).content)
    assert "101" in text and "301" not in text


@pytest.mark.parametrize("name,inside,outside", [
    ("places:buildings_export", "1号楼", "东苑"),
    ("places:venues_export", "平价超市", "东风小卖部"),
    ("places:grids_export", "第一网格", "东风园"),
])
def test_place_exports_only_in_scope(client, world, name, inside, outside):
    pytest.importorskip("linli.places.exports")
    r = as_(client, world, "community_secretary").get(reverse(name))
    assert r.status_code == 200
    text = _cells(r.content)
    assert inside in text and outside not in text


def test_the_households_page_reads_a_fixed_number_of_queries_and_its_building_filter_counts_nothing(client, world):
    """The building filter's select names the buildings in scope: one plain read (no dwelling count, no GROUP BY), the
    same number of queries with one building or eleven."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.people import services as people
    from linli.people.scopes import system
    from linli.places import services as places

    c = as_(client, world, "community_staff")
    c.get(reverse("people:households"))

    def measure():
        with CaptureQueriesContext(connection) as q:
            r = c.get(reverse("people:households"))
        assert r.status_code == 200
        return [s["sql"] for s in q.captured_queries], r.content.decode()

    few, _page = measure()
    for i in range(10):
        b = places.create_building(system(), world.a, number=f"9{i}号楼", grid=world.grids["A1"])
        d = places.add_dwelling(system(), b, room="101")
        people.register_person(system(), dwelling=d, name=f"新住户{i}")
    c.get(reverse("people:households"))  # as before the first measure: the caches (linli.core.memo) refilled after the changes
    more, page = measure()
    assert "99号楼" in page
    assert len(more) == len(few)
    buildings = [s for s in more if 'FROM "places_building"' in s and "ORDER BY" in s]
    assert buildings and not any("GROUP BY" in s for s in buildings), buildings
