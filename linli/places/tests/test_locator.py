"""Point → grid (and micro-grid), dwelling → grid, and the index following boundary changes."""

import json
import threading
import time

import numpy as np
import pytest
from django.db import connection

from linli.people.scopes import system
from linli.places import locator, services
from linli.places.geometry import rectangle
from linli.places.locator import GridIndex, build_index_from_rows, locate_dwelling, locate_point
from linli.places.models import Grid

# world (linli/testing/world.py): A1 = [113.300, 113.302] × [40.080, 40.082] with micro-grid A1m its south-west quarter,
# A2 east of A1, AZ (dedicated) south of both, B1 and C1 further east in other communities.


def test_point_in_grid_and_micro_grid(world):
    loc = locate_point(113.3005, 40.0805)
    assert loc.found
    assert (loc.grid_id, loc.micro_grid_id, loc.community_id) == (world.grids["A1"].pk, world.grids["A1m"].pk, world.a.pk)


def test_point_in_grid_outside_its_micro_grids(world):
    loc = locate_point(113.3015, 40.0815)
    assert (loc.grid_id, loc.micro_grid_id) == (world.grids["A1"].pk, None)


@pytest.mark.parametrize("key, lng, lat", [("A2", 113.303, 40.081), ("AZ", 113.301, 40.079), ("B1", 113.311, 40.081), ("C1", 113.321, 40.0815)])
def test_points_in_other_grids(world, key, lng, lat):
    loc = locate_point(lng, lat)
    assert loc.grid_id == world.grids[key].pk
    assert loc.community_id == world.grids[key].community_id
    assert loc.micro_grid_id is None


@pytest.mark.parametrize("lng, lat", [(113.35, 40.08), (113.301, 40.090), (0.0, 0.0), (113.306, 40.081)])
def test_point_outside_every_grid(world, lng, lat):
    loc = locate_point(lng, lat)
    assert not loc.found
    assert loc == locator.NOWHERE


def test_dwelling_to_grid(world):
    loc = locate_dwelling(world.dwellings["A1-101"])
    assert (loc.grid_id, loc.micro_grid_id, loc.community_id) == (world.grids["A1"].pk, world.grids["A1m"].pk, world.a.pk)
    loc = locate_dwelling(world.dwellings["A2-301"])
    assert (loc.grid_id, loc.micro_grid_id) == (world.grids["A2"].pk, None)
    loc = locate_dwelling(world.dwellings["B1-101"])
    assert (loc.grid_id, loc.community_id) == (world.grids["B1"].pk, world.b.pk)


def test_dwelling_follows_its_building_to_a_new_grid(world):
    building = world.buildings["A2"]
    services.assign_building(system(), building, world.grids["A1"])
    world.dwellings["A2-301"].refresh_from_db()
    assert locate_dwelling(world.dwellings["A2-301"]).grid_id == world.grids["A1"].pk


def test_index_rebuilt_after_boundary_change(world):
    point = (113.3035, 40.0835)  # north of A2: in no grid yet
    assert not locate_point(*point).found
    services.set_grid_boundary(system(), world.grids["A2"], rectangle(113.302, 40.080, 113.304, 40.084))
    assert locate_point(*point).grid_id == world.grids["A2"].pk
    # shrink it again: the point falls outside
    services.set_grid_boundary(system(), world.grids["A2"], rectangle(113.302, 40.080, 113.304, 40.082))
    assert not locate_point(*point).found


def test_index_follows_new_and_deleted_grids(world):
    point = (113.331, 40.081)
    assert not locate_point(*point).found
    g = services.create_grid(system(), world.a, kind="residential", name="新网格", boundary=rectangle(113.330, 40.080, 113.332, 40.082))
    assert locate_point(*point).grid_id == g.pk
    g.delete()
    assert not locate_point(*point).found


