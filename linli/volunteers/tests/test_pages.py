import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.volunteers import services
from linli.volunteers.models import Posting, Redemption, SignUp, Volunteer, Wish
from linli.testing.pages import two_pages

from .conftest import activity, fund, sc


def as_(client, world, key):
    client.force_login(world.accounts[key])
    return client


PAGES = ["home", "register", "activities", "plan", "shop", "wishes", "menu"]
STAFF_PAGES = ["approvals", "counter", "awards"]


def test_every_page_renders_for_a_resident_and_staff(client, world, vol):
    act = activity(world)
    for key in ("resident", "community_staff"):
        as_(client, world, key)
        for name in PAGES + (STAFF_PAGES if key == "community_staff" else []):
            r = client.get(reverse(f"volunteers:{name}"))
            assert r.status_code == 200, (key, name)
        assert client.get(reverse("volunteers:activity", args=[act.pk])).status_code == 200
    as_(client, world, "resident")
    assert client.get(reverse("volunteers:points")).status_code == 200
    for name in STAFF_PAGES:
        assert client.get(reverse(f"volunteers:{name}")).status_code == 403, name
    assert client.get(reverse("volunteers:activity_code", args=[act.pk])).status_code == 403


def test_home_shows_the_menu_entry_and_what_a_resident_can_do(client, world):
    body = as_(client, world, "resident").get(reverse("volunteers:home")).content.decode()
    assert reverse("volunteers:home") in body and reverse("volunteers:register") in body
    staff_body = as_(client, world, "community_staff").get(reverse("volunteers:home")).content.decode()
    assert reverse("volunteers:approvals") in staff_body and reverse("volunteers:counter") in staff_body


def test_register_and_approve_through_the_pages(client, world):
    as_(client, world, "resident").post(reverse("volunteers:register"), {"skills": "量血压", "target_groups": ["elderly"]})
    v = Volunteer.objects.get()
    assert (v.skills, v.target_groups, v.status) == ("量血压", ["elderly"], "pending")
    r = as_(client, world, "resident").post(reverse("volunteers:register"), {"target_groups": ["nobody"]}, follow=True)
    assert 'class="msg error"' in r.content.decode()  # refused, the message shown, nothing changed
    assert Volunteer.objects.count() == 1 and Volunteer.objects.get().skills == "量血压"
    as_(client, world, "other_community_staff")
    assert client.post(reverse("volunteers:decide", args=[v.pk]), {"decision": "approve"}).status_code == 404
    as_(client, world, "community_staff").post(reverse("volunteers:decide", args=[v.pk]), {"decision": "approve"})
    v.refresh_from_db()
    assert v.status == "approved"


def test_sign_up_check_in_with_the_code_and_redeem_through_the_pages(client, world, vol):
    act = activity(world)
    as_(client, world, "resident")
    client.post(reverse("volunteers:activity_action", args=[act.pk, "signup"]))
    assert SignUp.objects.get().status == "confirmed"
    r = client.post(reverse("volunteers:activity_action", args=[act.pk, "checkin"]), {"code": "abcdef"}, follow=True)
    assert SignUp.objects.get().checked_in_at is None and 'class="msg error"' in r.content.decode()
    client.post(reverse("volunteers:activity_action", args=[act.pk, "checkin"]), {"code": services.code_at(act)})
    assert SignUp.objects.get().checked_in_at is not None
    client.post(reverse("volunteers:activity_action", args=[act.pk, "checkout"]), {"code": services.code_at(act)})
    rec = SignUp.objects.get().service_record
    as_(client, world, "community_staff")
    page = client.get(reverse("volunteers:activity", args=[act.pk])).content.decode()
    assert services.code_at(act) in page
    fragment = client.get(reverse("volunteers:activity_code", args=[act.pk])).content.decode()  # what htmx reloads every 5 s
    assert 'hx-trigger="every 5s"' in fragment and services.code_at(act) in fragment
    client.post(reverse("volunteers:certify", args=[rec.pk]), {"minutes": "90", "rating": "4"})
    assert services.account_of(vol).balance == 15
    item = services.add_item(sc(world, "community_staff"), world.a, name="毛巾", price=10, stock=2)
    as_(client, world, "resident")
    client.post(reverse("volunteers:shop"), {"item": item.pk, "quantity": "1", "token": "t1"})
    client.post(reverse("volunteers:shop"), {"item": item.pk, "quantity": "1", "token": "t1"})  # double submit
    assert Redemption.objects.count() == 1 and services.account_of(vol).balance == 5
    item.refresh_from_db()
    assert item.stock == 1


