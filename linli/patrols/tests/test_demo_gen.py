"""The demo's grid work for 柳航里 is built through the services and tells the seeds' story."""

import time

import pytest

import linli.demo as demo
from linli.cases.models import Case
from linli.patrols.models import (CareVisit, Dispute, DutyItem, Hazard, Patrol, PatrolStop, PointEvent, RectificationNotice)
from linli.places.models import Community


@pytest.mark.django_db
def test_demo_grid_work(client):
    from linli.cases.categories import seed_categories

    seed_categories()
    started = time.perf_counter()
    demo.build(verbosity=0, residents=400)
    main = Community.objects.get(name="柳航里社区")
    assert Patrol.objects.filter(community=main).count() >= 20 and PatrolStop.objects.filter(community=main).count() >= 60
    assert Patrol.objects.filter(community=main, ended_at__isnull=True).count() >= 5  # today's patrols are under way
    assert CareVisit.objects.filter(community=main, done_at__isnull=False).exists()
    assert CareVisit.objects.filter(community=main, done_at__isnull=True).exists()
    wished = CareVisit.objects.filter(community=main, wish__isnull=False).select_related("wish")
    assert wished.count() == 2 and all(v.wish.person_id == v.person_id for v in wished)  # needs found → micro-wishes
    assert Hazard.objects.filter(community=main, status="fixed").exists()
    escalated = Hazard.objects.filter(community=main, status="escalated")
    assert escalated.exists() and all(h.case.source == Case.Source.PATROL for h in escalated)
    assert RectificationNotice.objects.filter(community=main).count() >= 5
    assert set(Dispute.objects.filter(community=main).values_list("status", flat=True)) >= {"registered", "mediating", "agreed", "closed", "failed"}
    assert DutyItem.objects.filter(community=main).count() == 35 * 3 * 2  # 35 building leaders × 三员 × two months
    assert PointEvent.objects.filter(community=main, code="duty_done").exists() and PointEvent.objects.filter(community=main, code="duty_missed").exists()
    print(f"demo with grid work: {time.perf_counter() - started:.1f}s")
    # the pages hold at the demo's volume, for a grid worker, a building leader and the staff
    from django.urls import reverse

    from linli.demo.builder import PASSWORD

    pages = ["home", "coverage", "map", "map_data", "hazards", "notices", "campaigns", "visits", "rules", "disputes", "leaders"]
    for username in ("grid1", "leader01", "staff1"):
        assert client.login(username=username, password=PASSWORD), username
        for name in pages:
            assert client.get(reverse(f"patrols:{name}")).status_code == 200, (username, name)
        client.logout()
    assert client.login(username="grid1", password=PASSWORD)
    notice = RectificationNotice.objects.filter(grid__appointments__person__account__username="grid1").first()
    assert client.get(reverse("patrols:notice", args=[notice.pk])).status_code == 200
