"""The grid-work sweeps are registered with the worker and run cleanly inside its loop."""

import datetime

import pytest
from django.utils import timezone

from linli.core import worker
from linli.patrols import services
from linli.patrols.models import CareVisit, DutyItem


@pytest.mark.django_db
def test_the_worker_runs_the_grid_work_sweeps(world):
    services.seed_visit_rules(world.a)
    services.seed_point_rules(world.a, datetime.date(2020, 1, 1))
    counts = worker.run_once()
    for name in ("patrols_reinspections", "patrols_care_visits", "patrols_duties"):
        assert counts[name] >= 0, counts  # -1 would mean the sweep raised
    assert CareVisit.objects.filter(person=world.persons["a2"], due_on=timezone.localdate()).count() == 1
    assert DutyItem.objects.filter(leader=world.persons["building_leader"], period=f"{timezone.localdate():%Y-%m}").count() == 3
    again = worker.run_once()
    assert again["patrols_care_visits"] == 0 and again["patrols_duties"] == 0  # nothing twice