def test_the_wish_loop_through_the_pages(client, world, vol):
    from linli.people import services as people
    from linli.testing.world import PASSWORD
    people.create_account(world.persons["a2"], "r2", PASSWORD)
    world.accounts["r2"] = type(world.accounts["resident"]).objects.get(username="r2")
    as_(client, world, "r2").post(reverse("volunteers:wishes"), {"text": "想要一个台灯给孙子写作业"})
    w = Wish.objects.get()
    listing = as_(client, world, "resident").get(reverse("volunteers:wishes")).content.decode()
    assert "想要一个台灯" in listing and "张伟" not in listing and "张*" in listing
    client.post(reverse("volunteers:wish", args=[w.pk]), {"action": "claim"})
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    from django.core.files.uploadedfile import SimpleUploadedFile
    client.post(reverse("volunteers:wish", args=[w.pk]), {"action": "fulfil", "note": "送去了台灯", "photo": SimpleUploadedFile("a.png", png, "image/png")})
    w.refresh_from_db()
    assert w.status == "fulfilled" and w.photo.name.endswith(".png")
    as_(client, world, "r2").post(reverse("volunteers:wish", args=[w.pk]), {"action": "thank", "thanks": "谢谢王大爷"})
    w.refresh_from_db()
    assert (w.status, w.thanks) == ("thanked", "谢谢王大爷")


def test_public_page_needs_no_login_and_leaks_no_private_data(client, world, vol):
    s = sc(world, "community_staff")
    services.create_team(s, world.a, name="邻里互助志愿服务队", lead=vol, services="理发、义诊", channel="社区服务站 每月15日")
    services.add_menu_item(s, world.a, target_group="elderly", title="防诈骗讲座")
    services.post_wish(sc(world, "resident"), text="想学用智能手机")
    activity(world, title="消防演练")
    body = client.get(reverse("volunteers:public", args=[world.a.pk])).content.decode()
    assert "邻里互助志愿服务队" in body and "社区服务站 每月15日" in body and "防诈骗讲座" in body and "消防演练" in body
    for p in world.persons.values():
        assert p.name not in body, p.name
        assert p.phone not in body and (not p.id_number or p.id_number not in body)
    assert "想学用智能手机" not in body  # wishes are counted, not listed, for strangers
    assert client.get(reverse("volunteers:public", args=[999999])).status_code == 404


def test_staff_correct_a_posting_on_the_volunteer_page(client, world, vol):
    p = fund(world, vol, 30, key="k")
    as_(client, world, "community_staff")
    page = client.get(reverse("volunteers:volunteer", args=[vol.pk])).content.decode()
    assert f'id="correct-{p.pk}"' in page
    client.post(reverse("volunteers:volunteer", args=[vol.pk]), {"what": "correct", "posting": p.pk, "amount": "10", "reason": ""})
    assert Posting.objects.count() == 1  # no reason: refused
    client.post(reverse("volunteers:volunteer", args=[vol.pk]), {"what": "correct", "posting": p.pk, "amount": "10", "reason": "多记一小时"})
    assert Posting.objects.count() == 2 and services.account_of(vol).balance == 20
    as_(client, world, "resident")
    assert client.post(reverse("volunteers:volunteer", args=[vol.pk]), {"what": "correct", "posting": p.pk, "amount": "5", "reason": "x"}).status_code == 404
    as_(client, world, "other_community_staff")
    assert client.get(reverse("volunteers:volunteer", args=[vol.pk])).status_code == 404
    assert Posting.objects.count() == 2


