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