def test_index_rebuilt_on_the_next_look_up_after_a_change_no_signal_announced(world):
    """A bulk update leaves updated_at as it was and sends no signal (as a change made by another process, or raw
    SQL): the grids' generation moves in the same transaction, so the very next look-up sees the new boundary."""
    point = (113.3035, 40.0835)
    assert not locate_point(*point).found
    Grid.objects.filter(pk=world.grids["A2"].pk).update(boundary=rectangle(113.302, 40.080, 113.304, 40.084))
    assert locate_point(*point).grid_id == world.grids["A2"].pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE places_grid SET boundary = %s WHERE id = %s",
                       [json.dumps(rectangle(113.302, 40.080, 113.304, 40.082)), world.grids["A2"].pk])
    assert not locate_point(*point).found


def test_a_change_of_another_place_keeps_the_index(world):
    index = locator.current_index()
    dwelling = world.dwellings["A1-101"]
    dwelling.room = "1010"
    dwelling.save()
    assert locator.current_index() is index  # a dwelling moves "places", not "grids": nothing rebuilt


def test_one_thread_builds_the_index_while_the_others_wait_for_it(world, monkeypatch):
    locator.invalidate()
    built = []
    build = locator._build

    def slow_build():
        built.append(threading.get_ident())
        time.sleep(0.2)
        return build()

    monkeypatch.setattr(locator, "_build", slow_build)
    got = []

    def look_up():
        try:
            got.append(locator.current_index())
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=look_up) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len(got) == 4 and all(g is got[0] for g in got)


def _tiles():
    """A 3×3 tiling of unit squares, ids 1..9 row by row, micro-grids splitting tile 5 in two."""
    rows = []
    for j in range(3):
        for i in range(3):
            rows.append((1 + j * 3 + i, "residential", None, 7, rectangle(i, j, i + 1, j + 1)))
    rows.append((100, "micro", 5, 7, rectangle(1, 1, 1.5, 2)))
    rows.append((101, "micro", 5, 7, rectangle(1.5, 1, 2, 2)))
    rows.append((200, "residential", None, 7, None))  # no boundary: not indexed
    return rows


def test_grid_index_without_database():
    index = build_index_from_rows(_tiles())
    assert index.locate(1.2, 1.5).grid_id == 5 and index.locate(1.2, 1.5).micro_grid_id == 100
    assert index.locate(1.7, 1.5).micro_grid_id == 101
    assert index.locate(2.5, 0.5).grid_id == 3 and index.locate(2.5, 0.5).micro_grid_id is None
    assert not index.locate(5, 5).found
    # on a shared edge the lowest index wins, every time
    assert index.locate(1.0, 0.5).grid_id == 1


def test_locate_many_agrees_with_locate():
    index = build_index_from_rows(_tiles())
    rng = np.random.default_rng(7)
    points = rng.uniform(-0.5, 3.5, size=(2000, 2))
    many = index.locate_many(points)
    single = np.array([index.locate(x, y).grid_id or -1 for x, y in points])
    assert (many == single).all()
    assert (many == -1).any() and (many > 0).any()


def test_empty_index():
    index = GridIndex([], [])
    assert not index.locate(113.3, 40.08).found
    assert (index.locate_many(np.array([[113.3, 40.08]])) == -1).all()


def test_the_server_warm_up_builds_the_index_so_no_first_report_does(world):
    from linli import server

    locator.invalidate()
    info = server.warm_up()
    misses = locator._index.misses
    assert locate_point(113.3005, 40.0805).grid_id == world.grids["A1"].pk
    assert locator._index.misses == misses  # answered by the index warm_up built
    assert info["grids"] == len(locator.current_index()) == Grid.objects.exclude(kind="micro").exclude(boundary=None).count()


def test_a_warm_up_without_the_database_leaves_the_index_to_the_first_look_up(world, monkeypatch, capsys):
    from django.db import OperationalError

    from linli import server

    locator.invalidate()
    build = locator._build

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(locator, "_build", unreachable)
    assert server.warm_up()["grids"] is None  # the server still starts
    assert "OperationalError" in capsys.readouterr().out
    monkeypatch.setattr(locator, "_build", build)
    assert locate_point(113.3005, 40.0805).grid_id == world.grids["A1"].pk
