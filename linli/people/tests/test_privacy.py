"""A person's copy (subject access) and anonymisation after retention (issue 13, point 3; docs/privacy.md)."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from linli.core.errors import OutOfScope
from linli.core.models import AuditLog
from linli.people import privacy, services
from linli.people.models import Person
from linli.people.scopes import resolve, system
from linli.testing.world import IDS


def _case(world, person_key, dwelling_key):
    from linli.cases import services as case_services

    p = world.persons[person_key]
    return case_services.submit(system(), source="hotline", description="楼道灯坏了，晚上看不见路", dwelling=world.dwellings[dwelling_key],
                                reporter_person=p, reporter_name=p.name, reporter_phone=p.phone)


def test_subject_access_holds_everything_about_the_person_and_is_audited(world):
    from linli.people.tests.test_permission_matrix import add_care_visits
    from linli.volunteers.models import Volunteer

    a1 = world.persons["a1"]
    case = _case(world, "a1", "A1-101")
    add_care_visits(world)
    Volunteer.objects.create(person=a1, community=world.a, skills="理发")
    data = privacy.subject_access(resolve(world.accounts["community_staff"]), a1, "居民书面申请 2024-05-01")
    assert data["person"]["name"] == "王建国" and data["person"]["id_number"] == IDS["a1"] and data["person"]["phone"] == "13800000001"
    assert "id_number_hash" not in data["person"]
    assert [t["tag"] for t in data["tags"] if not t.get("derived")] == ["living_alone"]
    assert data["households"] and data["history"]
    assert [c["id"] for c in data["cases_reported"]] == [case.pk]
    assert [v["person_id"] for v in data["care_visits"]] == [a1.pk]
    assert data["volunteer_registrations"][0]["skills"] == "理发"
    json.dumps(data, ensure_ascii=False)  # serialisable as it is
    log = AuditLog.objects.get(action="subject_access")
    assert log.subject_id == str(a1.pk) and log.actor == world.accounts["community_staff"] and log.reason.startswith("居民书面申请")
    assert log.detail["sections"]["cases_reported"] == 1 and log.community_id == world.a.pk


def test_subject_access_needs_the_reveal_grant_and_a_reason(world):
    a1 = world.persons["a1"]
    with pytest.raises(OutOfScope):
        privacy.subject_access(resolve(world.accounts["building_leader"]), a1, "想看看")
    with pytest.raises(OutOfScope):
        privacy.subject_access(resolve(world.accounts["other_community_staff"]), a1, "想看看")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        privacy.subject_access(resolve(world.accounts["community_staff"]), a1, " ")
    assert not AuditLog.objects.exists()


def test_subject_access_command_by_phone_id_or_pk(world, tmp_path):
    out = tmp_path / "copy.json"
    call_command("subject_access", "13800000003", "--reason", "本人申请", "--as", "community_staff", "--out", str(out), stdout=io.StringIO())
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["person"]["name"] == "张伟" and data["tags"][0]["level"] == 2
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    buf = io.StringIO()
    call_command("subject_access", IDS["a1"], "--reason", "本人申请", stdout=buf)
    assert json.loads(buf.getvalue())["person"]["name"] == "王建国"
    with pytest.raises(CommandError):
        call_command("subject_access", str(world.persons["b1"].pk), "--reason", "本人申请", "--as", "community_staff", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("subject_access", "13999999999", "--reason", "本人申请", stdout=io.StringIO())
    assert AuditLog.objects.filter(action="subject_access").count() == 2


def test_subject_access_button_on_the_person_page(world):
    a1 = world.persons["a1"]
    staff = Client()
    staff.force_login(world.accounts["community_staff"])
    assert 'id="subject-access-form"' in staff.get(f"/residents/{a1.pk}/").content.decode()
    r = staff.post(f"/residents/{a1.pk}/copy.json", {"reason": "居民来电申请"})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store" and r["Content-Type"].startswith("application/json")
    assert json.loads(r.content)["person"]["phone"] == "13800000001"
    assert staff.post(f"/residents/{a1.pk}/copy.json", {"reason": ""}).status_code == 302
    assert AuditLog.objects.filter(action="subject_access").count() == 1
    gw = Client()
    gw.force_login(world.accounts["grid_worker"])  # may reveal, but the copy is the community's staff's to give
    assert 'id="subject-access-form"' not in gw.get(f"/residents/{a1.pk}/").content.decode()
    assert gw.post(f"/residents/{a1.pk}/copy.json", {"reason": "居民申请"}).status_code == 403
    other = Client()
    other.force_login(world.accounts["other_community_staff"])
    assert other.post(f"/residents/{a1.pk}/copy.json", {"reason": "居民申请"}).status_code == 404


def test_anonymise_after_retention(world):
    s = system()
    a3, b1 = world.persons["a3"], world.persons["b1"]
    case = _case(world, "a3", "A2-301")
    services.update_person(s, a3, birth_date=datetime.date(1950, 6, 15), gender="F", note="住院中")
    services.set_tags(s, a3, {"serious_illness": None})
    services.move_out(s, a3, on=datetime.date(2018, 3, 1), destination="迁往太原")
    services.record_death(s, b1, on=datetime.date(2023, 1, 1))
    before = datetime.date(2020, 1, 1)
    # dry run: counts, changes nothing
    buf = io.StringIO()
    call_command("anonymise", "--before", before.isoformat(), "--dry-run", stdout=buf)
    assert "1" in buf.getvalue()
    assert Person.objects.get(pk=a3.pk).name == "刘芳" and not AuditLog.objects.filter(action="anonymise").exists()
    call_command("anonymise", "--before", before.isoformat(), stdout=io.StringIO())
    p = Person.objects.get(pk=a3.pk)
    assert p.name == f"已匿名-{a3.pk}" and p.id_number == "" and p.phone == "" and p.id_number_hash == "" and p.phone_hash == ""
    assert p.note == "" and p.birth_date == datetime.date(1950, 1, 1) and p.gender == "F"
    assert p.status == Person.Status.MOVED_OUT and p.community_id == world.a.pk
    assert list(p.tags.values_list("tag", flat=True)) == ["serious_illness"]  # statistics keep the tag
    assert all(e.note == "" and e.changes == {} for e in p.events.all())
    case.refresh_from_db()
    assert case.reporter_name == "" and case.reporter_phone == "" and case.reporter_phone_hash == ""
    # who died after the date, and who lives here, are untouched
    assert Person.objects.get(pk=b1.pk).name == "陈明" and Person.objects.get(pk=world.persons["a1"].pk).phone == "13800000001"
    log = AuditLog.objects.get(action="anonymise")
    assert log.detail["count"] == 1 and log.detail["before"] == "2020-01-01"
    # the phone and ID number no longer find anyone; a second run does nothing
    with pytest.raises(Person.DoesNotExist):
        privacy.find_person("13800000004")
    assert privacy.anonymise(s, before)["persons"] == 0
    # death before the date counts too
    assert privacy.anonymise(s, datetime.date(2024, 1, 1), dry_run=True)["persons"] == 1


def test_anonymise_is_the_systems_alone(world):
    with pytest.raises(OutOfScope):
        privacy.anonymise(resolve(world.accounts["community_secretary"]), datetime.date(2020, 1, 1))
    with pytest.raises(CommandError):
        call_command("anonymise", "--before", "2999-01-01", stdout=io.StringIO())
