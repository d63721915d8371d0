"""The people JSON API over real HTTP with real tokens.

Every list shows the caller's scope only; guessed ids answer exactly like
missing ones; read-only roles get 403 on writes; bad input names the field;
PII leaves masked unless revealed (with an audit row).
"""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from linli.core.models import AuditLog
from linli.people.auth import issue_token
from linli.people.models import ApiToken, Appointment, HouseholdMember, Person, ResidentEvent
from linli.testing.api import english_messages  # noqa: F401  (a fixture, used by pytestmark)
from linli.testing.api import bearer, bearer_client, fields, items, names, patch, post
from linli.testing.world import PASSWORD, _id

API = "/api/v1/people"
NEW_ID = _id("14021320010203005")


pytestmark = pytest.mark.usefixtures("english_messages")


# ---------------------------------------------------------------------------- lists follow the scope
@pytest.mark.parametrize("role, expected", [
    ("grid_worker", ["张伟", "李秀兰", "王建国"]),
    ("micro_grid_worker", ["张伟", "李秀兰", "王建国"]),
    ("building_leader", ["张伟", "李秀兰", "王建国"]),
    ("entrance_leader", ["张伟"]),
    ("resident", ["李秀兰", "王建国"]),
    ("resident_b", ["陈明"]),
    ("other_community_staff", ["陈明"]),
    ("property_manager", []),
])
def test_person_list_follows_scope(api_as, role, expected):
    assert names(api_as(role).get(f"{API}/persons")) == sorted(expected)


def test_community_staff_sees_whole_community_not_the_neighbour(api_as):
    seen = names(api_as("community_staff").get(f"{API}/persons", {"limit": 500}))
    assert {"王建国", "李秀兰", "张伟", "刘芳"} <= set(seen)
    assert "陈明" not in seen
    both = names(api_as("subdistrict_staff").get(f"{API}/persons", {"limit": 500}))
    assert {"刘芳", "陈明"} <= set(both)


def test_lists_are_masked(api_as, world):
    response = api_as("community_staff").get(f"{API}/persons", {"q": "王建国"})
    [row] = items(response)
    a1 = world.persons["a1"]
    assert row["id_number_masked"] == a1.id_number[:4] + "**********" + a1.id_number[-4:]
    assert row["phone_masked"] == "138****0001"
    body = response.content.decode()
    assert a1.id_number not in body and a1.phone not in body
    assert set(row["tags"]) == {"living_alone", "age60"}


def test_person_filters(api_as, world):
    staff = api_as("community_staff")
    assert names(staff.get(f"{API}/persons", {"tag": "living_alone"})) == ["王建国"]
    assert names(staff.get(f"{API}/persons", {"tag": "disabled"})) == ["张伟"]
    assert names(staff.get(f"{API}/persons", {"age_band": "60-79"})) == ["李秀兰", "王建国"]
    assert names(staff.get(f"{API}/persons", {"building": world.buildings["A2"].pk})) == ["刘芳"]
    assert names(staff.get(f"{API}/persons", {"grid": world.grids["A1m"].pk})) == ["张伟", "李秀兰", "王建国"]
    # a full phone number finds the person through the keyed hash
    assert names(staff.get(f"{API}/persons", {"q": "13800000004"})) == ["刘芳"]
    assert "tag" in fields(staff.get(f"{API}/persons", {"tag": "rich"}))
    assert "age_band" in fields(staff.get(f"{API}/persons", {"age_band": "1-2"}))


def test_household_and_organization_lists_follow_scope(api_as, world):
    households = items(api_as("grid_worker").get(f"{API}/households"))
    assert sorted(h["dwelling_id"] for h in households) == sorted([world.dwellings["A1-101"].pk, world.dwellings["A1-201"].pk])
    [own] = items(api_as("resident").get(f"{API}/households"))
    assert sorted(m["name"] for m in own["members"]) == ["李秀兰", "王建国"]
    assert [h["dwelling_id"] for h in items(api_as("other_community_staff").get(f"{API}/households"))] == [world.dwellings["B1-101"].pk]
    assert names(api_as("community_staff").get(f"{API}/organizations")) == ["航苑物业"]
    assert names(api_as("subdistrict_staff").get(f"{API}/organizations")) == ["永泰派出所", "航苑物业"]
    assert names(api_as("other_community_staff").get(f"{API}/organizations")) == []


