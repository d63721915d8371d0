"""Every map is readable with no tile server configured: linli's own base layer (community outline,
streets with names, compounds, numbered buildings, venues) is drawn in the map's SVG (issue 14)."""

import pytest
from django.test import override_settings

from linli.cases import services as cases
from linli.cases.tests.conftest import cats  # noqa: F401  (fixture: the case categories)
from linli.people.scopes import system
from linli.places.models import MapFeature
from linli.testing.world import PASSWORD

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAPS = [  # path (with {case} / {community}), the map's element id
    ("/map/", "map"),
    ("/grids/{grid}/", "map"),
    ("/cases/{case}/", "case-map"),
    ("/cases/hotline/", "picker"),
    ("/patrols/map/", "map"),
    ("/board/{community}/", "board-map"),
]


def _base_features(page, map_id):
    page.wait_for_selector(f"#{map_id}[data-base-count]", state="attached")
    count = page.get_attribute(f"#{map_id}", "data-base-count")
    svg = page.evaluate("""(id) => {
        const el = document.getElementById(id);
        const n = (cls) => el.querySelectorAll('path.' + cls).length;
        return {community: n('linli-base-community'), street: n('linli-base-street'), building: n('linli-base-building'),
                names: Array.from(el.querySelectorAll('.linli-base-name')).map(e => e.textContent),
                untiled: el.classList.contains('linli-untiled'), tiles: el.querySelectorAll('img.leaflet-tile').length};
    }""", map_id)
    return count, svg


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_every_map_draws_the_base_layer_without_tiles(world, cats, open_page, viewport):  # noqa: F811
    MapFeature.objects.create(community=world.a, kind="street", name="柳航街",
                              geometry={"type": "LineString", "coordinates": [[113.299, 40.0799], [113.305, 40.0801]]})
    case = cases.submit(system(), source="hotline", description="二号楼门口污水外溢", category="env.sewage", lat=40.0811, lng=113.3031)
    with override_settings(LINLI_TILE_URL=""):
        page = open_page(viewport)
        page.goto(page.base + "/login/")
        sign_in(page, "community_secretary", PASSWORD)
        for path, map_id in MAPS:
            url = path.format(case=case.pk, community=world.a.pk, grid=world.grids["A1"].pk)
            response = page.goto(page.base + url)
            assert response.status == 200, url
            count, svg = _base_features(page, map_id)
            assert count not in (None, "error") and int(count) > 0, (url, count)
            assert svg["untiled"] and svg["tiles"] == 0, (url, svg)
            assert svg["community"] >= 1, (url, svg)  # the outline (the union of the grids)
            assert svg["street"] >= 1 and "柳航街" in svg["names"], (url, svg)
            assert svg["building"] >= 2, (url, svg)  # 1号楼 and 2号楼 of 航苑 as blocks
        assert not page.errors, page.errors


def test_board_base_layer_is_public_and_has_no_personal_data(world, client):
    r = client.get(f"/map/base.json?community={world.a.pk}")
    assert r.status_code == 200
    import json

    body = json.dumps(r.json(), ensure_ascii=False)
    assert "1号楼" in body and '"layer": "building"' in body
    for name in ("王建国", "李秀兰", "13800000001"):
        assert name not in body
    assert client.get("/map/base.json").json()["features"] == []  # anonymous, no community asked: nothing