def test_teams_page_keeps_membership_history(client, world, vol):
    as_(client, world, "community_staff")
    client.post(reverse("volunteers:teams"), {"what": "create", "name": "益民志愿服务队", "lead": vol.pk, "channel": "社区服务站"})
    from linli.volunteers.models import Team, TeamMembership
    team = Team.objects.get()
    m = TeamMembership.objects.get()
    client.post(reverse("volunteers:teams"), {"what": "leave", "membership": m.pk})
    client.post(reverse("volunteers:teams"), {"what": "join", "team": team.pk, "volunteer": vol.pk})
    assert TeamMembership.objects.count() == 2 and TeamMembership.objects.filter(until__isnull=True).count() == 1
    assert "益民志愿服务队" in client.get(reverse("volunteers:teams")).content.decode()
    assert as_(client, world, "resident").get(reverse("volunteers:teams")).status_code == 403


def test_the_points_book_prints_as_pdf(client, world, vol):
    import re
    import zlib

    p = fund(world, vol, 30, key="k")
    services.correct(sc(world, "community_staff"), p, amount=5, reason="更正")
    r = as_(client, world, "resident").get(reverse("volunteers:points_pdf"))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    body = r.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", body)) == 1 and b"/FontFile" in body  # one page and the embedded CJK font
    # the font subset's ToUnicode map lists every character drawn: the title, the name and the reasons are there
    drawn = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            text = zlib.decompress(stream).decode("latin-1")
        except zlib.error:  # fpdf2 leaves the ToUnicode map uncompressed
            text = stream.decode("latin-1")
        if "beginbfchar" in text or "beginbfrange" in text:
            drawn |= {chr(int(h, 16)) for h in re.findall(r"<([0-9A-Fa-f]{4})>\s*$", text, re.M)}
            drawn |= {chr(int(h, 16)) for h in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{4})>", text)}
    for word in ("积分簿", "王建国", "测试发放", "更正", "余额"):
        assert set(word) <= drawn, (word, set(word) - drawn)
    assert as_(client, world, "community_staff").get(reverse("volunteers:volunteer_pdf", args=[vol.pk])).content.startswith(b"%PDF-")
    assert as_(client, world, "other_community_staff").get(reverse("volunteers:volunteer_pdf", args=[vol.pk])).status_code == 404
    assert as_(client, world, "resident_b").get(reverse("volunteers:points_pdf")).status_code == 404


