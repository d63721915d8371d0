"""The one check of a reported point, shared by case intake and patrol stops."""

import pytest
from django.core.exceptions import ValidationError

from linli.places.geometry import clean_point


@pytest.mark.parametrize("lat, lng, expected", [
    (None, None, (None, None)), ("", "", (None, None)), (40.1, None, (None, None)),
    ("40.09", "113.3", (40.09, 113.3)), (-90, 180, (-90.0, 180.0)), (90, -180, (90.0, -180.0)),
])
def test_a_point_is_two_floats_or_none(lat, lng, expected):
    assert clean_point(lat, lng) == expected


@pytest.mark.parametrize("lat, lng, rule", [
    ("north", 1, "must be numbers"), (1, [2], "must be numbers"),
    (90.01, 0, "within ±90"), (0, -180.5, "±180"),
])
def test_a_bad_point_is_refused_naming_the_field_and_the_rule(lat, lng, rule):
    with pytest.raises(ValidationError) as exc:
        clean_point(lat, lng)
    assert list(exc.value.message_dict) == ["location"] and rule in exc.value.message_dict["location"][0]


@pytest.mark.django_db
def test_a_patrol_stop_at_an_impossible_point_is_refused_and_nothing_is_stored(world):
    from linli.patrols import services
    from linli.patrols.models import PatrolStop
    from linli.people.scopes import resolve

    scope = resolve(world.accounts["grid_worker"])
    patrol = services.start_patrol(scope)
    with pytest.raises(ValidationError) as exc:
        services.record_stop(scope, patrol, seen="楼道灯不亮", building=world.buildings["A1"], lat=123, lng=113)
    assert "within ±90" in exc.value.message_dict["location"][0]
    assert not PatrolStop.objects.exists()
