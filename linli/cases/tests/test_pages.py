"""Case pages over HTTP with Django's test client: each page × roles, scope, guessed ids, refusals, public board."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from linli.cases import services
from linli.cases.models import Case, CaseEvent, Summons
from linli.core.models import OutboxMessage
from linli.people.scopes import resolve
from linli.testing.world import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_for(client, world, key):
    assert client.login(username=key, password=PASSWORD)
    return client


def sc(world, key):
    return resolve(world.accounts[key])


def leak(world, **kw):
    args = dict(source="resident", description="楼上渗水，卫生间天花板一直滴水", category="home.leak", dwelling=world.dwellings["A1-101"])
    args.update(kw)
    return services.submit(sc(world, "resident"), **args)


def sewage(world):
    return services.submit(sc(world, "community_staff"), source="hotline", description="菜市场污水外溢到小区门口，臭味很大",
                           category="env.sewage", lat=40.0805, lng=113.3015, reporter_name="王建国", reporter_phone="13800000001")


# ---------------------------------------------------------------- intake pages

def test_resident_reports_from_home_with_a_photo(client, world, cats):
    c = client_for(client, world, "resident")
    page = c.get(reverse("cases:report"))
    assert page.status_code == 200
    assert 'accept="image/*"' in page.content.decode() and "multiple" in page.content.decode()
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    r = c.post(reverse("cases:report"), {"place": "home", "description": "楼上渗水，卫生间天花板一直滴水", "category": "home.leak", "photos": [photo]})
    case = Case.objects.get()
    assert r.status_code == 302 and r.url == reverse("cases:case", args=[case.pk])
    assert case.dwelling == world.dwellings["A1-101"] and case.reporter == world.accounts["resident"] and case.photos.count() == 1
    detail = c.get(r.url)
    assert detail.status_code == 200 and case.number in detail.content.decode()
    photo_url = reverse("cases:photo", args=[case.pk, case.photos.get().pk])
    assert c.get(photo_url).status_code == 200


def test_resident_report_errors_name_the_field_and_store_nothing(client, world, cats):
    c = client_for(client, world, "resident")
    r = c.post(reverse("cases:report"), {"place": "point", "description": "路灯坏了很久了"})  # no point chosen
    assert r.status_code == 400 and Case.objects.count() == 0
    assert "choose a dwelling or a point" in r.content.decode() or "选择" in r.content.decode()
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    r = c.post(reverse("cases:report"), {"place": "home", "description": "楼上渗水很严重", "category": "home.leak", "photos": [bad]})
    assert r.status_code == 400 and Case.objects.count() == 0
    assert r.context["form"].errors["photos"]
    r = c.post(reverse("cases:report"), {"place": "point", "description": "路灯坏了很久了", "lat": "41.5", "lng": "113.3"})
    assert r.status_code == 400 and Case.objects.count() == 0  # outside every grid


def test_only_residents_with_a_home_use_the_resident_page(client, world, cats):
    assert client_for(client, world, "urban_contact").get(reverse("cases:report")).status_code == 403


def test_similar_open_cases_are_offered_and_a_duplicate_says_so(client, world, cats):
    first = leak(world)
    c = client_for(client, world, "resident")
    r = c.get(reverse("cases:similar"), {"place": "home", "description": "卫生间天花板一直滴水，楼上渗水"})
    assert r.status_code == 200 and first.number in r.content.decode()
    r = c.get(reverse("cases:similar"), {"place": "home", "description": "小区门口的路灯不亮"})
    assert first.number not in r.content.decode()
    # far away: a point in community B
    r = c.get(reverse("cases:similar"), {"place": "point", "lat": "40.081", "lng": "113.311", "description": "卫生间天花板一直滴水"})
    assert first.number not in r.content.decode()
    r = c.post(reverse("cases:report"), {"place": "home", "description": "卫生间天花板一直滴水", "category": "home.leak", "same_as": first.number})
    assert r.status_code == 302
    assert first.number in Case.objects.exclude(pk=first.pk).get().description


def test_grid_worker_quick_report_needs_a_point_in_their_grid(client, world, cats):
    c = client_for(client, world, "grid_worker")
    assert c.get(reverse("cases:quick")).status_code == 200
    r = c.post(reverse("cases:quick"), {"description": "楼道里堆满纸箱", "lat": "40.0812", "lng": "113.3012"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.source == "patrol" and case.grid == world.grids["A1"]
    # a point in grid A2 is not their patrol
    r = c.post(reverse("cases:quick"), {"description": "楼道里堆满纸箱", "lat": "40.081", "lng": "113.303"})
    assert r.status_code == 403 and Case.objects.count() == 1
    assert client_for(client, world, "resident").get(reverse("cases:quick")).status_code == 403


def test_building_leader_picks_only_dwellings_of_their_building(client, world, cats):
    c = client_for(client, world, "building_leader")
    page = c.get(reverse("cases:neighbour"))
    assert page.status_code == 200
    choices = dict(page.context["form"].fields["dwelling"].choices)
    assert str(world.dwellings["A1-201"].pk) in choices and str(world.dwellings["A2-301"].pk) not in choices
    r = c.post(reverse("cases:neighbour"), {"dwelling": world.dwellings["A2-301"].pk, "description": "楼道堆物"})
    assert r.status_code == 400 and Case.objects.count() == 0
    r = c.post(reverse("cases:neighbour"), {"dwelling": world.dwellings["A1-201"].pk, "description": "3楼楼道堆满纸箱",
                                            "category": "env.clutter", "reporter_name": "张伟"})
    assert r.status_code == 302 and Case.objects.get().source == "building_leader"
    assert client_for(client, world, "grid_worker").get(reverse("cases:neighbour")).status_code == 403


def test_hotline_matches_the_caller_masked_and_uses_their_home(client, world, cats):
    c = client_for(client, world, "community_staff")
    r = c.get(reverse("cases:hotline_match"), {"reporter_phone": "13800000003"})
    html = r.content.decode()
    assert "张*" in html and "张伟" not in html
    r = c.post(reverse("cases:hotline"), {"reporter_phone": "13800000003", "reporter_name": "张先生", "place": "home",
                                          "description": "家里水管爆了，水漫到楼道", "category": "home.leak"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.dwelling == world.dwellings["A1-201"] and case.reporter_person == world.persons["a2"] and case.source == "hotline"
    r = c.post(reverse("cases:hotline"), {"reporter_phone": "13800009999", "place": "home", "description": "路灯坏了"})
    assert r.status_code == 400 and Case.objects.count() == 1
    assert client_for(client, world, "grid_worker").get(reverse("cases:hotline")).status_code == 403


# ---------------------------------------------------------------- lists and scope

def test_resident_sees_only_own_cases(client, world, cats):
    mine = leak(world)
    theirs = services.submit(sc(world, "resident_b"), source="resident", description="东风园楼道灯坏了", category="env.clutter",
                             dwelling=world.dwellings["B1-101"])
    staff_only = sewage(world)  # entered by staff; the resident's phone matched, so the resident follows it
    c = client_for(client, world, "resident_b")
    html = c.get(reverse("cases:list")).content.decode()
    assert theirs.number in html and mine.number not in html and staff_only.number not in html
    assert c.get(reverse("cases:case", args=[mine.pk])).status_code == 404
    assert c.get(reverse("cases:case", args=[999999])).status_code == 404


def test_lists_and_queues_follow_the_scope(client, world, cats):
    a = leak(world)  # grid tier → micro-grid worker
    b = services.submit(sc(world, "resident_b"), source="resident", description="东风园楼道堆物", category="env.clutter",
                        dwelling=world.dwellings["B1-101"])
    t = services.submit(sc(world, "community_staff"), source="hotline", description="有件事想问问社区", reporter_phone="13800000004",
                        lat=40.081, lng=113.303)
    Case.objects.filter(pk=t.pk).update(state="triage", category=None)
    c = client_for(client, world, "community_staff")
    html = c.get(reverse("cases:list")).content.decode()
    assert a.number in html and t.number in html and b.number not in html
    triage = c.get(reverse("cases:list"), {"view": "triage"}).content.decode()
    assert t.number in triage and a.number not in triage
    c = client_for(client, world, "micro_grid_worker")
    mine = c.get(reverse("cases:list"), {"view": "mine"}).content.decode()
    assert a.number in mine and b.number not in mine
    assert c.get(reverse("cases:case", args=[b.pk])).status_code == 404
    filtered = client_for(client, world, "community_staff").get(reverse("cases:list"), {"category": "env.sewage"}).content.decode()
    assert a.number not in filtered


def test_a_reporter_reads_the_public_timeline_only(client, world, cats):
    case = leak(world)
    gw = sc(world, "micro_grid_worker")
    services.accept(gw, case)
    services.add_note(gw, case, "内部备注：楼上住户难沟通", public=False)
    services.add_note(gw, case, "已约好明天上门查看")
    resident = client_for(client, world, "resident").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "已约好明天上门查看" in resident and "内部备注" not in resident
    assert 'id="accept"' not in resident and 'id="resolve"' not in resident
    staff = client_for(client, world, "micro_grid_worker").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "内部备注" in staff and 'id="resolve"' in staff


# ---------------------------------------------------------------- actions

def test_actions_refused_and_raced(client, world, cats):
    case = leak(world)
    # the resident cannot accept their own report: 403
    c = client_for(client, world, "resident")
    assert c.post(reverse("cases:accept", args=[case.pk])).status_code == 403
    # a worker of another grid cannot even see it: 404
    c = client_for(client, world, "other_community_staff")
    assert c.post(reverse("cases:accept", args=[case.pk])).status_code == 404
    # the grid worker may handle a grid-tier case of their grid; the micro-grid worker wins the race
    services.accept(sc(world, "micro_grid_worker"), case)
    c = client_for(client, world, "grid_worker")
    r = c.post(reverse("cases:accept", args=[case.pk]), follow=True)
    assert r.status_code == 200 and r.redirect_chain[-1][0].endswith(reverse("cases:case", args=[case.pk]))
    html = r.content.decode()
    assert "msg error" in html and ("Someone else acted" in html or "已有他人先处理" in html)
    # a resolve without a result: the form shows the field's message and nothing changes
    c = client_for(client, world, "micro_grid_worker")
    r = c.post(reverse("cases:resolve", args=[case.pk]), {"result": ""})
    assert r.status_code == 400 and r.context["forms"]["resolve"].errors["result"]
    case.refresh_from_db()
    assert case.state == "accepted"
    # the resident may not rate before it is resolved, nor may another resident ever
    r = client_for(client, world, "resident").post(reverse("cases:rate", args=[case.pk]), {"verdict": "satisfied"})
    assert r.status_code == 400
    assert client_for(client, world, "resident_b").post(reverse("cases:rate", args=[case.pk]), {"verdict": "satisfied"}).status_code == 404


def test_whistle_and_meeting_pages(client, world, cats):
    case = sewage(world)
    c = client_for(client, world, "community_staff")
    assert c.post(reverse("cases:accept", args=[case.pk])).status_code == 302
    assert c.post(reverse("cases:plan", args=[case.pk]), {"summary": "联合城管整治排污", "option_1": "疏通管网", "cost_1": "2000元"}).status_code == 302
    r = c.post(reverse("cases:whistle", args=[case.pk]), {"reason": "需要城管", "departments": []})
    assert r.status_code == 400 and r.context["forms"]["whistle"].errors["departments"]
    r = c.post(reverse("cases:whistle", args=[case.pk]), {"reason": "污水外溢需城管到场", "departments": [world.orgs["urban"].pk], "report_in_hours": 4})
    assert r.status_code == 302
    summons = Summons.objects.get()
    # the urban contact sees the case (summoned), the police do not
    police = client_for(client, world, "department_contact")
    assert police.get(reverse("cases:case", args=[case.pk])).status_code == 404
    urban = client_for(client, world, "urban_contact")
    page = urban.get(reverse("cases:case", args=[case.pk]))
    assert page.status_code == 200 and f'id="report-in-{summons.pk}"' in page.content.decode()
    assert 'id="btn-whistle"' not in page.content.decode()
    assert urban.post(reverse("cases:report_in", args=[case.pk, summons.pk]), {"note": "已到场"}).status_code == 302
    assert Summons.objects.get().status == "on_time"
    # the meeting: a resolution owned by the department
    c = client_for(client, world, "community_staff")
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    data = {"starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "place": "社区议事厅", "chair": world.persons["community_secretary"].pk,
            f"att_org_{world.orgs['urban'].pk}": "present", "minutes": "议定城管负责疏通",
            "res_1_text": "疏通排污管网", "res_1_owner": f"org:{world.orgs['urban'].pk}", "res_1_due": due}
    r = c.post(reverse("cases:meeting", args=[case.pk]), {**data, "place": ""})
    assert r.status_code == 400 and r.context["forms"]["meeting"].errors["place"]
    assert c.post(reverse("cases:meeting", args=[case.pk]), data).status_code == 302
    action = case.meetings.get().actions.get()
    assert action.owner_org == world.orgs["urban"]
    r = c.post(reverse("cases:resolve", args=[case.pk]), {"result": "已疏通"})
    assert r.status_code == 400  # the resolution is not carried out yet
    urban = client_for(client, world, "urban_contact")
    assert urban.post(reverse("cases:action", args=[case.pk, action.pk]), {"note": "管网已疏通", "percent": 100, "done": "on"}).status_code == 302
    c = client_for(client, world, "community_staff")
    assert c.post(reverse("cases:resolve", args=[case.pk]), {"result": "管网疏通，污水不再外溢"}).status_code == 302
    r = client_for(client, world, "resident").post(reverse("cases:rate", args=[case.pk]), {"verdict": "satisfied", "comment": "好"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"
    c = client_for(client, world, "community_staff")
    report = c.get(reverse("cases:closing_report", args=[case.pk]))
    assert report.status_code == 200 and "疏通排污管网" in report.content.decode()
    pdf = c.get(reverse("cases:closing_report_pdf", args=[case.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # the reporter follows the case but the closing report is for the handlers
    assert client_for(client, world, "resident").get(reverse("cases:closing_report", args=[case.pk])).status_code == 403
    assert client_for(client, world, "resident_b").get(reverse("cases:closing_report_pdf", args=[case.pk])).status_code == 404


def test_categorise_and_merge_are_for_the_dispatcher(client, world, cats):
    first = leak(world)
    second = leak(world, description="楼上渗水，卫生间天花板滴水")
    gw = client_for(client, world, "micro_grid_worker")
    assert gw.post(reverse("cases:merge", args=[second.pk]), {"parent": first.number}).status_code == 403
    c = client_for(client, world, "community_staff")
    page = c.get(reverse("cases:case", args=[second.pk])).content.decode()
    assert first.number in page  # offered as a similar case to merge into
    r = c.post(reverse("cases:merge", args=[second.pk]), {"parent": "20000101-9999"})
    assert r.status_code == 400 and r.context["forms"]["merge"].errors["parent"]
    assert c.post(reverse("cases:merge", args=[second.pk]), {"parent": first.number}).status_code == 302
    second.refresh_from_db()
    assert second.state == "merged" and second.parent == first
    assert c.post(reverse("cases:categorise", args=[first.pk]), {"category": "nope"}).status_code == 400
    assert c.post(reverse("cases:categorise", args=[first.pk]), {"category": "env.sewage"}).status_code == 302
    assert CaseEvent.objects.filter(case=first, action="classify").exists()


# ---------------------------------------------------------------- messages

def test_inbox_lists_and_marks_read(client, world, cats):
    case = leak(world)
    c = client_for(client, world, "resident")
    html = c.get(reverse("cases:inbox")).content.decode()
    assert case.number in html
    assert OutboxMessage.objects.filter(recipient=world.accounts["resident"], read_at__isnull=True).exists()
    msg = OutboxMessage.objects.filter(recipient=world.accounts["resident"], channel="inapp").first()
    r = c.post(reverse("cases:inbox_read"), {"id": msg.pk, "next": msg.link})
    assert r.status_code == 302 and r.url == msg.link
    msg.refresh_from_db()
    assert msg.read_at
    assert c.post(reverse("cases:inbox_read"), {"next": "//evil.example/"}).url == reverse("cases:inbox")
    assert client.logout() is None and client.get(reverse("cases:inbox")).status_code == 302


# ---------------------------------------------------------------- public board

def test_public_board_has_no_personal_data(client, world, cats):
    case = leak(world)
    family = services.submit(sc(world, "resident"), source="resident", description="家里老人和儿子吵架需要调解",
                             category="home.family", dwelling=world.dwellings["A1-101"])
    other = services.submit(sc(world, "resident_b"), source="resident", description="东风园楼道堆物", category="env.clutter",
                            dwelling=world.dwellings["B1-101"])
    r = client.get(reverse("cases:board", args=[world.a.pk]))  # no sign-in
    assert r.status_code == 200
    html = r.content.decode()
    assert case.number in html and family.number in html and other.number not in html
    assert "渗水" in html  # a public category shows its description
    assert "吵架" not in html  # a private one does not
    for secret in ("王建国", "李秀兰", "13800000001", "138****0001", str(world.dwellings["A1-101"]), "1单元101", "40.0805", "113.3005"):
        assert secret not in html, secret
    assert "40.08" in html  # rounded coordinates for the map
    assert client.get(reverse("cases:board", args=[999999])).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, world, cats):
    case = leak(world)
    for url in (reverse("cases:list"), reverse("cases:case", args=[case.pk]), reverse("cases:report"), reverse("cases:closing_report", args=[case.pk])):
        r = client.get(url)
        assert r.status_code == 302 and "/login/" in r.url