def test_staff_create_and_call_off_an_activity_on_the_page(client, world, vol):
    as_(client, world, "community_staff")
    start = (timezone.localtime() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    fmt = "%Y-%m-%dT%H:%M"
    data = {"title": "每月义务理发", "kind": "haircut", "audience": "volunteers", "place": "社区服务站", "starts_at": start.strftime(fmt),
            "ends_at": (start - datetime.timedelta(hours=1)).strftime(fmt), "capacity": "4", "waitlist_size": "2", "points_per_hour": "10",
            "target_group": "elderly"}
    r = client.post(reverse("volunteers:activities"), data, follow=True)
    from linli.volunteers.models import Activity
    assert Activity.objects.count() == 0 and 'class="msg error"' in r.content.decode()  # ends before it starts: refused
    data["ends_at"] = (start + datetime.timedelta(hours=2)).strftime(fmt)
    client.post(reverse("volunteers:activities"), data)
    act = Activity.objects.get()
    assert (act.title, act.capacity, act.starts_at) == ("每月义务理发", 4, start)
    services.sign_up(sc(world, "resident"), act)
    client.post(reverse("volunteers:activity_action", args=[act.pk, "call-off"]), {"reason": "下雨改期"})
    act.refresh_from_db()
    assert act.cancelled
    from linli.core.models import OutboxMessage
    assert OutboxMessage.objects.filter(recipient=world.accounts["resident"], event_key=f"activity:{act.pk}:cancelled").exists()
    from django.core.exceptions import ValidationError
    from django.utils import translation
    with pytest.raises(ValidationError) as exc, translation.override("en"):  # the request above left zh-Hans active
        services.check_in(sc(world, "resident"), act, services.code_at(act))
    assert exc.value.message_dict == {"code": ["Code: the activity was cancelled."]}


def test_a_grid_worker_posts_a_wish_for_a_resident_in_need(client, world):
    as_(client, world, "grid_worker")
    page = client.get(reverse("volunteers:wishes")).content.decode()
    a2 = world.persons["a2"]  # disabled, in grid A1
    assert f'<option value="{a2.pk}">' in page and f'<option value="{world.persons["b1"].pk}">' not in page
    client.post(reverse("volunteers:wishes"), {"text": "想请人陪同去医院复查", "person": a2.pk})
    w = Wish.objects.get()
    assert (w.person, w.posted_by) == (a2, world.accounts["grid_worker"])
    r = client.post(reverse("volunteers:wishes"), {"text": "冒名", "person": world.persons["b1"].pk}, follow=True)  # outside the area
    assert 'class="msg error"' in r.content.decode() and Wish.objects.count() == 1


@pytest.mark.parametrize("key", ["resident", "resident_b", "building_leader", "entrance_leader", "grid_worker", "micro_grid_worker",
                                 "community_secretary", "community_staff", "subdistrict_staff", "other_community_staff",
                                 "department_contact", "property_manager", "admin"])
def test_the_volunteers_home_renders_for_every_role(client, world, key):
    activity(world)
    r = as_(client, world, key).get(reverse("volunteers:home"))
    assert r.status_code == 200
    staff = key in ("community_secretary", "community_staff", "other_community_staff", "admin")
    assert ('id="staff-panel"' in r.content.decode()) == staff
    assert client.get(reverse("volunteers:activities")).status_code == 200
    assert client.get(reverse("volunteers:wishes")).status_code == 200


def test_the_volunteer_register_downloads_as_excel(client, world, vol):
    from linli.core.excel import read_all
    from linli.people.models import Organization

    party = Organization.objects.create(kind="party", name="柳航里社区党委", party_level="community_committee", community=world.a)
    from linli.people import services as people
    from linli.people.scopes import system
    people.update_person(system(), world.persons["a3"], political_status="party_member")
    world.persons["a3"].refresh_from_db()
    v3 = services.register(system(), person=world.persons["a3"], party_member=True, party_org=party, target_groups=["elderly"])
    act = activity(world)
    rec = services.record_hours(sc(world, "community_staff"), act, vol, minutes=90)
    services.certify(sc(world, "community_staff"), rec)
    r = as_(client, world, "community_staff").get(reverse("volunteers:register_xlsx"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_all(r.content)
    header, body = rows[0], rows[1:]
    assert header[0] == "姓名" and "积分" not in header[0]
    by_name = {row[0]: row for row in body}
    assert set(by_name) == {"王建国", "刘芳"}
    assert by_name["王建国"][7:10] == [1.5, 1, 15]
    assert by_name["刘芳"][1] == "待审核" and by_name["刘芳"][5] == "柳航里社区党委" and by_name["刘芳"][4] == "老年人"
    assert v3.status == "pending"
    assert as_(client, world, "resident").get(reverse("volunteers:register_xlsx")).status_code == 403


def test_a_team_lead_sees_the_desk_but_not_approvals_or_awards(client, world):
    import datetime as dt

    from linli.core import roles
    from linli.people import services as people
    from linli.people.scopes import system
    from linli.testing.world import PASSWORD
    p = people.register_person(system(), community=world.a, name="卢队长", phone="13900007777")
    people.appoint(system(), p, roles.VOLUNTEER_TEAM_LEAD, world.a, starts_on=dt.date(2020, 1, 1))
    people.create_account(p, "team_lead", PASSWORD)
    client.login(username="team_lead", password=PASSWORD)
    home = client.get(reverse("volunteers:home")).content.decode()
    assert 'id="staff-panel"' in home and 'id="link-approvals"' not in home
    assert client.get(reverse("volunteers:counter")).status_code == 200
    assert client.get(reverse("volunteers:approvals")).status_code == 403
    assert client.get(reverse("volunteers:awards")).status_code == 403


def test_the_wishes_page_reads_the_residents_in_need_in_a_fixed_number_of_queries(client, world):
    """The 'for a resident' list names each one with their dwelling: no query per resident."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.people.models import PersonTag

    as_(client, world, "community_staff")

    def count():
        with CaptureQueriesContext(connection) as q:
            page = client.get(reverse("volunteers:wishes")).content.decode()
        return len(q), page

    count()  # the caches of the scope and the token (linli.core.memo) filled, as for every later page
    few, page = count()
    assert world.persons["a3"].name not in page
    PersonTag.objects.get_or_create(person=world.persons["a3"], tag="living_alone")  # another building, another grid
    more, page = count()
    assert world.persons["a3"].name in page
    assert more == few


def test_the_organisers_qr_holds_the_check_in_link_with_the_current_code(client, world, vol):
    """Scanning the QR opens the activity page with the code filled in; the code in it is the one that checks in."""
    import html
    import re

    act = activity(world)
    as_(client, world, "resident")
    client.post(reverse("volunteers:activity_action", args=[act.pk, "signup"]))
    as_(client, world, "community_staff")
    fragment = client.get(reverse("volunteers:activity_code", args=[act.pk])).content.decode()
    assert "<svg" in fragment and 'class="qr"' in fragment
    link = html.unescape(re.search(r'id="code-qr" data-link="([^"]+)"', fragment).group(1))
    assert link == f"http://testserver{reverse('volunteers:activity', args=[act.pk])}?code={services.code_at(act)}"
    as_(client, world, "resident")
    page = client.get(link.removeprefix("http://testserver")).content.decode()
    code = re.search(r'name="code" id="id_code"[^>]* value="(\d*)"', page).group(1)
    assert code == services.code_at(act)
    client.post(reverse("volunteers:activity_action", args=[act.pk, "checkin"]), {"code": code})
    assert SignUp.objects.get(activity=act).checked_in_at is not None


def test_the_desk_registers_a_resident_signs_them_up_and_records_paper_hours(client, world, vol):
    """For residents without a phone: the desk finds them by name, registers them (approval as usual), signs a
    volunteer up, and records hours from the paper sheet, which are then certified like any other."""
    from linli.volunteers.models import ServiceRecord

    spouse = world.persons["a1_spouse"]
    as_(client, world, "community_staff")
    found = client.get(reverse("volunteers:approvals"), {"q": spouse.name[:1]}).content.decode()
    assert f'value="{spouse.pk}"' in found
    assert f'value="{world.persons["a1"].pk}"' not in found  # already registered (the vol fixture)
    client.post(reverse("volunteers:approvals"), {"person": world.persons["b1"].pk})  # another community: refused
    assert not Volunteer.objects.filter(person=world.persons["b1"]).exists()
    client.post(reverse("volunteers:approvals"), {"person": spouse.pk, "skills": "剪纸"})
    v = Volunteer.objects.get(person=spouse)
    assert v.status == "pending" and v.skills == "剪纸"
    client.post(reverse("volunteers:decide", args=[v.pk]), {"decision": "approve"})

    act = activity(world)
    page = client.get(reverse("volunteers:activity", args=[act.pk]), {"who": spouse.name}).content.decode()
    assert 'id="desk-signup"' in page and f'name="person" value="{spouse.pk}"' in page
    client.post(reverse("volunteers:activity_action", args=[act.pk, "desk-signup"]), {"person": spouse.pk, "confirm": "yes"})
    assert SignUp.objects.get(activity=act, person=spouse).status == "confirmed"
    # the paper sheet's select: the approved volunteers signed up, and whom the desk found — never the whole community
    page = client.get(reverse("volunteers:activity", args=[act.pk])).content.decode()
    paper = page[page.index('id="paper-hours"'):page.index("</form>", page.index('id="paper-hours"'))]
    assert re.findall(r'<option value="(\d+)"', paper) == [str(v.pk)]
    a1 = Volunteer.objects.get(person=world.persons["a1"])  # approved (the vol fixture), not signed up
    found = client.get(reverse("volunteers:activity", args=[act.pk]), {"vwho": world.persons["a1"].name}).content.decode()
    paper = found[found.index('id="paper-hours"'):found.index("</form>", found.index('id="paper-hours"'))]
    assert f'<option value="{a1.pk}">' in paper and f'<option value="{v.pk}">' in paper
    nobody = client.get(reverse("volunteers:activity", args=[act.pk]), {"vwho": world.persons["b1"].name}).content.decode()
    assert 'id="paper-none"' in nobody  # another community's resident is not offered
    r = client.post(reverse("volunteers:activity_action", args=[act.pk, "paper-hours"]), {"volunteer": v.pk, "minutes": "0"}, follow=True)
    assert not ServiceRecord.objects.filter(volunteer=v).exists() and 'class="msg error"' in r.content.decode()
    client.post(reverse("volunteers:activity_action", args=[act.pk, "paper-hours"]), {"volunteer": v.pk, "minutes": "90"})
    rec = ServiceRecord.objects.get(volunteer=v)
    assert rec.minutes == 90 and rec.certified_at is None
    client.post(reverse("volunteers:certify", args=[rec.pk]), {"minutes": "90"})
    assert services.account_of(v).balance == 15  # 1.5 h × 10 points

    as_(client, world, "resident")  # not staff: the desk is closed to residents
    assert client.post(reverse("volunteers:approvals"), {"person": world.persons["a2"].pk}).status_code == 403
    assert not Volunteer.objects.filter(person=world.persons["a2"]).exists()


def test_the_desk_sign_up_has_its_own_label_no_preselected_person_and_a_confirmation(client, world, vol):
    """Issue 14, fix 1: the desk's sign-up was a second "我要报名" that signed up whoever came first in the list. It is now
    代为报名 with an empty, required first option; posting it shows a page naming the person, and only the confirmation
    signs them up. Calling the activity off sits in its own box, away from the desk."""
    import re

    spouse = world.persons["a1_spouse"]
    as_(client, world, "community_staff")
    act = activity(world, audience="residents")
    page = client.get(reverse("volunteers:activity", args=[act.pk])).content.decode()
    desk = re.search(r'<form[^>]*id="desk-signup".*?</form>', page, re.S).group(0)
    assert 'name="person"' not in desk and 'id="who-first"' in desk  # nobody listed until the desk looks someone up
    page = client.get(reverse("volunteers:activity", args=[act.pk]), {"who": spouse.name[:1]}).content.decode()
    assert page.count("我要报名") <= 1  # only the organiser's own sign-up, never the desk's
    assert '<h3 id="desk-signup-title">代为报名</h3>' in page
    desk = re.search(r'<form[^>]*id="desk-signup".*?</form>', page, re.S).group(0)
    assert "我要报名" not in desk
    radios = re.findall(r'<input type="radio" name="person" value="(\d+)"([^>]*)>', desk)
    assert str(spouse.pk) in [pk for pk, _ in radios]
    assert all("required" in attrs and "checked" not in attrs for _, attrs in radios)  # nobody chosen for the desk
    assert "call-off" not in desk
    organiser = re.search(r'<section class="card" id="organiser">.*?</section>', page, re.S).group(0)
    assert 'id="call-off"' not in organiser and 'id="call-off"' in page

    url = reverse("volunteers:activity_action", args=[act.pk, "desk-signup"])
    r = client.post(url, {"person": ""}, follow=True)  # nobody chosen: refused, nobody signed up
    assert not SignUp.objects.filter(activity=act).exists() and 'class="msg error"' in r.content.decode()
    r = client.post(url, {"person": spouse.pk})  # the first post asks to confirm, naming the person
    assert r.status_code == 200 and not SignUp.objects.filter(activity=act).exists()
    confirm = r.content.decode()
    assert re.search(r'id="desk-person">\s*' + re.escape(spouse.name), confirm)
    assert 'name="confirm" value="yes"' in confirm and f'name="person" value="{spouse.pk}"' in confirm
    assert "<script>" not in confirm and "onclick" not in confirm  # CSP: no inline script
    client.post(url, {"person": spouse.pk, "confirm": "yes"})
    assert SignUp.objects.get(activity=act, person=spouse).status == "confirmed"

    as_(client, world, "resident")  # the desk is staff-only, confirm page included
    assert client.post(url, {"person": world.persons["a2"].pk}).status_code == 403


def test_the_counter_lists_the_day_s_redemptions_only(client, world, vol):
    """Today's redemptions are listed on the counter page; yesterday's are not (and show when that day is asked for)."""
    import re

    staff = sc(world, "community_staff")
    fund(world, vol, 200)
    rice = services.add_item(staff, world.a, name="大米（5斤）", price=60, stock=5)
    soap = services.add_item(staff, world.a, name="洗衣液", price=30, stock=5)
    towel = services.add_item(staff, world.a, name="毛巾", price=15, stock=5)
    old = services.redeem(staff, vol, rice, channel="counter", token="yesterday")
    yesterday = timezone.localtime() - datetime.timedelta(days=1)
    Redemption.objects.filter(pk=old.pk).update(at=yesterday, closed_at=yesterday)
    services.redeem(staff, vol, soap, quantity=2, channel="counter", token="today-1")
    services.redeem(sc(world, "resident"), vol, towel, token="today-2")  # reserved online today
    other_b = services.add_item(sc(world, "other_community_staff"), world.b, name="东风园的酱油", price=1, stock=1)

    def day_section(params=None):
        body = as_(client, world, "community_staff").get(reverse("volunteers:counter"), params or {}).content.decode()
        section = body[body.index('<section class="card" id="day">'):]
        section = section[:section.index("</section>")]
        return section, re.findall(r'<td data-label="[^"]+">([^<]+) × (\d+)</td>', section)

    section, rows = day_section()
    assert timezone.localdate().isoformat() in section
    assert sorted(rows) == [("毛巾", "1"), ("洗衣液", "2")]
    assert "大米" not in section and other_b.name not in section
    section, rows = day_section({"day": yesterday.date().isoformat()})
    assert rows == [("大米（5斤）", "1")] and "洗衣液" not in section


def test_the_wishes_page_names_the_residents_in_need_without_decrypting_them(client, world):
    """The 'for a resident' select shows names and dwellings: no resident's phone or ID number is read or decrypted, and
    the list is cut in SQL (LIMIT), not after loading every resident in need."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.core import crypto
    from linli.people.models import PersonTag

    as_(client, world, "community_staff")
    client.get(reverse("volunteers:wishes"))

    def measure():
        with CaptureQueriesContext(connection) as q, mock.patch.object(crypto, "decrypt", side_effect=crypto.decrypt) as dec:
            page = client.get(reverse("volunteers:wishes")).content.decode()
        return dec.call_count, [s["sql"] for s in q.captured_queries if 'FROM "people_person"' in s["sql"] and "people_persontag" in s["sql"]], page

    few, sqls, _page = measure()
    for key in ("a1", "a2", "a3"):
        PersonTag.objects.get_or_create(person=world.persons[key], tag="living_alone")
    more, sqls, page = measure()
    assert world.persons["a3"].name in page
    assert more == few
    listed = [s for s in sqls if "ORDER BY" in s]
    assert listed and all("LIMIT" in s and '"people_person"."phone"' not in s for s in listed), listed


def test_the_points_book_pages_instead_of_stopping_at_200(client, world, vol, monkeypatch):
    """A volunteer of years has more postings than a page: the book pages (newest first) for them and for the staff."""
    from linli.volunteers import queries

    monkeypatch.setattr(queries, "POSTINGS_PAGE", 2)
    for amount in (11, 12, 13):
        fund(world, vol, amount, key=f"page:{amount}")
    for who, url in (("resident", reverse("volunteers:points")), ("community_staff", reverse("volunteers:volunteer", args=[vol.pk]))):
        assert two_pages(as_(client, world, who), url, r"\+(1[123])<") == (["13", "12"], ["11"]), who
