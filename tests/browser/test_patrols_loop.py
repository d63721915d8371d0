"""THE acceptance walk of grid work on a 375-px phone: a grid worker patrols, records two visits and a hazard,
issues a rectification notice; the re-inspection comes due (the worker's sweep on the deadline); not fixed → a case
appears routed to the right department (the property company serving the compound)."""

import datetime
import re

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from linli.cases.models import Case
from linli.patrols import sweeps
from linli.patrols.models import Hazard, Patrol, PatrolStop, RectificationNotice, Reinspection
from linli.patrols.tests.conftest import add_grid_work
from linli.testing.world import PASSWORD

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_375 = {"width": 375, "height": 812}


def _png(width=48, height=32, rgb=(150, 110, 60)) -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def fits(page):
    """Nothing on the page is wider than the phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_375["width"] + 1, page.url
    assert not page.errors, page.errors


def form_fits(page, selector):
    """The form (or list) is on the page, within the phone's width, and nothing inside it runs wider than it."""
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} not shown on {page.url}"
    assert box["x"] >= -1 and box["x"] + box["width"] <= PHONE_375["width"] + 1, (selector, box)
    inner = page.evaluate("""(sel) => { const el = document.querySelector(sel);
        return [...el.querySelectorAll('*')].filter(c => c.getBoundingClientRect().width > 0)
            .map(c => c.getBoundingClientRect().right).reduce((a, b) => Math.max(a, b), 0); }""", selector)
    assert inner <= PHONE_375["width"] + 1, (selector, inner)