def test_appointment_list_follows_scope(api_as):
    staff_roles = sorted(a["role"] for a in items(api_as("community_staff").get(f"{API}/appointments", {"limit": 500})))
    assert "grid_worker" in staff_roles and "building_leader" in staff_roles
    other = items(api_as("other_community_staff").get(f"{API}/appointments"))
    assert [(a["role"], a["person"]) for a in other] == [("community_staff", "陈东风")]
    assert items(api_as("resident").get(f"{API}/appointments")) == []


# ---------------------------------------------------------------------------- guessed ids
@pytest.mark.parametrize("role, key", [("grid_worker", "a3"), ("grid_worker", "b1"), ("resident", "a2"), ("other_community_staff", "a1"), ("entrance_leader", "a1")])
def test_guessed_person_ids_look_like_missing_ones(api_as, world, role, key):
    client = api_as(role)
    hidden = client.get(f"{API}/persons/{world.persons[key].pk}")
    missing = client.get(f"{API}/persons/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    # writes on a hidden person answer the same 404
    for url in ("", "/move-out", "/reveal"):
        body = {"field": "phone", "reason": "核实"} if url == "/reveal" else {}
        send = patch if url == "" else post
        r_hidden, r_missing = send(client, f"{API}/persons/{world.persons[key].pk}{url}", body), send(client, f"{API}/persons/987654{url}", body)
        assert r_hidden.status_code == r_missing.status_code == 404
        assert r_hidden.content == r_missing.content


@pytest.mark.parametrize("role, key", [("grid_worker", "a3"), ("grid_worker", "b1"), ("resident", "a2")])
def test_guessed_household_ids_look_like_missing_ones(api_as, world, role, key):
    client = api_as(role)
    hidden = client.get(f"{API}/households/{world.persons[key].household_id}")
    missing = client.get(f"{API}/households/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


# ---------------------------------------------------------------------------- detail and reveal
def test_person_detail_is_masked_with_history(api_as, world):
    a1 = world.persons["a1"]
    r = api_as("grid_worker").get(f"{API}/persons/{a1.pk}")
    assert r.status_code == 200
    body = r.json()
    assert a1.id_number not in r.content.decode() and a1.phone not in r.content.decode()
    assert body["may_reveal"] is True
    assert sorted(e["kind"] for e in body["history"]) == ["moved_in", "registered"]
    assert body["memberships"][0]["relation"] == "head"
    assert {"tag": "living_alone", "level": None} in body["tag_levels"]
    assert api_as("building_leader").get(f"{API}/persons/{a1.pk}").json()["may_reveal"] is False


def test_reveal_writes_an_audit_row(api_as, world):
    a1 = world.persons["a1"]
    r = post(api_as("community_staff"), f"{API}/persons/{a1.pk}/reveal", {"field": "id_number", "reason": "低保复核"})
    assert r.status_code == 200, r.content
    assert r.json() == {"field": "id_number", "value": a1.id_number}
    row = AuditLog.objects.get(action="reveal")
    assert (row.actor, row.subject_id, row.field, row.reason, row.community_id) == (world.accounts["community_staff"], str(a1.pk), "id_number", "低保复核", world.a.pk)


@pytest.mark.parametrize("role", ["building_leader", "entrance_leader", "resident"])
def test_reveal_refused_without_the_permission(api_as, world, role):
    target = world.persons["a2"]  # the leaders read a2 (403 on reveal); the resident does not (404)
    client = api_as(role)
    visible = client.get(f"{API}/persons/{target.pk}").status_code == 200
    r = post(client, f"{API}/persons/{target.pk}/reveal", {"field": "phone", "reason": "想知道"})
    assert r.status_code == (403 if visible else 404)
    assert target.phone not in r.content.decode()
    own = post(api_as("resident"), f"{API}/persons/{world.persons['a1_spouse'].pk}/reveal", {"field": "phone", "reason": "家人"})
    assert own.status_code == 403
    assert not AuditLog.objects.filter(action="reveal").exists()


def test_reveal_validation(api_as, world):
    url = f"{API}/persons/{world.persons['a1'].pk}/reveal"
    assert "reason" in fields(post(api_as("community_staff"), url, {"field": "phone", "reason": ""}))
    assert "field" in fields(post(api_as("community_staff"), url, {"field": "name", "reason": "核实身份"}))
    assert "reason" in fields(post(api_as("community_staff"), url, {"field": "phone"}))
    assert not AuditLog.objects.exists()


# ---------------------------------------------------------------------------- register, change, move
def test_grid_worker_registers_a_resident(api_as, world):
    r = post(api_as("grid_worker"), f"{API}/persons", {"name": "王小明", "id_number": NEW_ID, "phone": "138 0000 0099",
                                                     "dwelling": world.dwellings["A1-101"].pk, "relation": "child", "tags": ["key_care"]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["birth_date"] == "2001-02-03" and body["gender"] == "M"
    assert body["phone_masked"] == "138****0099" and "13800000099" not in r.content.decode()
    assert body["household_id"] == world.persons["a1"].household_id
    assert "key_care" in body["tags"]


@pytest.mark.parametrize("data, field, fragment", [
    ({"id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")}, "id_number", "checksum"),
    ({"id_number": "1402132001"}, "id_number", "18"),
    ({"phone": "12345"}, "phone", "Phone"),
    ({"name": ""}, "name", "required"),
    ({"relation": "cousin"}, "relation", "Relation"),
    ({"tags": ["rich"]}, "tags", "unknown tag"),
])
def test_register_validation_names_the_field(api_as, world, data, field, fragment):
    before = Person.objects.count(), ResidentEvent.objects.count()
    r = post(api_as("grid_worker"), f"{API}/persons", {"name": "新人", "dwelling": world.dwellings["A1-101"].pk, **data})
    errors = fields(r)
    assert field in errors and fragment in errors[field]
    assert (Person.objects.count(), ResidentEvent.objects.count()) == before


def test_register_outside_scope_refused(api_as, world):
    before = Person.objects.count()
    # a dwelling the worker cannot see: 404 like a missing one
    hidden = post(api_as("grid_worker"), f"{API}/persons", {"name": "越界", "dwelling": world.dwellings["A2-301"].pk})
    missing = post(api_as("grid_worker"), f"{API}/persons", {"name": "越界", "dwelling": 987654})
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content
    # a building leader sees the dwelling but may not write: 403
    assert post(api_as("building_leader"), f"{API}/persons", {"name": "楼长无权", "dwelling": world.dwellings["A1-101"].pk}).status_code == 403
    assert post(api_as("resident"), f"{API}/persons", {"name": "居民无权", "dwelling": world.dwellings["A1-101"].pk}).status_code == 403
    assert Person.objects.count() == before


def test_update_person(api_as, world):
    a1 = world.persons["a1"]
    url = f"{API}/persons/{a1.pk}"
    r = patch(api_as("grid_worker"), url, {"phone": "13900000111", "work_unit": "退休", "tags": {"disabled": 3}})
    assert r.status_code == 200, r.content
    a1.refresh_from_db()
    assert a1.phone == "13900000111" and a1.work_unit == "退休"
    assert {t["tag"]: t["level"] for t in r.json()["tag_levels"]} == {"disabled": 3}
    changed = ResidentEvent.objects.filter(person=a1, kind="changed").latest("id")
    assert changed.changes["phone"] == "***"
    assert patch(api_as("grid_worker"), url, {"note": "只改备注"}).json()["tag_levels"] == [{"tag": "disabled", "level": 3}]
    assert patch(api_as("grid_worker"), url, {"tags": []}).json()["tag_levels"] == []
    assert "phone" in fields(patch(api_as("grid_worker"), url, {"phone": "12345"}))
    # another person's ID number: well formed, refused because of another record (409, the same body as 422)
    assert "id_number" in fields(patch(api_as("grid_worker"), url, {"id_number": world.persons["a2"].id_number}), 409)
    assert "birth_date" in fields(patch(api_as("grid_worker"), url, {"birth_date": "2999-01-01"}), 409)


@pytest.mark.parametrize("role", ["building_leader", "entrance_leader", "resident", "subdistrict_staff"])
def test_read_only_roles_get_403_on_writes(api_as, world, role):
    client = api_as(role)
    target = world.persons["a1"] if role != "entrance_leader" else world.persons["a2"]
    assert client.get(f"{API}/persons/{target.pk}").status_code == 200
    assert patch(client, f"{API}/persons/{target.pk}", {"note": "x"}).status_code == 403
    assert post(client, f"{API}/persons/{target.pk}/move-out", {}).status_code == 403
    assert post(client, f"{API}/persons/{target.pk}/death", {"on": "2026-01-01"}).status_code == 403
    target.refresh_from_db()
    assert target.note == "" and target.status == Person.Status.LIVING_HERE


def test_move_move_out_and_death_keep_history(api_as, world):
    staff = api_as("community_staff")
    a3, a2, a1 = world.persons["a3"], world.persons["a2"], world.persons["a1"]
    old_household = a3.household_id
    r = post(staff, f"{API}/persons/{a3.pk}/move", {"dwelling": world.dwellings["A1-201"].pk, "relation": "tenant", "on": "2025-05-01"})
    assert r.status_code == 200, r.content
    assert r.json()["dwelling_id"] == world.dwellings["A1-201"].pk
    h = staff.get(f"{API}/households/{old_household}").json()
    assert h["closed_on"] == "2025-05-01"
    assert [(m["name"], m["until"], m["end_reason"]) for m in h["members"]] == [("刘芳", "2025-05-01", "transferred")]
    r = post(staff, f"{API}/persons/{a2.pk}/move-out", {"on": "2025-06-01", "destination": "太原"})
    assert r.status_code == 200 and r.json()["status"] == "moved_out"
    r = post(staff, f"{API}/persons/{a1.pk}/death", {"on": "2025-07-01"})
    assert r.status_code == 200 and r.json()["status"] == "deceased" and r.json()["died_on"] == "2025-07-01"
    household = staff.get(f"{API}/households/{world.persons['a1_spouse'].household_id}").json()
    members = {m["name"]: (m["until"], m["end_reason"]) for m in household["members"]}
    assert members == {"王建国": ("2025-07-01", "died"), "李秀兰": (None, "")}
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    # a date after today: a rule of today's date the schema cannot state, so 409 (core.errors.StateConflict)
    assert "on" in fields(post(staff, f"{API}/persons/{world.persons['a1_spouse'].pk}/death", {"on": tomorrow}), status=409)
    assert "on" in fields(post(staff, f"{API}/persons/{world.persons['a1_spouse'].pk}/death", {}))


def test_move_into_a_hidden_dwelling_is_refused(api_as, world):
    r = post(api_as("grid_worker"), f"{API}/persons/{world.persons['a1'].pk}/move", {"dwelling": world.dwellings["B1-101"].pk})
    assert r.status_code == 404 and r.json()["field"] == "dwelling"
    assert HouseholdMember.objects.get(person=world.persons["a1"], until__isnull=True).household_id == world.persons["a1"].household_id


# ---------------------------------------------------------------------------- appointments and me
def test_appointments_through_the_api(api_as, world):
    data = {"person": world.persons["a3"].pk, "role": "building_leader", "scope_level": "building", "scope_id": world.buildings["A2"].pk, "starts_on": "2025-01-01"}
    r = post(api_as("community_staff"), f"{API}/appointments", data)
    assert r.status_code == 201, r.content
    assert r.json()["scope_name"] == "航苑2号楼" and r.json()["person"] == "刘芳"
    # a grid worker sees a1 and building A1 but may not appoint
    assert post(api_as("grid_worker"), f"{API}/appointments", {**data, "person": world.persons["a1"].pk, "scope_id": world.buildings["A1"].pk}).status_code == 403
    # the neighbour's staff cannot see the person
    assert post(api_as("other_community_staff"), f"{API}/appointments", data).status_code == 404
    bad = post(api_as("community_staff"), f"{API}/appointments", {**data, "role": "building_leader", "scope_level": "grid", "scope_id": world.grids["A2"].pk})
    assert "role" in fields(bad)
    assert "scope_level" in fields(post(api_as("community_staff"), f"{API}/appointments", {**data, "scope_level": "planet"}))
    assert Appointment.objects.filter(person=world.persons["a3"]).count() == 1


def test_me(api_as, world):
    me = api_as("grid_worker").get(f"{API}/me").json()
    assert me["account"]["username"] == "grid_worker" and me["account"]["name"] == "赵网格"
    assert [(a["role"], a["scope_id"]) for a in me["appointments"]] == [("grid_worker", world.grids["A1"].pk)]
    assert me["scope"]["roles"] == ["grid_worker"] and me["scope"]["can_reveal"] is True
    assert me["scope"]["areas"]["write:people"] == {"grid": [world.grids["A1"].pk]}
    resident = api_as("resident").get(f"{API}/me").json()
    assert resident["appointments"] == [] and resident["scope"]["roles"] == ["resident"]
    assert resident["scope"]["can_reveal"] is False
    assert api_as("admin").get(f"{API}/me").json()["scope"]["everything"] is True


# ---------------------------------------------------------------------------- authentication
def test_token_auth(world):
    token, secret = issue_token(world.accounts["grid_worker"], "script")
    good = bearer(secret)
    assert good.get(f"{API}/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert bearer("ll_not-a-real-token").get(f"{API}/me").status_code == 401
    assert Client().get(f"{API}/persons").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert good.get(f"{API}/me").status_code == 401
    world.accounts["resident"].is_active = False
    world.accounts["resident"].save()
    assert bearer_client(world.accounts["resident"], "inactive").get(f"{API}/me").status_code == 401


def test_session_auth_keeps_csrf(world):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="community_staff", password=PASSWORD)
    assert client.get(f"{API}/me").status_code == 200
    url = f"{API}/persons/{world.persons['a1'].pk}"
    refused = client.patch(url, json.dumps({"note": "无令牌"}), content_type="application/json")
    assert refused.status_code == 403
    csrf = "k" * 32  # what a page's CSRF cookie holds; the header must repeat it
    client.cookies["csrftoken"] = csrf
    ok = client.patch(url, json.dumps({"note": "有令牌"}), content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert ok.status_code == 200, ok.content
    # a bearer token needs no CSRF token
    token_client = bearer_client(world.accounts["community_staff"], "script", enforce_csrf_checks=True)
    assert token_client.patch(url, json.dumps({"note": "程序"}), content_type="application/json").status_code == 200


def test_issue_token_command(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", "grid_worker", "--name", "nightly export", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("ll_")
    assert ApiToken.objects.get(account=world.accounts["grid_worker"], name="nightly export").prefix == secret[:10]
    assert bearer(secret).get(f"{API}/me").json()["account"]["username"] == "grid_worker"
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("issue_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_openapi_lists_people_endpoints(client, db):  # the schema lists category codes from the database
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/people/persons", "/api/v1/people/persons/{person_id}/reveal", "/api/v1/people/households", "/api/v1/people/me"):
        assert path in paths


# ---------------------------------------------------------------------------- the admin back office
# (kept here with the other HTTP-level tests of the registers)
def _admin_models():
    from django.contrib import admin

    return sorted((m._meta.app_label, m._meta.model_name) for m in admin.site._registry)


def test_every_linli_model_is_registered_in_the_admin():
    registered = set(_admin_models())
    for label in [("core", "auditlog"), ("core", "outboxmessage"), ("core", "job"),
                  ("places", "district"), ("places", "subdistrict"), ("places", "community"), ("places", "compound"),
                  ("places", "grid"), ("places", "building"), ("places", "entrance"), ("places", "dwelling"), ("places", "venue"),
                  ("people", "person"), ("people", "household"), ("people", "organization"), ("people", "appointment"),
                  ("people", "account"), ("people", "apitoken")]:
        assert label in registered, label


def test_admin_changelists_load_for_the_superuser(world):
    from linli.core import audit

    audit.record(world.accounts["community_staff"], "reveal", subject=world.persons["a1"], field="phone", reason="核实")
    issue_token(world.accounts["grid_worker"], "admin list")
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    for app, model in _admin_models():
        url = f"/admin/{app}/{model}/"
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert client.get(url, {"q": "王"}).status_code == 200, url
    # change pages of a few records load too
    for url in (f"/admin/places/grid/{world.grids['A1'].pk}/change/", f"/admin/people/person/{world.persons['a1'].pk}/change/",
                f"/admin/people/household/{world.persons['a1'].household_id}/change/", f"/admin/people/account/{world.accounts['resident'].pk}/change/",
                "/admin/places/grid/add/", "/admin/people/person/add/", "/admin/people/account/add/"):
        assert client.get(url).status_code == 200, url


def test_admin_shows_pii_masked_only(world):
    a1 = world.persons["a1"]
    client = Client()
    client.login(username="admin", password=PASSWORD)
    for url in ("/admin/people/person/", f"/admin/people/person/{a1.pk}/change/"):
        html = client.get(url).content.decode()
        assert a1.id_number not in html and a1.phone not in html
        assert a1.phone_masked in html
    # the full phone still finds the person (through the keyed hash)
    assert "王建国" in client.get("/admin/people/person/", {"q": a1.phone}).content.decode()


def test_admin_replaces_pii_only_with_valid_values(world):
    a3 = world.persons["a3"]
    client = Client()
    client.login(username="admin", password=PASSWORD)
    url = f"/admin/people/person/{a3.pk}/change/"
    form = {"name": a3.name, "gender": a3.gender, "birth_date": a3.birth_date.isoformat(), "ethnicity": "", "political_status": "masses",
            "registered_residence": "", "registered_here": "on", "community": world.a.pk, "dwelling": a3.dwelling_id, "household": a3.household_id,
            "status": "living_here", "died_on": "", "work_unit": "", "note": "",
            "tags-TOTAL_FORMS": 0, "tags-INITIAL_FORMS": 0, "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0}
    bad = client.post(url, {**form, "new_phone": "12345"})
    assert bad.status_code == 200 and "Phone" in bad.content.decode()
    ok = client.post(url, {**form, "new_phone": "13911112222"})
    assert ok.status_code == 302, ok.content.decode()[:2000]
    a3.refresh_from_db()
    assert a3.phone == "13911112222" and a3.id_number == world.persons["a3"].id_number


@pytest.mark.parametrize("who", ["community_secretary", "grid_worker", None])
def test_admin_refuses_non_staff(world, who):
    client = Client()
    if who:
        client.login(username=who, password=PASSWORD)
    for app, model in _admin_models():
        r = client.get(f"/admin/{app}/{model}/")
        assert r.status_code == 302 and "/admin/login/" in r["Location"], (app, model)


def test_audit_log_is_read_only_in_the_admin(world):
    from linli.core import audit

    row = audit.record(world.accounts["community_staff"], "reveal", subject=world.persons["a1"], field="phone", reason="核实")
    client = Client()
    client.login(username="admin", password=PASSWORD)
    assert client.get("/admin/core/auditlog/add/").status_code == 403
    assert client.get(f"/admin/core/auditlog/{row.pk}/change/").status_code == 200  # view only
    client.post(f"/admin/core/auditlog/{row.pk}/change/", {"reason": "改了"})
    client.post(f"/admin/core/auditlog/{row.pk}/delete/", {"post": "yes"})
    row.refresh_from_db()
    assert row.reason == "核实"
