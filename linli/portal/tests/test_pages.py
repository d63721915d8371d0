"""Pages of the core with django's test client: sign-in, each role's home, audit log, imports and jobs."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linli.core import jobs
from linli.core.models import AuditLog, Job
from linli.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(client, world, key):
    client.force_login(world.accounts[key])
    return client


def test_login_page_and_phone_sign_in(client, world):
    r = client.get(reverse("login"))
    assert r.status_code == 200
    assert 'name="username"' in r.content.decode()
    r = client.post(reverse("login"), {"username": "13800000001", "password": PASSWORD})  # 王建国's phone
    assert r.status_code == 302 and r["Location"] == reverse("home")
    r = client.get(reverse("home"))
    assert "王建国" in r.content.decode()


def test_login_by_username_and_wrong_password(client, world):
    r = client.post(reverse("login"), {"username": "grid_worker", "password": "nope-nope"})
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    r = client.post(reverse("login"), {"username": "grid_worker", "password": PASSWORD})
    assert r.status_code == 302


def test_home_requires_sign_in(client, world):
    r = client.get(reverse("home"))
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_home_resident_sees_own_household(client, world):
    body = client_for(client, world, "resident").get(reverse("home")).content.decode()
    assert "王建国" in body and "李秀兰" in body
    assert "张伟" not in body and "刘芳" not in body
    assert 'href="%s"' % reverse("people:persons") not in body  # no register menu for a resident


def test_home_grid_worker(client, world):
    body = client_for(client, world, "grid_worker").get(reverse("home")).content.decode()
    assert world.grids["A1"].name in body
    assert "1号楼" in body
    assert world.grids["A2"].name not in body


def test_home_building_leader(client, world):
    body = client_for(client, world, "building_leader").get(reverse("home")).content.decode()
    assert "航苑1号楼" in body and "航苑2号楼" not in body


def test_home_community_secretary_overview(client, world):
    r = client_for(client, world, "community_secretary").get(reverse("home"))
    body = r.content.decode()
    for g in ("A1", "A2", "AZ"):
        assert world.grids[g].name in body
    assert world.grids["B1"].name not in body
    assert reverse("portal:audit") in body
    # grid A1 holds 3 residents (王建国, 李秀兰, 张伟), A2 one
    a1 = [row for row in r.context["sections"]["community"]["communities"][0]["rows"] if row["grid"] == world.grids["A1"]][0]
    assert a1["residents"] == 3


def test_home_subdistrict_staff_lists_communities(client, world):
    body = client_for(client, world, "subdistrict_staff").get(reverse("home")).content.decode()
    assert "柳航里社区" in body and "东风园社区" in body and "重熙社区" not in body


def test_home_department_and_property(client, world):
    body = client_for(client, world, "property_manager").get(reverse("home")).content.decode()
    assert "航苑" in body and "东苑" not in body
    r = client_for(client, world, "department_contact").get(reverse("home"))
    assert r.status_code == 200


@pytest.mark.parametrize("key", ["resident", "building_leader", "entrance_leader", "grid_worker", "micro_grid_worker",
                                 "community_secretary", "community_staff", "subdistrict_staff", "other_community_staff",
                                 "department_contact", "property_manager", "admin"])
def test_every_home_renders(client, world, key):
    assert client_for(client, world, key).get(reverse("home")).status_code == 200


def test_english_is_available(client, world):
    client_for(client, world, "grid_worker")
    r = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert r.status_code == 302
    body = client.get(reverse("home")).content.decode()
    assert "Residents" in body and "Sign out" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    body = client.get(reverse("home")).content.decode()
    assert "退出" in body


# ---------------------------------------------------------------------------- audit log
def test_audit_log_secretary_sees_own_community(client, world):
    AuditLog.objects.create(action="reveal", subject_label="王建国", community_id=world.a.pk, field="phone", reason="回访")
    AuditLog.objects.create(action="reveal", subject_label="陈明", community_id=world.b.pk, field="phone", reason="走访")
    body = client_for(client, world, "community_secretary").get(reverse("portal:audit")).content.decode()
    assert "回访" in body and "走访" not in body


@pytest.mark.parametrize("key", ["grid_worker", "resident", "building_leader", "department_contact"])
def test_audit_log_forbidden_to_others(client, world, key):
    assert client_for(client, world, key).get(reverse("portal:audit")).status_code == 403


# ---------------------------------------------------------------------------- imports and jobs
@pytest.fixture
def fake_import_handler():
    """A stand-in for the import handler so the page can be tested on its own."""
    seen = []

    def handle(job):
        seen.append(job.params)
        jobs.progress(job, 10, 10)
        job.result = {"created": 7, "updated": 1, "unchanged": 0, "errors": 2}

    old = jobs._HANDLERS.get("import.residents")
    jobs._HANDLERS["import.residents"] = handle
    yield seen
    if old is None:
        jobs._HANDLERS.pop("import.residents", None)
    else:
        jobs._HANDLERS["import.residents"] = old


def upload(name="register.xlsx"):
    return SimpleUploadedFile(name, b"PK\x03\x04 not really a workbook", content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_import_enqueues_and_job_page_polls(client, world, fake_import_handler):
    c = client_for(client, world, "grid_worker")
    assert c.get(reverse("portal:import")).status_code == 200
    r = c.post(reverse("portal:import"), {"kind": "residents", "dry_run": "on", "file": upload()})
    assert r.status_code == 302
    job = Job.objects.get()
    assert job.owner == world.accounts["grid_worker"] and job.params == {"dry_run": True}
    assert r["Location"] == reverse("portal:job", args=[job.pk])
    body = c.get(r["Location"]).content.decode()
    assert 'hx-get="%s"' % reverse("portal:job_progress", args=[job.pk]) in body
    jobs.run_queued_jobs()
    body = c.get(reverse("portal:job_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in body and ">7<" in body and ">2<" in body
    assert fake_import_handler == [{"dry_run": True}]


def test_import_rejects_non_xlsx(client, world, fake_import_handler):
    c = client_for(client, world, "grid_worker")
    r = c.post(reverse("portal:import"), {"kind": "residents", "file": upload("register.csv")})
    assert r.status_code == 200 and not Job.objects.exists()


@pytest.mark.parametrize("key", ["resident", "building_leader", "subdistrict_staff", "department_contact"])
def test_import_forbidden_without_write(client, world, key, fake_import_handler):
    c = client_for(client, world, key)
    assert c.get(reverse("portal:import")).status_code == 403
    assert c.post(reverse("portal:import"), {"kind": "residents", "file": upload()}).status_code == 403
    assert not Job.objects.exists()


def test_someone_elses_job_is_404(client, world, fake_import_handler):
    job = jobs.enqueue("import.residents", owner=world.accounts["community_staff"], params={"dry_run": False})
    c = client_for(client, world, "grid_worker")
    for name in ("portal:job", "portal:job_progress", "portal:job_download"):
        assert c.get(reverse(name, args=[job.pk])).status_code == 404
    assert c.get(reverse("portal:job", args=[job.pk + 999])).status_code == 404


def test_error_report_download(client, world, fake_import_handler):
    from django.core.files.base import ContentFile

    job = jobs.enqueue("import.residents", owner=world.accounts["grid_worker"], params={"dry_run": False})
    job.result_file.save("errors.xlsx", ContentFile(b"xlsx-bytes"))
    r = client_for(client, world, "grid_worker").get(reverse("portal:job_download", args=[job.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"xlsx-bytes"


# ---------------------------------------------------------------------------- translations
def test_default_language_is_simplified_chinese(client, db):
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in body and "登录" in body and "手机号或用户名" in body


def _catalogue_folders():
    """The project catalogue (LOCALE_PATHS) and each app's own (linli/<app>/locale)."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.LOCALE_PATHS[0])
    folders = [root / "zh_Hans" / "LC_MESSAGES"]
    folders += sorted(p.parent for p in root.parent.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))
    return folders


@pytest.mark.parametrize("folder", _catalogue_folders(), ids=lambda f: f.parents[2].name)
def test_zh_hans_catalogue_is_complete_and_compiled(folder):
    """Every message in each zh_Hans catalogue is translated, and the committed .mo holds them all."""
    import gettext
    import re

    text = (folder / "django.po").read_text(encoding="utf-8")
    entries = [e for e in text.split("\n\n") if "\nmsgid " in "\n" + e or e.startswith("msgid ")]
    untranslated = []
    for entry in entries:
        if re.search(r'^msgid ""\s*\nmsgstr ""', entry, re.M) and "Content-Type" in entry:
            continue  # the header
        if "#, fuzzy" in entry:
            untranslated.append(entry)
        elif re.search(r'^msgstr(\[0\])? ""\s*$', entry, re.M) and not re.search(r'^msgstr(\[0\])? ""\n"', entry, re.M):
            untranslated.append(entry)
    assert not untranslated, untranslated[:5]
    with open(folder / "django.mo", "rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    if folder.parents[1].name == "locale" and folder.parents[2].name == "linli":
        assert catalogue.gettext("Residents register") == "居民台账"
    assert len(catalogue._catalog) >= len(entries) - 1
