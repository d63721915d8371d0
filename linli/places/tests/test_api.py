"""The places JSON API over real HTTP with real tokens: scope on every list, 404 for guessed ids, 403 for read-only writers."""

import pytest

from linli.places.geometry import rectangle
from linli.places.models import Building, Grid, Venue
from linli.testing.api import english_messages  # noqa: F401  (a fixture, used by pytestmark)
from linli.testing.api import names

API = "/api/v1/places"


pytestmark = pytest.mark.usefixtures("english_messages")


# ---------------------------------------------------------------------------- lists follow the scope
@pytest.mark.parametrize("role, expected", [
    ("grid_worker", ["第一网格", "第一网格微网格1"]),
    ("micro_grid_worker", ["第一网格微网格1"]),
    ("building_leader", ["第一网格", "第一网格微网格1"]),
    ("community_staff", ["专属网格", "第一网格", "第一网格微网格1", "第二网格"]),
    ("other_community_staff", ["东风园第一网格"]),
    ("resident", []),
])
def test_grid_list_follows_scope(api_as, role, expected):
    assert names(api_as(role).get(f"{API}/grids")) == sorted(expected)


@pytest.mark.parametrize("role, expected", [
    ("grid_worker", ["航苑1号楼"]),
    ("entrance_leader", ["航苑1号楼"]),
    ("community_staff", ["航苑1号楼", "航苑2号楼"]),
    ("other_community_staff", ["东苑1号楼"]),
    ("subdistrict_staff", ["东苑1号楼", "航苑1号楼", "航苑2号楼"]),
    ("resident", []),
])
def test_building_list_follows_scope(api_as, role, expected):
    assert names(api_as(role).get(f"{API}/buildings")) == sorted(expected)


@pytest.mark.parametrize("role, expected", [
    ("grid_worker", []),
    ("community_staff", ["平价超市"]),
    ("other_community_staff", ["东风小卖部"]),
    ("resident", []),
])
def test_venue_list_follows_scope(api_as, role, expected):
    assert names(api_as(role).get(f"{API}/venues")) == expected


@pytest.mark.parametrize("role, expected", [
    ("grid_worker", ["柳航里社区"]),
    ("community_staff", ["柳航里社区"]),
    ("other_community_staff", ["东风园社区"]),
    ("subdistrict_staff", ["东风园社区", "柳航里社区"]),
    ("resident", []),
])
def test_community_list_follows_scope(api_as, role, expected):
    assert names(api_as(role).get(f"{API}/communities")) == expected


def test_filters_and_pagination(api_as, world):
    staff = api_as("community_staff")
    assert names(staff.get(f"{API}/grids", {"kind": "micro"})) == ["第一网格微网格1"]
    assert names(staff.get(f"{API}/buildings", {"grid": world.grids["A2"].pk})) == ["航苑2号楼"]
    assert names(staff.get(f"{API}/buildings", {"q": "2号"})) == ["航苑2号楼"]
    assert names(api_as("other_community_staff").get(f"{API}/venues", {"kind": "nine_small", "nine_small": "store"})) == ["东风小卖部"]
    page = staff.get(f"{API}/grids", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 4 and len(page["items"]) == 1
    too_many = staff.get(f"{API}/buildings", {"limit": 501})
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["field"] == "limit"
    bad_kind = staff.get(f"{API}/grids", {"kind": "square"})
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"][0]["field"] == "kind"


def test_geojson_holds_only_grids_in_scope(api_as, world):
    fc = api_as("grid_worker").get(f"{API}/grids/geojson").json()
    assert fc["type"] == "FeatureCollection"
    assert {f["properties"]["id"] for f in fc["features"]} == {world.grids["A1"].pk, world.grids["A1m"].pk}
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])


def test_grid_and_building_detail(api_as, world):
    worker = api_as("grid_worker")
    g = worker.get(f"{API}/grids/{world.grids['A1'].pk}").json()
    assert g["summary"] == {"buildings": 1, "dwellings": 2, "residents": 3, "venues": 0, "micro_grids": 1}
    assert [m["id"] for m in g["micro_grids"]] == [world.grids["A1m"].pk]
    assert g["boundary"]["type"] == "Polygon"
    b = worker.get(f"{API}/buildings/{world.buildings['A1'].pk}").json()
    assert [e["number"] for e in b["entrances"]] == ["1单元", "2单元"]
    assert sorted(d["room"] for d in b["dwellings"]) == ["101", "201"]
    v = api_as("community_staff").get(f"{API}/venues/{world.venues['shop'].pk}").json()
    assert v["name"] == "平价超市" and v["grid_id"] == world.grids["AZ"].pk


