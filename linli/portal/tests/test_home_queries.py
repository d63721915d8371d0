"""The home collects the workbench once: the navigation's counts come from the same lists, not a second collect.
Other pages never collect it: their navigation counts (linli/portal/tests/test_nav_counts.py)."""

from unittest import mock

import pytest
from django.urls import reverse

from linli.portal import workbench

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["grid_worker", "community_staff", "community_secretary", "resident"])
def test_the_home_collects_the_workbench_once_and_the_navigation_counts_its_tasks(client, world, key):
    client.force_login(world.accounts[key])
    with mock.patch.object(workbench, "collect", side_effect=workbench.collect) as collect:
        r = client.get(reverse("home"))
    assert r.status_code == 200
    assert collect.call_count == 1
    tasks = len(r.context["work"]["tasks"])
    nav = r.content.decode().split('data-nav="home"', 1)[1].split("</a>", 1)[0]
    assert (f'<span class="navcount">{tasks}</span>' in nav) if tasks else ("navcount" not in nav)
    # another page counts the tasks for its navigation, without collecting the lists
    with mock.patch.object(workbench, "collect", side_effect=workbench.collect) as collect:
        assert client.get(reverse("volunteers:home")).status_code == 200
    assert collect.call_count == 0
