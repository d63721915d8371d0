import pytest
from django.core.exceptions import ValidationError

from linli.core.errors import OutOfScope
from linli.people.scopes import resolve, system
from linli.places import services
from linli.places.geometry import rectangle
from linli.places.locator import locate_point
from linli.places.models import Building, Grid


def test_grid_codes_derive_from_division_code(world):
    a = world.a
    assert world.grids["A1"].code == a.code + "101"
    assert world.grids["A2"].code == a.code + "102"
    assert world.grids["AZ"].code == a.code + "201"
    assert world.grids["A1m"].code == world.grids["A1"].code + "01"
    g = services.create_grid(system(), a, kind="residential", name="第三网格")
    assert g.code == a.code + "103"


@pytest.mark.parametrize(
    "boundary, fragment",
    [
        ({"type": "Point", "coordinates": [113.3, 40.08]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "invalid"),
        (rectangle(200, 40, 201, 41), "longitude"),
        ({"type": "Polygon", "coordinates": "nope"}, "readable"),
    ],
)
def test_bad_boundaries_refused(world, boundary, fragment):
    n = Grid.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_grid(system(), world.a, kind="residential", name="坏边界", boundary=boundary)
    assert fragment in exc.value.message_dict["boundary"][0]
    assert Grid.objects.count() == n


def test_micro_grid_must_lie_inside_its_grid(world):
    with pytest.raises(ValidationError) as exc:
        services.create_grid(system(), world.a, kind="micro", name="出界", parent=world.grids["A1"], boundary=rectangle(113.301, 40.081, 113.303, 40.082))
    assert "inside" in exc.value.message_dict["boundary"][0]
    with pytest.raises(ValidationError):
        services.create_grid(system(), world.a, kind="micro", name="无父")
    with pytest.raises(ValidationError):
        services.create_grid(system(), world.b, kind="micro", name="跨社区", parent=world.grids["A1"])


def test_boundary_change_moves_the_locator_answer(world):
    assert locate_point(113.3035, 40.0815).grid_id == world.grids["A2"].pk
    services.set_grid_boundary(system(), world.grids["A2"], rectangle(113.302, 40.080, 113.303, 40.082))
    assert not locate_point(113.3035, 40.0815).found


def test_only_place_writers_change_grids(world):
    with pytest.raises(OutOfScope):
        services.set_grid_boundary(resolve(world.accounts["building_leader"]), world.grids["A1"], rectangle(113.300, 40.080, 113.302, 40.082))
    with pytest.raises(OutOfScope):
        services.create_grid(resolve(world.accounts["other_community_staff"]), world.a, kind="residential", name="越界")
    g = services.create_grid(resolve(world.accounts["community_staff"]), world.a, kind="residential", name="新网格")
    assert g.community == world.a


def test_building_rules(world):
    s = system()
    with pytest.raises(ValidationError) as exc:
        services.create_building(s, world.a, number="9号楼", grid=world.grids["B1"])
    assert "grid" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.create_building(s, world.a, number="9号楼", grid=world.grids["A2"], micro_grid=world.grids["A1m"])
    with pytest.raises(ValidationError):
        services.create_building(s, world.a, number="1号楼", grid=world.grids["A1"], compound=world.compounds["A"])
    with pytest.raises(OutOfScope):
        services.create_building(resolve(world.accounts["grid_worker"]), world.a, number="9号楼", grid=world.grids["A2"])
    b = services.create_building(resolve(world.accounts["grid_worker"]), world.a, number="9号楼", grid=world.grids["A1"], entrances=3)
    assert b.entrances.count() == 3
    services.assign_building(s, b, world.grids["A2"])
    assert Building.objects.get(pk=b.pk).grid == world.grids["A2"]


def test_venue_rules(world):
    with pytest.raises(ValidationError) as exc:
        services.register_venue(system(), world.grids["AZ"], name="无类别小店", kind="nine_small")
    assert "nine_small" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.register_venue(system(), world.grids["AZ"], name="x", kind="casino")
    with pytest.raises(OutOfScope):
        services.register_venue(resolve(world.accounts["grid_worker"]), world.grids["AZ"], name="越界店", kind="shop")
