import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.errors import OutOfScope
from linli.core.models import OutboxMessage
from linli.people.models import Organization
from linli.volunteers import queries, services
from linli.volunteers.models import Award, Posting, ServiceOrder, ServiceRecord, Wish

from .conftest import activity, approved, sc

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_micro_wish_from_posting_to_thanks(world, vol):
    # the grid worker posts for 张伟 (a2, disabled) who has no account
    w = services.post_wish(sc(world, "grid_worker"), person=world.persons["a2"], text="轮椅坏了，想请人修一修")
    assert (w.status, w.person, w.posted_by, w.masked_name) == ("open", world.persons["a2"], world.accounts["grid_worker"], "张*")
    assert list(queries.open_wishes(world.a)) == [w]
    with pytest.raises(ValidationError) as exc:
        services.fulfil_wish(sc(world, "community_staff"), w, note="修好了")
    assert exc.value.message_dict == {"wish": ["Wish: only a claimed wish can be fulfilled."]}
    services.claim_wish(sc(world, "resident"), w)
    w.refresh_from_db()
    assert (w.status, w.claimed_by) == ("claimed", vol)
    assert OutboxMessage.objects.filter(recipient=world.accounts["grid_worker"], event_key=f"wish:{w.pk}:claimed").exists()
    with pytest.raises(ValidationError) as exc:
        services.claim_wish(sc(world, "resident"), w)
    assert exc.value.message_dict == {"wish": ["Wish: someone has claimed it already."]}
    with pytest.raises(ValidationError) as exc:
        services.fulfil_wish(sc(world, "resident"), w, note="修好了", photo=SimpleUploadedFile("x.txt", b"not an image", "text/plain"))
    assert exc.value.message_dict == {"photo": ["Photo: must be a JPEG, PNG or WebP image."]}
    services.fulfil_wish(sc(world, "resident"), w, note="换了内胎，修好了", photo=SimpleUploadedFile("p.png", PNG, "image/png"))
    w.refresh_from_db()
    assert w.status == "fulfilled" and w.photo.read().startswith(b"\x89PNG")
    with pytest.raises(OutOfScope):
        services.thank_wish(sc(world, "resident_b"), w, text="谢谢")
    with pytest.raises(ValidationError) as exc:
        services.thank_wish(sc(world, "grid_worker"), w, text="")
    assert exc.value.message_dict == {"thanks": ["Thanks: required."]}
    services.thank_wish(sc(world, "grid_worker"), w, text="张伟说谢谢王师傅")
    w.refresh_from_db()
    assert (w.status, w.thanks) == ("thanked", "张伟说谢谢王师傅")
    assert OutboxMessage.objects.filter(recipient=world.accounts["resident"], event_key=f"wish:{w.pk}:thanked").exists()


def test_wish_refusals(world):
    with pytest.raises(OutOfScope):  # a resident cannot post for a stranger
        services.post_wish(sc(world, "resident"), person=world.persons["a3"], text="x")
    with pytest.raises(ValidationError) as exc:
        services.post_wish(sc(world, "resident"), text="  ")
    assert exc.value.message_dict == {"text": ["Wish: required."]}
    w = services.post_wish(sc(world, "resident"), text="想要一副老花镜")
    with pytest.raises(ValidationError) as exc:  # not a volunteer
        services.claim_wish(sc(world, "resident"), w)
    assert "not an approved volunteer" in exc.value.message_dict["volunteer"][0]
    approved(world)
    with pytest.raises(ValidationError) as exc:
        services.claim_wish(sc(world, "resident"), w)
    assert exc.value.message_dict == {"wish": ["Wish: you cannot claim your own wish."]}
    assert Wish.objects.get().status == "open"


def test_a_co_building_unit_claims_a_wish(world):
    unit = Organization.objects.create(kind="co_building", name="市供电公司", community=world.a)
    w = services.post_wish(sc(world, "resident"), text="楼道灯不亮")
    services.claim_wish(sc(world, "community_staff"), w, organization=unit)
    w.refresh_from_db()
    assert (w.status, w.claimed_org, w.claimed_by) == ("claimed", unit, None)
    services.fulfil_wish(sc(world, "community_staff"), w, note="供电公司志愿者换了灯")


def test_a_service_order_becomes_a_task_and_certified_hours(world, vol):
    staff = sc(world, "community_staff")
    item = services.add_menu_item(staff, world.a, target_group="elderly", title="智能手机教学", description="一对一教用微信、健康码")
    with pytest.raises(ValidationError) as exc:
        services.add_menu_item(staff, world.a, target_group="pets", title="遛狗")
    assert exc.value.message_dict == {"target_group": ["Target group: unknown group."]}
    with pytest.raises(ValidationError):
        services.order_service(sc(world, "resident_b"), item)  # not on their community's menu
    order = services.order_service(sc(world, "grid_worker"), item, person=world.persons["a1_spouse"], note="周二下午")
    services.claim_order(sc(world, "resident"), order)
    with pytest.raises(ValidationError):
        services.claim_order(sc(world, "resident"), order)
    with pytest.raises(ValidationError) as exc:
        services.complete_order(sc(world, "resident"), order, minutes=0)
    assert exc.value.message_dict == {"minutes": ["Minutes: must be above zero."]}
    rec = services.complete_order(sc(world, "resident"), order, minutes=90)
    assert ServiceOrder.objects.get().status == "done" and rec.order == order
    services.certify(staff, rec)
    assert services.account_of(vol).balance == 15  # 10 points an hour for menu tasks


def test_rankings_show_the_rule_and_awards_post_once(world, vol):
    staff = sc(world, "community_staff")
    a = activity(world)
    me = sc(world, "resident")
    services.sign_up(me, a)
    services.check_in(me, a, services.code_at(a))
    services.check_out(me, a, services.code_at(a))
    services.certify(staff, ServiceRecord.objects.get(), minutes=120, rating=5)
    today = timezone.localdate()
    rows = queries.ranking(world.a, today - datetime.timedelta(days=30), today)
    assert [(r["volunteer"], r["hours"], r["services"], r["rating"], r["score"]) for r in rows] == [(vol, 2.0, 1, 5.0, 2 + 2 + 25)]
    assert "hours served + 2" in str(queries.RULE)
    award = services.give_award(staff, vol, title="实践之星", level="excellence", period_start=today.replace(month=1, day=1), period_end=today, points=50)
    assert award.posting.amount == 50 and award.posting.source_key == f"award:{award.pk}"
    assert award.posting.cause == award
    assert services.account_of(vol).balance == 20 + 50
    with pytest.raises(ValidationError) as exc:
        services.give_award(staff, vol, title="实践之星", level="excellence", period_start=today.replace(month=1, day=1), period_end=today, points=50)
    assert exc.value.message_dict == {"volunteer": ["Volunteer: has this award for this period already."]}
    assert Award.objects.count() == 1 and Posting.objects.filter(kind="award").count() == 1
    assert services.account_of(vol).balance == 70
    with pytest.raises(OutOfScope):
        services.give_award(sc(world, "other_community_staff"), vol, title="参与奖", level="participation", period_start=today, period_end=today, points=5)
