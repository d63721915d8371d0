"""THE acceptance walk of 吹哨报到: a resident's phone report to the closing report and the resident's verdict,
across the accounts involved, each in its own browser context."""

import datetime
import re

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from linli.cases.models import Case, Summons
from linli.cases.tests.conftest import cats  # noqa: F401  (fixture: categories, urban-management department and contact)
from linli.testing.world import PASSWORD

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def _png(width=48, height=32, rgb=(120, 90, 40)) -> bytes:
    """A real (tiny, brown) PNG so the photo shows in the screenshots."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = _png()


def browser_page(open_page, viewport):
    page = open_page(viewport)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))  # no favicon yet; not this test's concern
    return page


def case_page(page, case):
    page.goto(page.base + f"/cases/{case.pk}/")
    assert not page.errors, page.errors


def test_whistle_loop_from_the_residents_phone_to_the_closing_report(world, cats, open_page, shoot):  # noqa: F811
    # 1. 收集问题: the resident reports from the phone page (own home is the default place)
    resident = browser_page(open_page, PHONE)
    sign_in(resident, "resident", PASSWORD)
    resident.goto(resident.base + "/cases/new/")
    assert resident.locator("input[name=place][value=home]").is_checked()
    assert resident.locator("input[type=file][name=photos]").get_attribute("accept") == "image/*"
    resident.fill("#id_description", "菜市场门口污水外溢，流到小区门口，臭味很大")
    resident.select_option("#id_category", "env.sewage")
    resident.set_input_files("input[name=photos]", files=[{"name": "sewage.png", "mimeType": "image/png", "buffer": PNG}])
    shoot(resident, "cases-resident-report-phone")
    # the page fits a phone: nothing wider than the viewport
    assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    resident.click("#submit-report")
    resident.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.source == "resident" and case.category.code == "env.sewage" and case.photos.count() == 1
    assert case.number in resident.content()
    resident.locator("#facts .photos img").scroll_into_view_if_needed()
    # the photo is served; polled by Playwright's own script (a string predicate would need eval, which the CSP forbids)
    expect(resident.locator("#facts .photos img")).to_have_js_property("naturalWidth", 48)
    shoot(resident, "cases-resident-reported-phone")

    # 2. the community staff accepts and proposes a plan (提出方案), then blows the whistle (吹哨通知)
    staff = browser_page(open_page, DESKTOP)
    sign_in(staff, "community_staff", PASSWORD)
    staff.goto(staff.base + "/cases/?view=mine")
    assert case.number in staff.content()
    case_page(staff, case)
    staff.click("#btn-accept")
    staff.wait_for_selector("#btn-plan")
    staff.fill("#plan textarea[name=summary]", "联合城管疏通菜市场排污管网，物业负责日常巡查")
    staff.fill("#plan input[name=option_1]", "疏通管网")
    staff.fill("#plan input[name=cost_1]", "2000元")
    staff.fill("#plan input[name=option_2]", "加装隔油池")
    staff.click("#btn-plan")
    staff.wait_for_selector("#plans")
    staff.check(f"#whistle input[name=departments][value='{world.orgs['urban'].pk}']")
    staff.fill("#whistle textarea[name=reason]", "污水外溢涉及市政管网，需城管执法队到场")
    staff.fill("#whistle input[name=report_in_hours]", "4")
    staff.click("#btn-whistle")
    staff.wait_for_selector("#whistle-status")
    case.refresh_from_db()
    assert case.state == "whistled"
    shoot(staff, "cases-staff-whistled")

    # 3. 报到: the urban-management contact signs in and reports in
    urban = browser_page(open_page, PHONE)
    sign_in(urban, "urban_contact", PASSWORD)
    summons = Summons.objects.get(whistle__case=case)
    case_page(urban, case)
    urban.fill(f"form:has(#report-in-{summons.pk}) input[name=note]", "城管执法队已到场查看")
    urban.click(f"#report-in-{summons.pk}")
    urban.wait_for_selector("#whistle-status .badge.ok")
    assert Summons.objects.get(pk=summons.pk).status == "on_time"
    shoot(urban, "cases-department-reported-in-phone")

    # 4. 召开会议: the staff records the meeting with a resolution owned by the department
    case_page(staff, case)
    staff.fill("#meeting input[name=place]", "社区议事厅")
    staff.select_option("#meeting select[name=chair]", label=world.persons["community_secretary"].name)
    staff.select_option(f"#meeting select[name=att_org_{world.orgs['urban'].pk}]", "present")
    staff.select_option(f"#meeting select[name=att_person_{world.persons['community_secretary'].pk}]", "present")
    staff.fill("#meeting textarea[name=minutes]", "议定：城管负责疏通排污管网，物业负责日常巡查。")
    staff.fill("#meeting input[name=res_1_text]", "疏通菜市场排污管网")
    staff.select_option("#meeting select[name=res_1_owner]", f"org:{world.orgs['urban'].pk}")
    staff.fill("#meeting input[name=res_1_due]", (timezone.localdate() + datetime.timedelta(days=2)).isoformat())
    staff.click("#btn-meeting")
    staff.wait_for_selector(".meeting")
    action = case.meetings.get().actions.get()
    assert action.owner_org == world.orgs["urban"]

    # 5. 落实决议: the department marks the action done
    case_page(urban, case)
    urban.fill(f"form:has(#action-done-{action.pk}) input[name=note]", "管网已疏通，现场已清理")
    urban.click(f"#action-done-{action.pk}")
    urban.wait_for_selector(f"#action-{action.pk} .badge.ok")

    # the staff resolves
    case_page(staff, case)
    staff.fill("#resolve textarea[name=result]", "管网疏通，污水不再外溢")
    staff.click("#btn-resolve")
    staff.wait_for_selector(".state-resolved")

    # 民评: the resident is not satisfied: the case reopens
    case_page(resident, case)
    assert resident.locator(".state-resolved").count() == 1
    shoot(resident, "cases-resident-rate-phone")
    resident.check("input[name=verdict][value=unsatisfied]")
    resident.fill("#rate textarea[name=comment]", "下雨后又冒出来了")
    resident.click("#rate button[type=submit]")
    resident.wait_for_selector(".state-accepted")
    case.refresh_from_db()
    assert (case.state, case.rework_count) == ("accepted", 1)

    # the staff resolves again, the resident is satisfied: closed
    case_page(staff, case)
    staff.fill("#resolve textarea[name=result]", "加装隔油池，雨天复查无外溢")
    staff.click("#btn-resolve")
    staff.wait_for_selector(".state-resolved")
    case_page(resident, case)
    resident.check("input[name=verdict][value=satisfied]")
    resident.fill("#rate textarea[name=comment]", "谢谢社区和城管")
    resident.click("#rate button[type=submit]")
    resident.wait_for_selector(".state-closed")
    assert "下雨后又冒出来了" in resident.content()  # the public timeline keeps the first verdict
    shoot(resident, "cases-resident-closed-phone")
    case.refresh_from_db()
    assert case.state == "closed" and case.verdict == "satisfied"

    # 6. 结案报告: the closing report shows the six steps, and the PDF downloads
    case_page(staff, case)
    staff.click("#closing-report-link")
    staff.wait_for_selector("#six-steps")
    steps = staff.locator("#six-steps > li > h2").all_inner_texts()
    assert len(steps) == 6
    body = staff.locator("#six-steps").inner_text()
    for text in ("疏通管网", "平城区城管执法队", "社区议事厅", "疏通菜市场排污管网", "加装隔油池，雨天复查无外溢"):
        assert text in body, text
    shoot(staff, "cases-closing-report")
    with staff.expect_download() as info:
        staff.click("#pdf-link")
    with open(info.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"

    # the public board shows the case without personal data
    anon = browser_page(open_page, PHONE)
    anon.goto(anon.base + f"/board/{world.a.pk}/")
    html = anon.content()
    assert case.number in html and "王建国" not in html and "13800000001" not in html
    shoot(anon, "cases-board-phone")
    assert not (resident.errors or staff.errors or urban.errors or anon.errors), (resident.errors, staff.errors, urban.errors, anon.errors)