# ---------------------------------------------------------------------------- guessed ids
@pytest.mark.parametrize("kind, key", [("grids", "B1"), ("grids", "A2"), ("buildings", "B1"), ("buildings", "A2"), ("venues", "shop_b"), ("venues", "shop")])
def test_guessed_ids_look_like_missing_ones(api_as, world, kind, key):
    obj = {"grids": world.grids, "buildings": world.buildings, "venues": world.venues}[kind][key]
    worker = api_as("grid_worker")
    hidden = worker.get(f"{API}/{kind}/{obj.pk}")
    missing = worker.get(f"{API}/{kind}/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_resident_sees_no_place_records(api_as, world):
    resident = api_as("resident")
    assert resident.get(f"{API}/buildings/{world.buildings['A1'].pk}").status_code == 404
    assert resident.get(f"{API}/grids/{world.grids['A1'].pk}").status_code == 404


# ---------------------------------------------------------------------------- locator
def test_locate_point(api_as, world):
    staff = api_as("community_staff")
    r = staff.get(f"{API}/locate", {"lat": 40.0805, "lng": 113.3005}).json()
    assert r["found"] and r["grid"]["id"] == world.grids["A1"].pk and r["micro_grid"]["id"] == world.grids["A1m"].pk
    r = staff.get(f"{API}/locate", {"lat": 40.081, "lng": 113.303}).json()
    assert r["grid"]["id"] == world.grids["A2"].pk and r["micro_grid"] is None
    assert staff.get(f"{API}/locate", {"lat": 10.0, "lng": 10.0}).json() == {"found": False, "grid": None, "micro_grid": None, "community_id": None}
    # a point in a grid outside the caller's scope answers like nowhere
    assert api_as("grid_worker").get(f"{API}/locate", {"lat": 40.081, "lng": 113.303}).json()["found"] is False
    bad = staff.get(f"{API}/locate", {"lat": 100, "lng": 113.3})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "lat"


# ---------------------------------------------------------------------------- writes
def _building(world, grid="A2", number="3号楼"):
    return {"number": number, "grid": world.grids[grid].pk, "compound": world.compounds["A"].pk, "entrances": 2, "floors": 6}


def test_staff_adds_a_building(api_as, world):
    r = api_as("community_staff").post(f"{API}/buildings", _building(world), content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name"] == "航苑3号楼" and [e["number"] for e in body["entrances"]] == ["1单元", "2单元"]
    assert Building.objects.filter(pk=body["id"], grid=world.grids["A2"]).exists()


def test_building_writes_outside_scope_refused(api_as, world):
    before = Building.objects.count()
    # a grid the worker cannot see: 404, same body as a grid that does not exist
    hidden = api_as("grid_worker").post(f"{API}/buildings", _building(world, "A2"), content_type="application/json")
    missing = api_as("grid_worker").post(f"{API}/buildings", {**_building(world), "grid": 987654}, content_type="application/json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert api_as("other_community_staff").post(f"{API}/buildings", _building(world, "A1"), content_type="application/json").status_code == 404
    # a read-only role on a grid it can see: 403
    leader = api_as("building_leader").post(f"{API}/buildings", _building(world, "A1"), content_type="application/json")
    assert leader.status_code == 403
    assert Building.objects.count() == before


def test_building_validation_names_the_field(api_as, world):
    staff = api_as("community_staff")
    dup = staff.post(f"{API}/buildings", _building(world, "A1", "1号楼"), content_type="application/json")
    assert dup.status_code == 422
    assert dup.json()["detail"][0]["field"] == "number"
    missing = staff.post(f"{API}/buildings", {"grid": world.grids["A1"].pk}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "number"
    kind = staff.post(f"{API}/buildings", {**_building(world), "kind": "castle"}, content_type="application/json")
    assert kind.status_code == 422 and kind.json()["detail"][0]["field"] == "kind"


def test_venue_registration(api_as, world):
    staff = api_as("community_staff")
    ok = staff.post(f"{API}/venues", {"grid": world.grids["AZ"].pk, "name": "小饭馆", "kind": "nine_small", "nine_small": "catering"}, content_type="application/json")
    assert ok.status_code == 201, ok.content
    assert Venue.objects.get(pk=ok.json()["id"]).community == world.a
    bad = staff.post(f"{API}/venues", {"grid": world.grids["AZ"].pk, "name": "无类别", "kind": "nine_small"}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["detail"] == [{"field": "nine_small", "message": bad.json()["detail"][0]["message"], "code": "invalid"}]
    assert "Nine-small" in bad.json()["detail"][0]["message"]
    assert api_as("other_community_staff").post(f"{API}/venues", {"grid": world.grids["AZ"].pk, "name": "越界", "kind": "shop"}, content_type="application/json").status_code == 404
    assert api_as("building_leader").post(f"{API}/venues", {"grid": world.grids["A1"].pk, "name": "楼长", "kind": "shop"}, content_type="application/json").status_code == 403
    assert not Venue.objects.filter(name__in=["无类别", "越界", "楼长"]).exists()


def test_grid_boundary_patch(api_as, world):
    grid = world.grids["A1"]
    url = f"{API}/grids/{grid.pk}/boundary"
    new = rectangle(113.300, 40.080, 113.3025, 40.0825)
    ok = api_as("grid_worker").patch(url, {"boundary": new}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    grid.refresh_from_db()
    assert grid.boundary == new
    bad = api_as("grid_worker").patch(url, {"boundary": {"type": "Point", "coordinates": [1, 2]}}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "boundary"
    assert api_as("building_leader").patch(url, {"boundary": new}, content_type="application/json").status_code == 403
    hidden = api_as("grid_worker").patch(f"{API}/grids/{world.grids['B1'].pk}/boundary", {"boundary": new}, content_type="application/json")
    assert hidden.status_code == 404
    assert Grid.objects.get(pk=world.grids["B1"].pk).boundary != new


# ---------------------------------------------------------------------------- schema and docs
def test_openapi_and_docs_load_offline(client, db):  # the schema lists category codes from the database
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/places/buildings" in paths and "/api/v1/places/grids/{grid_id}" in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html
    for asset in ("/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"):
        assert client.get(asset).status_code == 200, asset


def test_anonymous_refused(client, world):
    assert client.get(f"{API}/grids").status_code == 401
