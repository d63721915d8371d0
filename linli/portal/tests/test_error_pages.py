"""The error pages a person can meet — not found, not allowed, an expired form, a bad request — in the site's language
and look, with the way back; not Django's bare English pages."""
import pytest
from django.test import Client

from linli.cases import services
from linli.people.scopes import resolve
from linli.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(world, key, **kw) -> Client:
    c = Client(**kw)
    assert c.login(username=world.accounts[key].username, password=PASSWORD)
    return c


def test_a_missing_page_and_a_record_outside_ones_area_read_the_same(world, settings):
    settings.DEBUG = False
    c = _signed_in(world, "resident")
    elsewhere = services.submit(resolve(world.accounts["resident_b"]), source="resident", description="另一个社区的楼道灯坏了",
                         dwelling=world.persons["b1"].dwelling)
    for path in ("/no-such-page/", f"/cases/{elsewhere.pk}/"):
        r = c.get(path)
        html = r.content.decode()
        assert r.status_code == 404 and 'id="not-found"' in html and "页面不存在" in html, path
        assert 'class="topbar"' in html and "Not Found" not in html  # the site's page, its menu, no English


def test_not_allowed_says_why_in_chinese(world, settings):
    settings.DEBUG = False
    r = _signed_in(world, "resident").post("/volunteers/approvals/", {"person": world.persons["a2"].pk})
    html = r.content.decode()
    assert r.status_code == 403 and 'id="forbidden"' in html and "无权操作" in html and "Forbidden" not in html


def test_an_expired_form_says_nothing_was_saved(world, settings):
    settings.DEBUG = False
    c = _signed_in(world, "resident", enforce_csrf_checks=True)
    r = c.post("/cases/new/", {"description": "楼道灯坏了"})
    html = r.content.decode()
    assert r.status_code == 403 and 'id="csrf-failure"' in html and "什么也没有保存" in html and "CSRF" not in html


def test_a_bad_request_reads_in_chinese(world, settings):
    settings.DEBUG = False
    r = Client().get("/", HTTP_HOST="not-ours.example")
    html = r.content.decode()
    assert r.status_code == 400 and 'id="bad-request"' in html and "请求无法处理" in html