def test_grid_worker_patrol_to_notice_to_reinspection_to_case_on_a_phone(world, open_page, shoot):
    add_grid_work(world)
    page = open_page(PHONE_375)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    sign_in(page, "grid_worker", PASSWORD)

    # 1. start a patrol
    page.goto(page.base + "/patrols/")
    fits(page)
    shoot(page, "patrols-1-home-phone")
    page.click("#start-patrol")
    page.wait_for_url(re.compile(r"/patrols/patrol/\d+/$"))
    patrol = Patrol.objects.get()
    assert patrol.grid == world.grids["A1"] and patrol.ended_at is None

    # 2. two visits: the building's stairwell (with a photo), and the household of 王建国 (living alone)
    page.select_option("#id_place", f"building:{world.buildings['A1'].pk}")
    page.fill("#id_seen", "一单元楼道堆放纸箱、旧家具，堵塞疏散通道")
    page.set_input_files("#id_photos", files=[{"name": "stairs.png", "mimeType": "image/png", "buffer": _png()}])
    shoot(page, "patrols-2-record-visit-phone")
    page.click("#save-stop")
    page.wait_for_selector("#stops li.stop")
    page.select_option("#id_place", f"dwelling:{world.dwellings['A1-101'].pk}")
    page.fill("#id_seen", "走访王建国老人，身体尚可，独居，提醒注意用电安全")
    page.click("#save-stop")
    expect(page.locator("#stops li.stop")).to_have_count(2)  # not wait_for_function: a string predicate needs eval, which the CSP forbids
    assert PatrolStop.objects.filter(patrol=patrol).count() == 2
    page.locator("#stops li.stop img").first.scroll_into_view_if_needed()
    expect(page.locator("#stops li.stop img").first).to_have_js_property("naturalWidth", 48)  # the photo is served
    fits(page)
    shoot(page, "patrols-3-two-visits-phone")

    # 3. the problem at the first stop becomes a hazard, the property company responsible
    page.locator("#stops li.stop").first.get_by_role("link", name="问题登记为隐患").click()
    page.wait_for_selector("#hazard-form")
    page.fill("#id_title", "楼道堆物堵塞疏散通道")
    page.select_option("#id_category_code", "fire.corridor_clutter")
    page.select_option("#id_responsible_org", str(world.orgs["property"].pk))
    fits(page)
    shoot(page, "patrols-4-hazard-phone")
    page.click("#save-hazard")
    page.wait_for_selector("#notice-form")
    hazard = Hazard.objects.get()
    assert hazard.stop.patrol == patrol and hazard.responsible_name == "航苑物业"

    # 4. the rectification notice (整改通知书): a past deadline is refused with the field's message, then issued
    assert page.locator(f"#notice-form input[name=hazards][value='{hazard.pk}']").is_checked()
    page.fill("#id_requirements", "三日内清理一单元楼道堆物，保持疏散通道畅通")
    page.fill("#id_deadline", (timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    page.click("#issue-notice")
    page.wait_for_selector(".msg.error")
    assert "整改期限：日期已经过去。" in page.inner_text(".messages")
    assert RectificationNotice.objects.count() == 0
    shoot(page, "patrols-5-deadline-refused-phone")
    assert all("400" in e for e in page.errors), page.errors  # the refusal answers 400, nothing else failed
    page.errors.clear()
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    page.fill("#id_deadline", deadline.isoformat())
    page.click("#issue-notice")
    page.wait_for_selector("#notice-doc")
    notice = RectificationNotice.objects.get()
    assert notice.number in page.inner_text("#notice-doc") and "航苑物业" in page.inner_text("#notice-doc")
    fits(page)
    shoot(page, "patrols-6-notice-phone")
    pdf = page.request.get(page.base + f"/patrols/notices/{notice.pk}/notice.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # 5. the deadline comes: the worker's sweep makes the re-inspection due and tells the inspector
    assert sweeps.reinspections_due(timezone.localdate()) == 0
    assert sweeps.reinspections_due(deadline) == 1
    assert Reinspection.objects.get(notice=notice).came_due_at is not None
    page.goto(page.base + "/patrols/")
    assert page.inner_text("#n-reinspections") == "1"
    fits(page)
    shoot(page, "patrols-7-reinspection-due-phone")
    page.click(f"#due-reinspections a[href='/patrols/notices/{notice.pk}/']")
    page.wait_for_selector("#reinspection-form")

    # 6. not fixed → a case, routed to the department (the property company serving 航苑)
    page.check("#reinspection-form input[name=outcome][value=not_fixed]")
    page.fill("#reinspection-form textarea[name=note]", "复查：楼道堆物仍未清理")
    page.click("#save-reinspection")
    page.wait_for_selector("#escalated-case")
    case = Case.objects.get()
    assert case.source == Case.Source.PATROL and case.category.code == "fire.corridor_clutter"
    assert case.tier == "department" and case.assignee_org == world.orgs["property"]
    assert case.number in page.inner_text("#escalated-case") and "航苑物业" in page.inner_text("#escalated-case")
    hazard.refresh_from_db()
    assert hazard.case == case and hazard.status == Hazard.Status.ESCALATED
    fits(page)
    shoot(page, "patrols-8-not-fixed-case-phone")

    # the case page links back: the grid worker opens it (a whistle stays possible for the dispatcher)
    page.click("#escalated-case a")
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert notice.number in page.content()
    shoot(page, "patrols-9-case-phone")


def test_phone_screens_of_grid_work_fit_375px(world, open_page, shoot):
    """The other grid-work screens at 375 px: coverage, map, visits, disputes, the leader's list."""
    from linli.patrols import services
    from linli.people.scopes import resolve

    add_grid_work(world)
    services.seed_visit_rules(world.a)
    services.generate_visits(world.a, timezone.localdate())
    services.seed_point_rules(world.a, datetime.date(2020, 1, 1))
    services.generate_duties(world.a, timezone.localdate())
    s = resolve(world.accounts["grid_worker"])
    p = services.start_patrol(s)
    services.record_stop(s, p, building=world.buildings["A1"], seen="巡查楼栋")
    services.register_dispute(s, grid=world.grids["A1"], kind="neighbour", description="楼上漏水引发纠纷", parties=["王建国", "张伟"])
    page = open_page(PHONE_375)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    sign_in(page, "grid_worker", PASSWORD)
    staff = resolve(world.accounts["community_staff"])
    campaign = services.create_campaign(staff, world.a, kind="shop_fire", title="九小场所消防安全专项检查", target="venue",
                                        starts_on=timezone.localdate(), ends_on=timezone.localdate() + datetime.timedelta(days=30),
                                        items=["灭火器配备且在有效期内", "疏散通道畅通", "无违规住人"])
    dispute = services.register_dispute(s, grid=world.grids["A1"], kind="family", description="赡养费分摊矛盾", parties=["刘某", "刘某某"])
    services.record_mediation(s, dispute, at=timezone.now(), outcome="continue", notes="听取双方诉求",
                              mediators=[{"kind": "studio", "name": "秀蓉调解工作室"}])
    for path, name in [("/patrols/coverage/", "coverage"), ("/patrols/visits/", "visits"), ("/patrols/disputes/", "disputes"),
                       ("/patrols/hazards/", "hazards"), (f"/patrols/campaigns/{campaign.pk}/", "campaign"),
                       (f"/patrols/disputes/{dispute.pk}/", "dispute"), ("/patrols/leaders/", "leaders"), ("/patrols/visits/rules/", "rules")]:
        page.goto(page.base + path)
        fits(page)
        shoot(page, f"patrols-screen-{name}-phone")
    # the forms and lists a worker fills in on the phone: each fits, and so does everything inside it
    from linli.patrols.models import CareVisit
    from linli.people.scopes import system
    from linli.volunteers import services as volunteers

    volunteers.add_menu_item(system(), world.a, target_group="disabled", title="上门理发、代购生活用品与陪同就医（每月一次）")
    hazard = services.record_hazard(s, place=world.buildings["A1"], title="楼道堆物堵塞疏散通道", responsible_org=world.orgs["property"])
    services.issue_notice(s, [hazard], requirements="三日内清理一单元楼道堆物，保持疏散通道畅通", deadline=timezone.localdate())
    visit = CareVisit.objects.filter(person=world.persons["a2"], done_at__isnull=True).get()
    for path, selector, name in [(f"/patrols/visits/{visit.pk}/", "#visit-form", "visit-form"),
                                 ("/patrols/campaigns/", "table.list", "campaigns"),
                                 ("/patrols/notices/", "table.list", "notices"),
                                 ("/patrols/disputes/new/", "main form[method=post]", "dispute-new"),
                                 (f"/patrols/campaigns/{campaign.pk}/", "#inspect-form", "inspection-form")]:
        page.goto(page.base + path)
        fits(page)
        form_fits(page, selector)
        shoot(page, f"patrols-screen-{name}-phone")
    page.goto(page.base + f"/patrols/visits/{visit.pk}/")
    assert page.locator("#care-request input[name=care][value=order]").is_visible()
    form_fits(page, "#care-request")
    page.goto(page.base + "/patrols/map/")
    page.wait_for_selector("#map[data-loaded='1']")
    fits(page)
    shoot(page, "patrols-screen-map-phone")
    leader = open_page(PHONE_375)
    leader.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    sign_in(leader, "building_leader", PASSWORD)
    leader.goto(leader.base + "/patrols/leaders/me/")
    leader.fill("#open-items li:first-child input[name=note]", "收集意见8条")
    leader.click("#open-items li:first-child button")
    leader.wait_for_selector("#leader-points")
    assert leader.inner_text("#leader-points").startswith("2")
    fits(leader)
    shoot(leader, "patrols-screen-leader-phone")
