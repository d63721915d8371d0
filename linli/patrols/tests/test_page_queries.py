"""Grid-work list pages read a fixed number of queries whatever the number of rows, and decrypt nothing per row
(the visits page shows names, never the ID numbers and phones of the people visited)."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core import crypto
from linli.patrols.tests.test_workbench import Data
from linli.people import services as people
from linli.people.scopes import system
from linli.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def _measure(client, url):
    """(queries, decryptions) of one GET, after a first GET that warms what a page reads once per process."""
    assert client.get(url).status_code == 200
    real = crypto.decrypt
    with CaptureQueriesContext(connection) as ctx, mock.patch.object(crypto, "decrypt", side_effect=real) as dec:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries), dec.call_count, r.content.decode()


def _visit(d, due, **kw):
    """A due visit of a person with a phone and an ID number (their encrypted fields hold something to decrypt)."""
    v = d.visit(due, **kw)
    people.update_person(system(), v.person, phone="13900001234")
    return v


@pytest.mark.parametrize("key,url", [("community_staff", "patrols:visits"), ("grid_worker", "patrols:visits"),
                                     ("grid_worker", "patrols:home")])
def test_the_visit_lists_read_a_fixed_number_of_queries_and_decrypt_nothing_per_row(client, gw, key, url):
    d = Data(gw)
    _visit(d, 1, escalated_at=d.now)
    _visit(d, -1, done_at=d.now)
    assert client.login(username=key, password=PASSWORD)
    few, few_dec, page = _measure(client, reverse(url))
    assert "走访对象1" in page
    for i in range(9):
        _visit(d, -1 if i % 2 else 1, escalated_at=d.now)
        _visit(d, -2, done_at=d.now - datetime.timedelta(hours=i))
    more, more_dec, page = _measure(client, reverse(url))
    assert "走访对象19" in page or url == "patrols:home"
    assert more == few, (few, more)
    assert more_dec == few_dec, (few_dec, more_dec)


@pytest.mark.parametrize("key", ["community_staff", "grid_worker", "property_manager"])
def test_the_coverage_page_reads_a_fixed_number_of_queries_and_decrypts_nothing_per_row(client, gw, key):
    """The activity table and the not-visited lists: more stops, workers and buildings, the same queries, no decryption."""
    from linli.patrols import services
    from linli.people.scopes import resolve
    from linli.places import services as places

    def patrol(worker, *buildings):
        s = resolve(gw.accounts[worker])
        p = services.start_patrol(s)
        for b in buildings:
            services.record_stop(s, p, seen="楼道整洁", building=b)
        services.end_patrol(s, p)

    patrol("grid_worker", gw.buildings["A1"])
    assert client.login(username=key, password=PASSWORD)
    url = reverse("patrols:coverage") + "?by=worker"
    few, few_dec, _page = _measure(client, url)
    new = [places.create_building(system(), gw.a, number=f"{10 + i}号楼", compound=gw.compounds["A"], grid=gw.grids["A1"])
           for i in range(4)]
    patrol("grid_worker", gw.buildings["A1"], new[0])
    patrol("micro_grid_worker", gw.buildings["A1"])
    more, more_dec, page = _measure(client, url)
    assert more == few, (few, more)
    assert more_dec == few_dec, (few_dec, more_dec)
    if key != "property_manager":
        assert "13号楼" in page


def test_the_notices_list_reads_a_fixed_number_of_queries_and_decrypts_nothing_per_row(client, gw):
    """Each notice names its issuer: the issuer's phone and ID number stay unread."""
    d = Data(gw)
    people.update_person(system(), gw.accounts["grid_worker"].person, phone="13900001235")
    d.notice(3)
    assert client.login(username="community_staff", password=PASSWORD)
    few, few_dec, _page = _measure(client, reverse("patrols:notices"))
    for i in range(5):
        d.notice(i + 1, inspector="micro_grid_worker" if i % 2 else "grid_worker")
    more, more_dec, page = _measure(client, reverse("patrols:notices"))
    assert "ZG-T-006" in page
    assert (more, more_dec) == (few, few_dec), ((few, few_dec), (more, more_dec))


def test_the_leader_ranking_reads_a_fixed_number_of_queries_and_decrypts_nothing_per_row(client, gw):
    """More leaders in post, and leaders who left with their points (one query for all of them, not one each)."""
    from linli.core import roles
    from linli.patrols.models import PointEvent, PointRule

    s = system()
    rule = PointRule.objects.create(community=gw.a, code="duty_done", description="完成一项", points=2, effective_from=datetime.date(2020, 1, 1))
    n = [0]

    def leader(building, left=False):
        n[0] += 1
        p = people.register_person(s, dwelling=gw.dwellings["A1-101"], name=f"楼长{n[0]}", phone=f"1390000{n[0]:04d}",
                                   since=datetime.date(2015, 1, 1))
        a = people.appoint(s, p, roles.BUILDING_LEADER, gw.buildings[building], starts_on=datetime.date(2020, 1, 1))
        PointEvent.objects.create(leader=p, community=gw.a, building=gw.buildings[building], rule=rule, code="duty_done",
                                  source_key=f"duty:{n[0]}", points=n[0], reason="完成")
        if left:
            type(a).objects.filter(pk=a.pk).update(ends_on=datetime.date(2021, 1, 1))

    leader("A1")
    leader("A2", left=True)
    assert client.login(username="community_staff", password=PASSWORD)
    few, few_dec, _page = _measure(client, reverse("patrols:leaders"))
    for i in range(4):
        leader("A1" if i % 2 else "A2", left=i < 2)
    more, more_dec, page = _measure(client, reverse("patrols:leaders"))
    assert "楼长6" in page and "楼长3" in page
    assert (more, more_dec) == (few, few_dec), ((few, few_dec), (more, more_dec))


@pytest.mark.parametrize("key", ["community_staff", "grid_worker"])
def test_a_campaign_page_reads_a_fixed_number_of_queries_and_decrypts_nothing_per_row(client, gw, key):
    """The inspections (place, inspector) and the venues offered: names only, whatever their number."""
    from linli.patrols import services
    from linli.people.scopes import resolve
    from linli.places import services as places
    from linli.places.models import Venue

    staff = resolve(gw.accounts["community_staff"])
    today = datetime.date.today()
    campaign = services.create_campaign(staff, gw.a, kind="shop_fire", title="九小场所消防检查", target="venue", starts_on=today,
                                        ends_on=today, items=["灭火器有效", "通道畅通"])
    items = list(campaign.items.all())
    n = [0]

    def venue_inspected():
        n[0] += 1
        v = places.register_venue(system(), gw.grids["A1"], name=f"小店{n[0]}", kind=Venue.Kind.NINE_SMALL, nine_small="catering",
                                  lat=40.0806, lng=113.3006, address="航苑1号楼底商", contact_phone=f"1390000{n[0]:04d}")
        services.inspect(resolve(gw.accounts["grid_worker"]), campaign, place=v, results={i.pk: (True, "") for i in items})

    venue_inspected()
    assert client.login(username=key, password=PASSWORD)
    url = reverse("patrols:campaign", args=[campaign.pk])
    few, few_dec, _page = _measure(client, url)
    for _ in range(4):
        venue_inspected()
    more, more_dec, page = _measure(client, url)
    assert "小店5" in page
    assert (more, more_dec) == (few, few_dec), ((few, few_dec), (more, more_dec))
