import datetime

import pytest
from django.urls import reverse

from linli.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def test_admin_lists_render(client, world):
    from linli.patrols import services

    services.seed_visit_rules(world.a)
    services.seed_point_rules(world.a, datetime.date(2020, 1, 1))
    assert client.login(username="admin", password=PASSWORD)
    for model in ("visitrule", "pointrule", "campaign", "patrol", "hazard", "rectificationnotice", "carevisit", "dispute", "dutyitem", "pointevent"):
        assert client.get(reverse(f"admin:patrols_{model}_changelist")).status_code == 200, model
