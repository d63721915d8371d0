"""Council-hall list pages read a fixed number of queries whatever the number of rows, and decrypt nothing per row:
the matters list (each matter's place named with its building's compound), the committees page and the meetings page
(hundreds of people offered by name as chairs and invitees)."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core import crypto, roles
from linli.meetings.models import Matter
from linli.people import services as people
from linli.people.scopes import system

pytestmark = pytest.mark.django_db


def _measure(client, url):
    assert client.get(url).status_code == 200  # warm what a process reads once
    with CaptureQueriesContext(connection) as ctx, mock.patch.object(crypto, "decrypt", side_effect=crypto.decrypt) as dec:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries), dec.call_count, r.content.decode()


def _matter(world, n, building):
    return Matter.objects.create(community=world.a, building=world.buildings[building], title=f"议事{n}", what="请大家议一议",
                                 raised_by=world.persons["a1"], status=Matter.Status.RAISED)


def test_the_matters_list_reads_a_fixed_number_of_queries(client, world):
    _matter(world, 0, "A1")
    client.force_login(world.accounts["community_staff"])
    url = reverse("meetings:home") + "?status="
    few, few_dec, page = _measure(client, url)
    assert "议事0" in page
    for i in range(1, 10):
        _matter(world, i, "A1" if i % 2 else "A2")
    more, more_dec, page = _measure(client, url)
    assert "议事9" in page
    assert (more, more_dec) == (few, few_dec)


@pytest.mark.parametrize("name", ["committees", "meetings"])
def test_the_people_offered_as_chairs_are_read_once_and_not_decrypted(client, world, name):
    client.force_login(world.accounts["community_staff"])
    url = reverse(f"meetings:{name}")
    few, few_dec, page = _measure(client, url)
    for i in range(10):  # residents with a phone (committee chairs) and appointed people (meeting chairs)
        p = people.register_person(system(), dwelling=world.dwellings["A1-101"], name=f"居民{i}", phone=f"1390000{i:04d}")
        people.appoint(system(), p, roles.COMMUNITY_STAFF, world.a, starts_on=datetime.date(2020, 1, 1))
    more, more_dec, page = _measure(client, url)
    assert "居民9" in page
    assert (more, more_dec) == (few, few_dec)
