"""The micro-wish loop on phones, and every volunteers page at 375 px for a resident and for staff."""

import datetime

import pytest
from django.utils import timezone

from linli.people import services as people
from linli.people.scopes import resolve, system
from linli.testing.world import PASSWORD
from linli.volunteers import services
from linli.volunteers.models import Wish

from .conftest import sign_in
from .test_volunteers_loop import PHONE375, fits, phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8"
       b"\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def test_micro_wish_from_posting_to_thanks_on_phones(world, open_page, shoot):
    # 张伟 (a2) posts a wish; 王建国 (a1, an approved volunteer) claims and fulfils it with a photo; 张伟 thanks
    people.create_account(world.persons["a2"], "zhangwei", PASSWORD)
    v = services.register(system(), person=world.persons["a1"])
    services.decide(resolve(world.accounts["community_staff"]), v, approve=True)

    wisher = phone(open_page)
    sign_in(wisher, "zhangwei", PASSWORD)
    wisher.goto(wisher.base + "/volunteers/wishes/")
    wisher.fill("#id_text", "轮椅刹车坏了，想请人修一修")
    wisher.click("#wish-form button[type=submit]")
    wisher.wait_for_selector("#wish-status")
    w = Wish.objects.get()
    assert (w.status, w.person) == ("open", world.persons["a2"])
    shoot(wisher, "volunteers-wish-posted-phone")
    fits(wisher)

    helper = phone(open_page)
    sign_in(helper, "resident", PASSWORD)
    helper.goto(helper.base + "/volunteers/wishes/")
    listing = helper.inner_text("#open-wishes")
    assert "轮椅刹车坏了" in listing and "张伟" not in listing and "张*" in listing  # a masked name for the community
    helper.click(f"#open-wishes a[href='/volunteers/wishes/{w.pk}/']")
    helper.click("#claim")
    helper.wait_for_selector("#fulfil-form")
    helper.fill("#id_note", "换了刹车片，已经修好")
    helper.set_input_files("#id_photo", files=[{"name": "done.png", "mimeType": "image/png", "buffer": PNG}])
    helper.click("#fulfil-form button[type=submit]")
    helper.wait_for_selector("img.wish-photo")
    shoot(helper, "volunteers-wish-fulfilled-phone")
    fits(helper)
    assert Wish.objects.get().status == "fulfilled"

    wisher.reload()
    wisher.fill("#id_thanks", "谢谢王师傅！")
    wisher.click("#thank-form button[type=submit]")
    wisher.wait_for_selector("#thanks")
    assert wisher.inner_text("#thanks") == "谢谢王师傅！"
    shoot(wisher, "volunteers-wish-thanked-phone")
    fits(wisher)
    assert Wish.objects.get().status == "thanked"


def test_every_page_fits_a_phone(world, open_page, shoot):
    staff_scope = resolve(world.accounts["community_staff"])
    v = services.register(system(), person=world.persons["a1"], skills="理发")
    services.decide(staff_scope, v, approve=True)
    services.register(system(), person=world.persons["a3"], skills="量血压、教用手机、家电维修")  # pending
    now = timezone.now()
    act = services.create_activity(staff_scope, world.a, title="学雷锋志愿服务月义诊", place="社区党群服务站", kind="clinic",
                                   starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=2), capacity=5)
    services.add_plan_item(staff_scope, world.a, year=now.year, month=3, title="学雷锋志愿服务月义诊", kind="clinic")
    services.add_item(staff_scope, world.a, name="大米（5斤）", price=60, stock=10)
    services.add_menu_item(staff_scope, world.a, target_group="elderly", title="智能手机教学", description="一对一教用微信、健康码")
    services.create_team(staff_scope, world.a, name="益民志愿服务队", lead=v, services="助老、助残、助学", channel="党群服务站 每周三上午")
    services.sign_up(resolve(world.accounts["resident"]), act)
    rec = services.record_hours(staff_scope, act, v, minutes=120)
    services.certify(staff_scope, rec, rating=5)
    pages = {
        "resident": ["/volunteers/", "/volunteers/activities/", f"/volunteers/activities/{act.pk}/", "/volunteers/points/",
                     "/volunteers/shop/", "/volunteers/wishes/", "/volunteers/menu/", "/volunteers/plan/"],
        "community_staff": ["/volunteers/", "/volunteers/approvals/", "/volunteers/activities/", f"/volunteers/activities/{act.pk}/",
                            "/volunteers/shop/counter/", "/volunteers/awards/", "/volunteers/teams/", "/volunteers/plan/",
                            "/volunteers/menu/", f"/volunteers/people/{v.pk}/"],
    }
    for who, paths in pages.items():
        page = phone(open_page)
        sign_in(page, who, PASSWORD)
        for path in paths:
            page.goto(page.base + path)
            assert page.locator("main h1").count() >= 1, path
            name = "volunteers-" + who + "-" + (path.strip("/").replace("/", "-").replace("volunteers-", "") or "home").replace("volunteers", "home")
            shoot(page, name + "-phone")
            fits(page)
    assert PHONE375["width"] == 375
