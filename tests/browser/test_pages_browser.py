"""Sign in through the browser and see only your own scope; the map draws; the language switches."""

import re

import pytest

from linli.testing.world import PASSWORD

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A1_RESIDENTS = {"王建国", "李秀兰", "张伟"}
OTHERS = {"刘芳", "陈明"}


def register_names(page) -> set[str]:
    return set(page.locator("#persons-table tbody td:first-child a").all_inner_texts())


def test_grid_worker_sees_only_their_grid(world, open_page, shoot):
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_page(viewport)
        sign_in(page, "grid_worker", PASSWORD)
        assert page.locator("h2", has_text=world.grids["A1"].name).count() >= 1
        assert world.grids["A2"].name not in page.content()
        shoot(page, f"grid-worker-home-{label}")
        page.goto(page.base + "/residents/")
        names = register_names(page)
        assert A1_RESIDENTS <= names and not (names & OTHERS)
        shoot(page, f"register-grid-worker-{label}")
        # a guessed id of a resident in another grid: not found
        response = page.goto(page.base + f"/residents/{world.persons['a3'].pk}/")
        assert response.status == 404


def test_resident_sees_only_their_household(world, open_page, shoot):
    page = open_page(PHONE)
    page.goto(page.base + "/login/")
    assert page.locator("label[for=id_username]").inner_text() == "手机号或用户名"
    shoot(page, "login-phone")
    sign_in(page, "13800000001", PASSWORD)  # 王建国 by phone number
    household = page.locator(".home-resident")
    assert household.locator("td a").all_inner_texts() == ["王建国", "李秀兰"]
    assert "张伟" not in page.content()
    assert page.locator(".mainnav a", has_text="居民").count() == 0
    shoot(page, "resident-home-phone")
    page.goto(page.base + "/residents/")
    assert register_names(page) == {"王建国", "李秀兰"}
    assert page.goto(page.base + f"/residents/{world.persons['a2'].pk}/").status == 404
    assert page.goto(page.base + f"/buildings/{world.buildings['A1'].pk}/").status == 404


def test_map_draws_grids_and_buildings(world, open_page, shoot):
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_page(viewport)
        sign_in(page, "community_secretary", PASSWORD)
        page.goto(page.base + "/map/")
        page.wait_for_selector("#map[data-loaded]", state="attached")
        assert not page.errors, page.errors
        assert page.get_attribute("#map", "data-loaded") == "4"  # A1, A1m, A2, AZ — not B1 or C1
        polygons = page.locator("#map path.leaflet-interactive")
        assert polygons.count() >= 4 + 2  # 4 grid polygons and 2 building markers (circle markers are paths)
        dashed = page.locator('#map path[stroke-dasharray="6 5"]')
        assert dashed.count() == 1  # the micro-grid
        fills = {polygons.nth(i).get_attribute("fill") for i in range(polygons.count())}
        assert len(fills) >= 3  # coloured by grid
        assert page.locator(".leaflet-tile").count() == 0  # blank base layer: no tile URL configured
        assert page.locator(".grid-label", has_text=world.grids["A1"].name).count() == 1
        shoot(page, f"map-secretary-{label}", full_page=False)


def test_register_and_language_switch(world, open_page, shoot):
    page = open_page(DESKTOP)
    sign_in(page, "community_secretary", PASSWORD)
    page.goto(page.base + "/residents/?tag=age60")
    assert page.locator("h1").inner_text() == "居民台账"
    assert register_names(page) >= {"王建国", "李秀兰"} and "张伟" not in register_names(page)
    page.click("button[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Residents register"
    assert "tag=age60" in page.url  # stayed on the same filtered list
    assert page.locator("#person-filters select[name=tag] option:checked").inner_text() == "Aged 60+"
    shoot(page, "register-secretary-english-desktop")
    page.click("button[data-lang=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "居民台账"
    shoot(page, "register-secretary-desktop")
    phone = open_page(PHONE)
    sign_in(phone, "community_secretary", PASSWORD)
    phone.goto(phone.base + "/residents/")
    shoot(phone, "register-secretary-phone")
    phone.goto(phone.base + "/")
    shoot(phone, "secretary-home-phone")


def test_reveal_in_the_browser(world, open_page):
    from linli.core.models import AuditLog

    page = open_page(PHONE)
    sign_in(page, "grid_worker", PASSWORD)
    page.goto(page.base + f"/residents/{world.persons['a1'].pk}/")
    assert page.locator("#phone").inner_text() != "13800000001"
    page.select_option("#reveal-form select[name=field]", "phone")
    page.fill("#reveal-form input[name=reason]", "电话回访")
    page.click("#reveal-form button[type=submit]")
    page.wait_for_selector("#phone .revealed")
    assert page.locator("#phone").inner_text() == "13800000001"
    assert AuditLog.objects.filter(action="reveal", field="phone", reason="电话回访").count() == 1


def test_import_job_progress_polls(world, open_page, tmp_path):
    """The job page polls with htmx until the worker has finished."""
    from linli.core import jobs

    def handle(job):
        jobs.progress(job, 3, 3)
        job.result = {"created": 3, "updated": 0, "unchanged": 0, "errors": 0}

    old = jobs._HANDLERS.get("import.buildings")
    jobs._HANDLERS["import.buildings"] = handle
    try:
        sheet = tmp_path / "楼栋.xlsx"
        sheet.write_bytes(b"PK\x03\x04")
        page = open_page(DESKTOP)
        sign_in(page, "community_secretary", PASSWORD)
        page.goto(page.base + "/imports/")
        page.select_option("select[name=kind]", "buildings")
        page.uncheck("input[name=dry_run]")
        page.set_input_files("input[name=file]", str(sheet))
        page.click("#import-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
        assert page.get_attribute("#job-progress", "data-status") == "queued"
        jobs.run_queued_jobs()
        page.wait_for_selector('#job-progress[data-status="done"]', timeout=10000)
        assert "已完成" in page.locator(".job-status").inner_text()
    finally:
        if old is None:
            jobs._HANDLERS.pop("import.buildings", None)
        else:
            jobs._HANDLERS["import.buildings"] = old
