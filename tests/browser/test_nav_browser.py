"""The navigation on a phone and on a desk (issue 14, fixes 5 and 6): on a narrow screen one menu (with the
task count) instead of a sideways-scrolling bar of 14 items cut off at "志愿服"; on a wide screen the bar fits,
with the registers under one entry and the search box visible; the resident reaches the public board."""

import pytest

from linli.testing.world import PASSWORD

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_gets_a_menu_with_every_item(world, open_page, shoot):
    page = open_page(PHONE)
    page.goto(page.base + "/login/")
    sign_in(page, "community_staff", PASSWORD)
    page.goto(page.base + "/")
    assert not page.is_visible(".mainnav")
    assert page.is_visible(".navmenu summary")
    page.click(".navmenu summary")
    items = page.eval_on_selector_all(".navmenu li a", "els => els.map(e => e.dataset.nav)")
    assert {"home", "cases:list", "volunteers:home", "people:persons", "places:venues", "portal:import"} <= set(items), items
    for name in items:  # every item on screen, none cut off
        box = page.locator(f'.navmenu li a[data-nav="{name}"]').bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (name, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert page.is_visible(".navmenu .navsearch input")
    shoot(page, "nav-menu-390", full_page=False)


def test_desk_bar_fits_with_registers_grouped_and_search(world, open_page):
    page = open_page(DESKTOP)
    page.goto(page.base + "/login/")
    sign_in(page, "community_staff", PASSWORD)
    page.goto(page.base + "/")
    assert page.is_visible(".mainnav") and not page.is_visible(".navmenu")
    nav = page.locator(".mainnav").bounding_box()
    search = page.locator(".mainnav .navsearch input").bounding_box()
    assert search["x"] + search["width"] <= nav["x"] + nav["width"] + 1  # not pushed off the bar
    assert not page.is_visible('.mainnav .navmore-list a[data-nav="people:persons"]')
    page.click(".navmore summary")
    page.click('.mainnav .navmore-list a[data-nav="people:persons"]')
    page.wait_for_url("**/residents/**")


def test_resident_reaches_the_public_board_from_home_and_nav(world, open_page):
    page = open_page(PHONE)
    page.goto(page.base + "/login/")
    sign_in(page, "resident", PASSWORD)
    page.goto(page.base + "/")
    assert page.get_attribute("#home-board", "href") == f"/board/{world.a.pk}/"
    page.click(".navmenu summary")
    page.click('.navmenu li a[data-nav="cases:board"]')
    page.wait_for_url(f"**/board/{world.a.pk}/")
    assert not page.errors, page.errors
