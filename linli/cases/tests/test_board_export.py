"""Issue 14, fixes 5 and 13: the public board pages, filters and heads itself with the three rates (last 30 days);
the case list exports to Excel, masked (no phone, 王*), with the list's filters."""

import re

from django.urls import reverse

from linli.cases import services
from linli.cases.views import lists
from linli.core import excel

from .test_pages import client_for, leak, sc, sewage


def test_board_is_paged_filtered_and_headed_with_the_rates(client, world, cats, monkeypatch):
    monkeypatch.setattr(lists, "BOARD_PAGE", 3)
    first = leak(world)
    services.accept(sc(world, "micro_grid_worker"), first)
    services.resolve(sc(world, "micro_grid_worker"), first, "已修好")
    services.rate(sc(world, "resident"), first, "satisfied", "")
    for i in range(4):
        leak(world, description=f"楼上渗水第{i}次，天花板滴水")
    hotline = sewage(world)
    url = reverse("cases:board", args=[world.a.pk])
    html = client.get(url).content.decode()  # no sign-in
    rates = html[html.index('id="board-rates"'):html.index("</section>", html.index('id="board-rates"'))]
    for label in ("响应率", "解决率", "满意率", "近 30 天"):
        assert label in rates, label
    assert "100%" in rates  # the one verdict was content
    assert len(re.findall(r'<tr>\s*<td class="nowrap" data-label="编号"', html)) == 3 or html.count("state state-") == 3
    assert 'rel="next"' in html and "6 件诉求" in html
    page2 = client.get(url, {"page": 2}).content.decode()
    assert 'rel="prev"' in page2
    only = client.get(url, {"category": "env"}).content.decode()  # a group
    assert hotline.number in only and first.number not in only
    closed = client.get(url, {"state": "closed"}).content.decode()
    assert first.number in closed and hotline.number not in closed
    opened = client.get(url, {"state": "open", "category": "home.leak"}).content.decode()
    assert first.number not in opened and "4 件诉求" in opened
    for secret in ("王建国", "13800000001", "138****0001"):
        assert secret not in html + only + closed, secret
    assert client.get(url, {"state": "nonsense"}).status_code == 200


def test_case_list_exports_masked_with_its_filters(client, world, cats):
    a = leak(world)
    b = sewage(world)  # reporter 王建国, phone 13800000001 (hotline)
    c = client_for(client, world, "community_staff")
    page = c.get(reverse("cases:list"), {"category": "env.sewage"}).content.decode()
    link = re.search(r'id="case-export" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "category=env.sewage" in link
    r = c.get(link)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = excel.read_all(r.content)
    assert rows[0][0] == "编号" and len(rows) == 2 and rows[1][0] == b.number
    flat = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "王**" in flat and "王建国" not in flat and "13800000001" not in flat and "0001" not in flat
    everything = excel.read_all(c.get(reverse("cases:export")).content)
    assert {row[0] for row in everything[1:]} == {a.number, b.number}
    # residents have no export; another community's staff export none of these
    assert client_for(client, world, "resident").get(reverse("cases:export")).status_code == 403
    other = excel.read_all(client_for(client, world, "other_community_staff").get(reverse("cases:export")).content)
    assert len(other) == 1
