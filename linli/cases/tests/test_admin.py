from django.test import Client

from linli.cases import services
from linli.cases.models import Category
from linli.people.scopes import resolve


def test_admin_edits_categories_and_reads_cases(world, cats):
    case = services.submit(resolve(world.accounts["resident"]), source="resident", description="楼上渗水滴到客厅",
                           category="home.leak", dwelling=world.dwellings["A1-101"])
    c = Client()
    c.force_login(world.accounts["admin"])
    for url in ("/admin/cases/category/", "/admin/cases/case/", f"/admin/cases/case/{case.pk}/change/",
                "/admin/cases/casesettings/", "/admin/cases/open311client/", "/admin/meetings/meeting/"):
        assert c.get(url).status_code == 200, url
    leak = cats["leak"]
    r = c.post(f"/admin/cases/category/{leak.pk}/change/", {
        "code": leak.code, "name": "渗水漏水（含屋顶）", "parent": leak.parent_id, "default_tier": "community",
        "department_type": "housing", "response_amount": 2, "response_unit": "hours", "handling_amount": 5,
        "handling_unit": "days", "outcomes_public": "on", "examples": "屋顶漏雨", "active": "on", "order": 3,
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    leak.refresh_from_db()
    assert (leak.name, leak.default_tier, leak.handling_amount) == ("渗水漏水（含屋顶）", "community", 5)
    # a third level is refused
    r = c.post("/admin/cases/category/add/", {
        "code": "home.leak.roof", "name": "屋顶", "parent": leak.pk, "default_tier": "grid", "response_amount": 1,
        "response_unit": "days", "handling_amount": 1, "handling_unit": "days", "order": 0,
    })
    assert r.status_code == 200 and not Category.objects.filter(code="home.leak.roof").exists()
    # a resident is sent to the sign-in page
    c2 = Client()
    c2.force_login(world.accounts["resident"])
    assert c2.get("/admin/cases/category/").status_code == 302
