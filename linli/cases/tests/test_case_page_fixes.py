"""Issue 14, fixes 3, 8, 9 on the case page: who did each step (系统 for linli's own), who handles the case as a
reporter may read it, a takeover said in the timeline; the transfer drop-down grouped by post; no id repeats."""

import re
from collections import Counter

from django.urls import reverse

from linli.cases import services
from linli.cases.models import CaseEvent

from .test_pages import client_for, leak, sc


def clutter(world):
    """A building-tier case: routed to the building leader of building 1 (孙楼长)."""
    return services.submit(sc(world, "resident"), source="resident", description="楼道里堆满了杂物，影响通行",
                           category="env.clutter", dwelling=world.dwellings["A1-101"])


def _timeline(html: str) -> str:
    return html[html.index('id="timeline"'):]


def test_routing_is_the_system_and_the_reporter_reads_who_handles_it(client, world, cats):
    case = clutter(world)
    assign = CaseEvent.objects.get(case=case, action="assign")
    assert assign.actor is None  # linli routed it, not the resident
    html = client_for(client, world, "resident").get(reverse("cases:case", args=[case.pk])).content.decode()
    timeline = _timeline(html)
    assert "已派单" in timeline or "已分派" in timeline or "Assigned" in timeline
    # the routing row says 系统; only the report itself is the resident's
    whos = re.findall(r'<span class="who">([^<]*)</span>', timeline)
    assert whos == ["您", "系统"], whos
    # the reporter sees the handler's post and organisation, never a name or phone
    handled = re.search(r'id="handled-by">([^<]*)<', html).group(1)
    assert "楼栋长" in handled and "1号楼" in handled and "柳航里社区" in handled, handled
    assert "孙楼长" not in html and "13900000002" not in html


def test_a_takeover_is_said_in_the_timeline(client, world, cats):
    case = clutter(world)
    assert case.assignee == world.accounts["building_leader"]
    services.accept(sc(world, "grid_worker"), case, "我来处理")
    event = CaseEvent.objects.get(case=case, action="accept")
    assert event.data["took_over_from"] == world.accounts["building_leader"].pk
    staff = client_for(client, world, "community_staff").get(reverse("cases:case", args=[case.pk])).content.decode()
    line = re.search(r'class="small took-over">([^<]*)<', staff).group(1)
    assert "赵网格" in line and "孙楼长" in line and "接手" in line, line
    resident = client_for(client, world, "resident").get(reverse("cases:case", args=[case.pk])).content.decode()
    line = re.search(r'class="small took-over">([^<]*)<', resident).group(1)
    assert "网格员" in line and "楼栋长" in line and "赵网格" not in line and "孙楼长" not in line, line
    # the same person accepting what was routed to them is no takeover
    other = leak(world)
    services.accept(sc(world, "micro_grid_worker") if other.assignee == world.accounts["micro_grid_worker"] else sc(world, "grid_worker"), other)
    assert "took_over_from" not in CaseEvent.objects.get(case=other, action="accept").data


def test_transfer_choices_are_grouped_by_post(client, world, cats):
    case = leak(world)
    html = client_for(client, world, "community_staff").get(reverse("cases:case", args=[case.pk])).content.decode()
    select = re.search(r'<select name="to"[^>]*>(.*?)</select>', html, re.S).group(1)
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert {"网格员", "楼栋长", "社区书记", "社区工作人员"} <= set(groups) or len(groups) >= 3, groups
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select)
    labels = {value: label for value, label in options}
    assert "第一网格 网格员" in labels[str(world.accounts["grid_worker"].pk)]
    assert "1号楼 楼栋长" in labels[str(world.accounts["building_leader"].pk)]
    assert len(options) == len(set(v for v, _ in options))  # each person once
    # a grouped choice still transfers
    r = client_for(client, world, "community_staff").post(reverse("cases:transfer", args=[case.pk]), {
        "to": world.accounts["grid_worker_2"].pk, "note": "第二网格员更近"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.assignee == world.accounts["grid_worker_2"]


def test_case_page_ids_are_unique_and_labels_find_their_inputs(client, world, cats):
    case = leak(world)
    html = client_for(client, world, "community_staff").get(reverse("cases:case", args=[case.pk])).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    assert not repeated, repeated
    assert 'id="id_note"' not in html and 'id="id_note_note"' in html and 'id="id_transfer_note"' in html
    for target in re.findall(r'<label for="([^"]+)"', html):
        assert target in ids, target
    # the names are unchanged: a note still posts as "note"
    r = client_for(client, world, "community_staff").post(reverse("cases:note", args=[case.pk]), {"note": "已电话联系", "public": "on"})
    assert r.status_code == 302 and CaseEvent.objects.filter(case=case, action="note", note="已电话联系").exists()
