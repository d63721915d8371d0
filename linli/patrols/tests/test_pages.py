"""Grid-work pages: every page renders for the roles that use it, forms call the services, refusals show their message."""

import datetime
import importlib
import re
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.cases.models import Case
from linli.patrols import services
from linli.patrols.models import CareVisit, Dispute, DutyItem, Hazard, Patrol, PatrolStop, RectificationNotice
from linli.people.scopes import resolve
from linli.testing.world import PASSWORD
from linli.testing.pages import has_pager, two_pages

pytestmark = pytest.mark.django_db


def _streams(body: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n", body):
        raw = body[m.end():body.find(b"endstream", m.end())]
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes (escapes resolved)."""
    out, i = bytearray(), 0
    escapes = {b"n": 10, b"r": 13, b"t": 9, b"b": 8, b"f": 12}
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b"\\":
            nxt = raw[i + 1:i + 2]
            if nxt in escapes:
                out.append(escapes[nxt]); i += 2
            elif nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1:]).group()
                out.append(int(digits, 8)); i += 1 + len(digits)
            else:
                out += nxt; i += 2
        else:
            out += c; i += 1
    return bytes(out)


def pdf_text(body: bytes) -> str:
    """The text drawn in an fpdf2 PDF, decoded through the embedded font's ToUnicode map."""
    streams = _streams(body)
    cmap = {}
    for s in streams:
        for code, uni in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>", s if b"beginbfchar" in s else b""):
            cmap[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    text = []
    for s in streams:
        for raw in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", s, re.S):
            data = _literal(raw)
            text.append("".join(cmap.get(int.from_bytes(data[i:i + 2], "big"), "?") for i in range(0, len(data) - 1, 2)))
    return "\n".join(text)


def client_for(client, world, key):
    assert client.login(username=key, password=PASSWORD)
    return client


def test_grid_worker_walks_the_pages(client, gw):
    c = client_for(client, gw, "grid_worker")
    home = c.get(reverse("patrols:home"))
    assert home.status_code == 200 and "开始巡查" in home.content.decode()  # zh-Hans by default
    r = c.post(reverse("patrols:start"))
    patrol = Patrol.objects.get()
    assert r.url == reverse("patrols:patrol", args=[patrol.pk])
    page = c.get(r.url).content.decode()
    assert f'value="building:{gw.buildings["A1"].pk}"' in page and f'value="building:{gw.buildings["A2"].pk}"' not in page
    r = c.post(r.url, {"place": f"building:{gw.buildings['A1'].pk}", "seen": "楼道有纸箱堆放"})
    assert r.status_code == 302 and PatrolStop.objects.count() == 1
    # a place outside the grid: refused with the message, nothing recorded
    r = c.post(reverse("patrols:patrol", args=[patrol.pk]), {"place": f"building:{gw.buildings['A2'].pk}", "seen": "外网格"})
    assert r.status_code == 400 and "网格" in r.content.decode() and PatrolStop.objects.count() == 1
    stop = PatrolStop.objects.get()
    r = c.post(reverse("patrols:hazard_new"), {"stop": stop.pk, "title": "楼道堆物", "category_code": "fire.corridor_clutter",
                                              "responsible_org": gw.orgs["property"].pk})
    hazard = Hazard.objects.get()
    assert r.status_code == 302 and f"hazard={hazard.pk}" in r.url
    assert c.get(r.url).status_code == 200
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    r = c.post(reverse("patrols:notice_new"), {"hazards": [hazard.pk], "requirements": "清理楼道", "deadline": yesterday})
    assert r.status_code == 400 and "期限" in r.content.decode() and RectificationNotice.objects.count() == 0
    r = c.post(reverse("patrols:notice_new"), {"hazards": [hazard.pk], "requirements": "清理楼道", "deadline": timezone.localdate().isoformat()})
    notice = RectificationNotice.objects.get()
    assert r.url == reverse("patrols:notice", args=[notice.pk])
    page = c.get(r.url).content.decode()
    assert "整改通知书" in page and "航苑物业" in page and notice.number in page
    pdf = c.get(reverse("patrols:notice_pdf", args=[notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/Type\s*/Page\b", body) and re.search(rb"/FontFile\d?", body)  # a page, with the CJK font embedded
    text = pdf_text(body)
    assert "整改通知书" in text and notice.number in text and "航苑物业" in text and "楼道堆物" in text
    assert timezone.localdate().isoformat() in text  # the deadline
    r = c.post(reverse("patrols:notice", args=[notice.pk]), {"outcome": "not_fixed", "note": "仍然堆放"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.assignee_org == gw.orgs["property"]
    assert case.number in c.get(reverse("patrols:notice", args=[notice.pk])).content.decode()
    for name in ("hazards", "notices", "coverage", "map", "campaigns", "visits", "disputes", "dispute_new", "rules"):
        assert c.get(reverse(f"patrols:{name}")).status_code == 200, name
    data = c.get(reverse("patrols:map_data")).json()
    assert len(data["stops"]) == 1 and data["stops"][0]["place"] == str(gw.buildings["A1"])
    cov = c.get(reverse("patrols:coverage") + "?days=7&by=grid&view=day").content.decode()
    assert "第一网格" in cov


def test_other_workers_records_are_404(client, gw):
    s = resolve(gw.accounts["grid_worker"])
    patrol = services.start_patrol(s)
    c = client_for(client, gw, "other_community_staff")
    assert c.get(reverse("patrols:patrol", args=[patrol.pk])).status_code == 404


def test_staff_pages_campaign_rules_disputes_leaders(client, gw):
    c = client_for(client, gw, "community_staff")
    r = c.post(reverse("patrols:campaigns"), {"title": "九小场所消防检查", "kind": "shop_fire", "target": "venue",
                                              "starts_on": timezone.localdate().isoformat(), "ends_on": timezone.localdate().isoformat(),
                                              "items": "灭火器有效\n通道畅通"})
    assert r.status_code == 302
    assert c.get(r.url).status_code == 200
    r = c.post(reverse("patrols:rules"), {"name": "独居80岁以上", "tag": "age80", "also_tag": "living_alone", "interval_days": "7",
                                          "method": "door", "active": "1"})
    assert r.status_code == 302
    assert "独居80岁以上" in c.get(reverse("patrols:rules")).content.decode()
    r = c.post(reverse("patrols:dispute_new"), {"grid": gw.grids["A2"].pk, "kind": "neighbour", "risk": "low",
                                                "parties": "刘芳\n邻居", "description": "漏水纠纷"})
    d = Dispute.objects.get()
    assert r.url == reverse("patrols:dispute", args=[d.pk])
    r = c.post(r.url, {"action": "mediation", "med_grid_worker": "赵网格", "notes": "达成一致", "outcome": "agreed"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "agreed"
    services.seed_point_rules(gw.a, datetime.date(2020, 1, 1))
    services.generate_duties(gw.a, timezone.localdate())
    page = c.get(reverse("patrols:leaders")).content.decode()
    ranking = page[page.index('id="ranking"'):]
    assert "孙楼长" in ranking  # the leader of building 1 is ranked
    assert "清单事项按时完成" in page  # the rule, stored in the site language (zh-Hans)
    assert c.get(reverse("patrols:leader", args=[gw.persons["building_leader"].pk])).status_code == 200


def test_building_leader_ticks_their_list(client, gw):
    services.seed_point_rules(gw.a, datetime.date(2020, 1, 1))
    services.generate_duties(gw.a, timezone.localdate())
    c = client_for(client, gw, "building_leader")
    item = DutyItem.objects.filter(leader=gw.persons["building_leader"]).first()
    r = c.post(reverse("patrols:my_list"), {"item": item.pk, "note": "收集了意见"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.done_at is not None
    page = c.get(reverse("patrols:my_list")).content.decode()
    assert 'id="leader-points">2' in page
    # stored titles and reasons are in the site's language (zh-Hans), whatever language the service ran in
    assert "收集本楼居民意见建议" in page and "按时完成：" in page and "清单事项按时完成" in page


def test_visit_for_a_person_out_of_scope_is_refused_on_the_page(client, gw):
    services.seed_visit_rules(gw.a)
    services.generate_visits(gw.a, timezone.localdate())
    visit = CareVisit.objects.get(person=gw.persons["a2"])  # 张伟, building 1 entrance 2 (micro-grid A1m)
    c = client_for(client, gw, "grid_worker")
    r = c.post(reverse("patrols:visit", args=[visit.pk]), {"method": "door", "situation": "情况稳定"})
    assert r.status_code == 302
    assert CareVisit.objects.filter(person=gw.persons["a2"], done_at__isnull=False).count() == 1
    c.logout()
    c = client_for(client, gw, "other_community_staff")
    nxt = CareVisit.objects.get(person=gw.persons["a2"], done_at__isnull=True)
    assert c.get(reverse("patrols:visit", args=[nxt.pk])).status_code == 404


def test_one_tap_problem_to_case_from_a_stop(client, gw):
    s = resolve(gw.accounts["grid_worker"])
    patrol = services.start_patrol(s)
    stop = services.record_stop(s, patrol, dwelling=gw.dwellings["A1-101"], seen="卫生间天花板渗水，楼上漏水")
    c = client_for(client, gw, "grid_worker")
    r = c.post(reverse("patrols:stop_case", args=[stop.pk]))
    case = Case.objects.get()
    assert r.url == reverse("cases:case", args=[case.pk])
    assert case.source == "patrol" and case.dwelling == gw.dwellings["A1-101"] and "楼上漏水" in case.description
    assert PatrolStop.objects.get(pk=stop.pk).case == case
    page = c.get(reverse("patrols:patrol", args=[patrol.pk])).content.decode()
    assert case.number in page
    r = c.post(reverse("patrols:stop_case", args=[stop.pk]))  # a second tap opens nothing new
    assert Case.objects.count() == 1


def test_the_property_company_reads_the_notice_it_received(client, gw):
    s = resolve(gw.accounts["grid_worker"])
    hazard = services.record_hazard(s, place=gw.buildings["A1"], title="楼道堆物", responsible_org=gw.orgs["property"])
    notice = services.issue_notice(s, [hazard], requirements="清理楼道", deadline=timezone.localdate())
    c = client_for(client, gw, "property_manager")
    page = c.get(reverse("patrols:notice", args=[notice.pk])).content.decode()
    assert notice.number in page and "清理楼道" in page and "reinspection-form" not in page  # they read, the worker re-inspects
    assert c.get(reverse("patrols:notice_pdf", args=[notice.pk])).status_code == 200
    c.logout()
    c = client_for(client, gw, "resident")
    assert c.get(reverse("patrols:notice", args=[notice.pk])).status_code == 404


def test_staff_start_with_the_usual_rules(client, gw):
    from linli.patrols.models import PointRule, VisitRule

    c = client_for(client, gw, "grid_worker")
    assert c.post(reverse("patrols:rules"), {"action": "defaults"}).status_code == 403
    assert VisitRule.objects.count() == 0
    c.logout()
    c = client_for(client, gw, "community_staff")
    assert 'id="default-rules"' in c.get(reverse("patrols:rules")).content.decode()
    assert c.post(reverse("patrols:rules"), {"action": "defaults"}).status_code == 302
    assert sorted(VisitRule.objects.filter(community=gw.a).values_list("interval_days", flat=True)) == [7, 14, 30]
    assert c.post(reverse("patrols:leaders"), {"action": "defaults"}).status_code == 302
    assert sorted(PointRule.objects.filter(community=gw.a).values_list("points", flat=True)) == [-3, -2, 2, 3]
    page = c.get(reverse("patrols:leaders")).content.decode()
    assert "楼栋级诉求按时办结" in page and 'id="default-point-rules"' not in page


def test_visit_rules_show_tag_names_not_codes(client, gw):
    """Issue 14, fix 7: the rules table and the tag pickers showed raw codes (living_alone, age80)."""
    from django.utils import translation

    from linli.people.queries import tag_labels

    c = client_for(client, gw, "community_staff")
    assert c.post(reverse("patrols:rules"), {"action": "defaults"}).status_code == 302
    page = c.get(reverse("patrols:rules")).content.decode()
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    with translation.override("zh-hans"):
        labels = {k: str(v) for k, v in tag_labels().items()}
    for code in ("living_alone", "age80", "disabled", "left_behind_child"):
        if code in labels:
            assert f">{code}<" not in page and f"{code} +" not in table and f"+ {code}" not in table
    assert labels["age80"] in table and labels["living_alone"] in table
    assert f'<option value="age80">{labels["age80"]}</option>' in page
    assert not re.search(r">\s*[a-z_]+[0-9]*\s*(\+\s*[a-z_]+[0-9]*\s*)?</td>", table)


def test_inspecting_a_venue_outside_the_grid_on_the_page_shows_the_services_message_and_saves_nothing(client, gw):
    from linli.patrols.models import Inspection, InspectionResult

    staff = resolve(gw.accounts["community_staff"])
    campaign = services.create_campaign(staff, gw.a, kind="shop_fire", title="商铺消防检查", target="venue",
                                        starts_on=timezone.localdate(), ends_on=timezone.localdate(), items=["灭火器有效"])
    item = campaign.items.get()
    c = client_for(client, gw, "grid_worker")
    url = reverse("patrols:campaign", args=[campaign.pk])
    form = {f"item_{item.pk}": "fail", f"note_{item.pk}": "灭火器过期"}
    # 平价超市 lies in the dedicated grid, not in the worker's grid A1: the service's own message, not "choose a place"
    r = c.post(url, {"place": f"venue:{gw.venues['shop'].pk}", **form})
    page = r.content.decode()
    assert r.status_code == 400
    assert "平价超市 不在您的网格内：只能检查本网格内的场所。" in page
    assert "地点：请选择一个楼栋、场所或房屋。" not in page  # not the generic "choose a place"
    assert (Inspection.objects.count(), InspectionResult.objects.count(), Hazard.objects.count()) == (0, 0, 0)
    # a venue of another community does not exist for this campaign: the generic refusal, nothing saved
    r = c.post(url, {"place": f"venue:{gw.venues['shop_b'].pk}", **form})
    assert r.status_code == 400
    assert "地点：请选择一个楼栋、场所或房屋。" in r.content.decode() and "东风小卖部" not in r.content.decode()
    assert (Inspection.objects.count(), Hazard.objects.count()) == (0, 0)
    # the shop in the worker's grid is inspected; the failed item becomes a hazard
    r = c.post(url, {"place": f"venue:{gw.venues['shop_a1'].pk}", **form})
    assert r.status_code == 302
    assert (Inspection.objects.count(), InspectionResult.objects.count(), Hazard.objects.count()) == (1, 1, 1)


def test_a_care_visit_for_someone_no_longer_in_the_workers_area_is_refused_on_the_page(client, gw):
    from linli.people import services as people
    from linli.people.scopes import system

    services.seed_visit_rules(gw.a)
    services.generate_visits(gw.a, timezone.localdate())
    visit = CareVisit.objects.get(person=gw.persons["a2"])  # 张伟, building 1 (grid A1): the visit lies in grid A1
    people.move(system(), gw.persons["a2"], gw.dwellings["A2-301"])  # …but 张伟 has moved to building 2 (grid A2)
    c = client_for(client, gw, "grid_worker")
    url = reverse("patrols:visit", args=[visit.pk])
    assert c.get(url).status_code == 200
    before = (CareVisit.objects.count(), CareVisit.objects.filter(done_at__isnull=False).count(), Case.objects.count())
    r = c.post(url, {"method": "door", "situation": "上门看望，情况稳定", "needs": "轮椅损坏需要更换", "open_case": "1"})
    assert r.status_code == 400
    assert "张伟 不在您的负责范围内：只能为您联系服务的居民记录走访。" in r.content.decode()
    assert (CareVisit.objects.count(), CareVisit.objects.filter(done_at__isnull=False).count(), Case.objects.count()) == before
    visit.refresh_from_db()
    assert (visit.done_at, visit.situation, visit.case_id) == (None, "", None)


def test_a_need_found_on_a_visit_becomes_a_micro_wish_or_a_service_order_on_the_page(client, gw):
    from linli.people.scopes import system
    from linli.volunteers import services as volunteers
    from linli.volunteers.models import ServiceOrder, Wish

    item = volunteers.add_menu_item(system(), gw.a, target_group="disabled", title="上门理发")
    services.seed_visit_rules(gw.a)
    services.generate_visits(gw.a, timezone.localdate())
    visit = CareVisit.objects.get(person=gw.persons["a2"])  # 张伟, building 1
    c = client_for(client, gw, "grid_worker")
    url = reverse("patrols:visit", args=[visit.pk])
    page = c.get(url).content.decode()
    assert 'name="care" value="wish"' in page and 'name="care" value="order"' in page
    assert f'<option value="{item.pk}">上门理发 · 残疾人</option>' in page
    assert "作为微心愿发布给张伟" in page  # zh-Hans
    # an order without a service chosen: the field's message, nothing saved
    r = c.post(url, {"method": "door", "situation": "行动不便", "needs": "希望有人上门理发", "care": "order", "menu_item": ""})
    assert r.status_code == 400 and "服务：请从社区服务菜单中选择一项服务。" in r.content.decode()
    assert (Wish.objects.count(), ServiceOrder.objects.count(), CareVisit.objects.filter(done_at__isnull=False).count()) == (0, 0, 0)
    assert 'value="order" id="care-order" checked' in r.content.decode()  # the choice is kept on the form
    r = c.post(url, {"method": "door", "situation": "行动不便", "needs": "希望有人上门理发", "care": "order", "menu_item": item.pk})
    assert r.status_code == 302
    visit.refresh_from_db()
    order = ServiceOrder.objects.get()
    assert visit.service_order == order and (order.person, order.item) == (gw.persons["a2"], item)
    done = c.get(url).content.decode()
    assert "服务订单：上门理发" in done
    nxt = CareVisit.objects.get(person=gw.persons["a2"], done_at__isnull=True)
    r = c.post(reverse("patrols:visit", args=[nxt.pk]), {"method": "phone", "situation": "电话回访", "needs": "轮椅坏了，想请人修一修",
                                                          "care": "wish"})
    assert r.status_code == 302
    nxt.refresh_from_db()
    wish = Wish.objects.get()
    assert nxt.wish == wish and wish.text == "轮椅坏了，想请人修一修" and wish.posted_by == gw.accounts["grid_worker"]
    listing = c.get(reverse("patrols:visits")).content.decode()
    assert f'href="{reverse("volunteers:wish", args=[wish.pk])}"' in listing
    # a building leader may record the visit but is not offered a care request (the volunteers app would refuse it)
    c.logout()
    c = client_for(client, gw, "building_leader")
    page = c.get(reverse("patrols:visit", args=[CareVisit.objects.get(person=gw.persons["a2"], done_at__isnull=True).pk])).content.decode()
    assert 'id="visit-form"' in page and 'name="care"' not in page and 'name="open_case"' in page


def test_hazards_and_notices_page_instead_of_stopping_at_200(client, gw):
    """The lists stopped at their first 200 rows with no way to the rest; now 50 a page with the shared pager."""
    s = resolve(gw.accounts["grid_worker"])
    made = [services.record_hazard(s, place=gw.buildings["A1"], title=f"楼道堆物 {i:02d}", responsible_org=gw.orgs["property"]) for i in range(55)]
    c = client_for(client, gw, "grid_worker")
    first = c.get(reverse("patrols:hazards")).content.decode()
    rows = re.findall(r"楼道堆物 (\d\d)", first)
    assert len(rows) == 50 and "第 1 页，共 2 页" in first and rows[0] == "54"  # newest first
    second = c.get(reverse("patrols:hazards"), {"page": 2}).content.decode()
    assert sorted(re.findall(r"楼道堆物 (\d\d)", second)) == ["00", "01", "02", "03", "04"]
    assert len(made) == Hazard.objects.count()
    assert "第 1 页" not in c.get(reverse("patrols:notices")).content.decode()  # one page: no pager


def test_due_visits_page_instead_of_stopping_at_200(client, gw, monkeypatch):
    """The due-visits list stopped at its first 200 rows with no way to the rest; now LIST_PAGE a page with the pager."""
    from linli.patrols.models import VisitRule
    view = importlib.import_module("linli.patrols.views.visits")  # the package re-exports the view under the same name

    monkeypatch.setattr(view, "LIST_PAGE", 3)
    today = timezone.localdate()
    for i in range(5):
        rule = VisitRule.objects.create(community=gw.a, name=f"走访规则 {i:02d}", tag="disabled", interval_days=7)
        CareVisit.objects.create(person=gw.persons["a2"], rule=rule, community=gw.a, grid=gw.grids["A1"],
                                 building=gw.buildings["A1"], due_on=today + datetime.timedelta(days=5 - i))
    c = client_for(client, gw, "community_staff")
    assert two_pages(c, reverse("patrols:visits"), r"走访规则 (\d\d)") == (["04", "03", "02"], ["01", "00"])  # soonest due first
    monkeypatch.setattr(view, "LIST_PAGE", 50)
    assert not has_pager(c, reverse("patrols:visits"))  # one page: no pager


def test_campaigns_page_instead_of_stopping_at_50(client, gw, monkeypatch):
    """The campaigns list stopped at its first 50 rows with no way to the rest; now LIST_PAGE a page with the pager."""
    view = importlib.import_module("linli.patrols.views.campaigns")

    monkeypatch.setattr(view, "LIST_PAGE", 3)
    staff = resolve(gw.accounts["community_staff"])
    for i in range(5):
        day = timezone.localdate() + datetime.timedelta(days=i)
        services.create_campaign(staff, gw.a, kind="corridor", title=f"楼道检查 {i:02d}", target="building",
                                 starts_on=day, ends_on=day, items=["通道畅通"])
    c = client_for(client, gw, "community_staff")
    assert two_pages(c, reverse("patrols:campaigns"), r"楼道检查 (\d\d)") == (["04", "03", "02"], ["01", "00"])  # latest start first
    monkeypatch.setattr(view, "LIST_PAGE", 30)
    assert not has_pager(c, reverse("patrols:campaigns"))  # one page: no pager
