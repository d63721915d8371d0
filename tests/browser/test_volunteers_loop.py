"""THE acceptance walk of the volunteers app on a 375-px phone: a resident registers, the community approves,
the resident signs up, checks in and out with the rotating code read from the organiser's phone, the organiser
certifies the hours, the hours and points appear, and the resident redeems them at the charity shop.

Time: check-in and check-out happen seconds apart in a test, so the organiser certifies the hours (120
minutes) on the page — the certify form is the real way an organiser corrects a record's minutes."""

import datetime
import re

import pytest
from django.utils import timezone

from linli.people.scopes import resolve
from linli.testing.world import PASSWORD
from linli.volunteers import services
from linli.volunteers.models import Redemption, ServiceRecord, ShopItem, SignUp, Volunteer

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE375 = {"width": 375, "height": 780}


def phone(open_page):
    page = open_page(PHONE375)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    return page


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE375["width"] + 1, page.url
    assert not page.errors, page.errors


def test_volunteer_loop_on_a_phone(world, open_page, shoot):
    # 1. the resident registers on the phone
    resident = phone(open_page)
    sign_in(resident, "resident", PASSWORD)
    resident.goto(resident.base + "/volunteers/")
    shoot(resident, "volunteers-home-resident-phone")
    fits(resident)
    resident.click("#register-link")
    resident.fill("#id_skills", "理发、量血压")
    resident.fill("#id_availability", "周末上午")
    resident.check("input[name=target_groups][value=elderly]")
    shoot(resident, "volunteers-register-phone")
    fits(resident)
    resident.click("#register-submit")
    resident.wait_for_selector("#my-status")
    v = Volunteer.objects.get()
    assert (v.status, v.skills, v.target_groups) == ("pending", "理发、量血压", ["elderly"])

    # 2. the community staff approves (on a phone too)
    staff = phone(open_page)
    sign_in(staff, "community_staff", PASSWORD)
    staff.goto(staff.base + "/volunteers/")
    staff.click("#link-approvals")
    staff.click(f"#pending-{v.pk} button[value=approve]")
    staff.wait_for_selector(".msg")
    shoot(staff, "volunteers-approvals-phone")
    fits(staff)
    v.refresh_from_db()
    assert v.status == "approved"

    # an activity and a shop item, made by the staff through the services
    now = timezone.now()
    act = services.create_activity(resolve(world.accounts["community_staff"]), world.a, title="重阳节义诊", place="社区服务站",
                                   kind="clinic", starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=3),
                                   capacity=10, points_per_hour=10)
    item = services.add_item(resolve(world.accounts["community_staff"]), world.a, name="洗衣液", price=15, stock=3)

    # 3. the resident signs up
    resident.goto(resident.base + "/volunteers/")
    assert resident.inner_text("#balance") == "0"
    resident.goto(resident.base + f"/volunteers/activities/{act.pk}/")
    resident.click("#signup")
    resident.wait_for_selector("#code-form")
    assert SignUp.objects.get().status == "confirmed"

    # 4. check in with the code read from the organiser's phone
    staff.goto(staff.base + f"/volunteers/activities/{act.pk}/")
    code = staff.inner_text("#current-code").strip()
    assert re.fullmatch(r"\d{6}", code)
    shoot(staff, "volunteers-organiser-code-phone")
    fits(staff)
    resident.fill("#id_code", "000000" if code != "000000" else "111111")  # a wrong code first: refused, nothing changes
    resident.click("#code-submit")
    resident.wait_for_selector(".msg.error")
    assert SignUp.objects.get().checked_in_at is None
    resident.fill("#id_code", code)
    resident.click("#code-submit")
    resident.wait_for_selector(".msg.success")
    assert SignUp.objects.get().checked_in_at is not None
    shoot(resident, "volunteers-checked-in-phone")
    fits(resident)

    # 5. check out with the (possibly rotated) current code
    staff.reload()
    code = staff.inner_text("#current-code").strip()
    resident.fill("#id_code", code)
    resident.click("#code-submit")
    resident.wait_for_selector(".msg.success")
    s = SignUp.objects.get()
    assert s.checked_out_at is not None and ServiceRecord.objects.filter(signup=s).exists()

    # 6. the organiser certifies 120 minutes with a rating
    staff.reload()
    rec = ServiceRecord.objects.get()
    staff.fill(f"#record-{rec.pk} input[name=minutes]", "120")
    staff.select_option(f"#record-{rec.pk} select[name=rating]", "5")
    staff.click(f"#record-{rec.pk} button[type=submit]")
    staff.wait_for_selector(f"#record-{rec.pk} .badge.ok")
    shoot(staff, "volunteers-certified-phone")
    fits(staff)

    # 7. hours and points appear for the resident
    resident.goto(resident.base + "/volunteers/points/")
    assert resident.inner_text("#balance") == "20"
    assert resident.inner_text("#hours") == "2.0"
    assert "重阳节义诊" in resident.inner_text("#postings")
    shoot(resident, "volunteers-points-phone")
    fits(resident)

    # 8. the resident reserves a shop item: balance and stock change
    resident.goto(resident.base + "/volunteers/shop/")
    assert resident.inner_text(f"#item-{item.pk} .stock") == "3"
    resident.click(f"#item-{item.pk} button[type=submit]")
    resident.wait_for_selector("#my-redemptions")
    assert resident.inner_text("#balance") == "5"
    assert resident.inner_text(f"#item-{item.pk} .stock") == "2"
    shoot(resident, "volunteers-shop-phone")
    fits(resident)
    r = Redemption.objects.get()
    assert (r.points, r.status) == (15, "reserved") and ShopItem.objects.get(pk=item.pk).stock == 2
    assert services.account_of(v).balance == 5 == services.balance_of(services.account_of(v))

    # 9. the counter hands it over
    staff.goto(staff.base + "/volunteers/shop/counter/")
    staff.click("#reserved button.btn")
    staff.wait_for_selector(".msg.success")
    shoot(staff, "volunteers-counter-phone")
    fits(staff)
    assert Redemption.objects.get().status == "collected"


def test_public_page_on_a_phone_without_signing_in(world, open_page, shoot):
    s = resolve(world.accounts["community_staff"])
    services.create_team(s, world.a, name="益民志愿服务队", services="义诊、理发、助老", channel="社区服务站 周三上午")
    services.add_menu_item(s, world.a, target_group="elderly", title="防诈骗讲座")
    page = phone(open_page)
    page.goto(page.base + f"/volunteers/public/{world.a.pk}/")
    assert "益民志愿服务队" in page.content()
    shoot(page, "volunteers-public-phone")
    fits(page)
