import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from linli.core.errors import OutOfScope
from linli.core.models import AuditLog
from linli.core import roles
from linli.people import services
from linli.people.models import Appointment, HouseholdMember, Person, PersonTag, ResidentEvent
from linli.people.scopes import resolve, system
from linli.testing.world import _id

NEW_ID = _id("14021320010203005")  # a valid number nobody has yet


def test_register_derives_birth_date_and_gender(world):
    s = resolve(world.accounts["grid_worker"])
    p = services.register_person(s, dwelling=world.dwellings["A1-101"], relation="child", name="王小明", id_number=NEW_ID.lower(), phone="138 0000 0099")
    p.refresh_from_db()
    assert p.birth_date == datetime.date(2001, 2, 3)
    assert p.gender == "M"  # 17th digit 5 is odd
    assert p.phone == "13800000099"
    assert p.household == world.persons["a1"].household
    assert HouseholdMember.objects.get(person=p, until__isnull=True).relation == "child"
    assert list(p.events.values_list("kind", flat=True)) == ["moved_in", "registered"]


@pytest.mark.parametrize(
    "fields, field, fragment",
    [
        ({"id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")}, "id_number", "checksum"),
        ({"id_number": "1402132001"}, "id_number", "18"),
        ({"id_number": _id("99021320010203005")}, "id_number", "province"),
        ({"phone": "12345"}, "phone", "Phone"),
        ({"name": ""}, "name", "required"),
        ({"id_number": NEW_ID, "birth_date": datetime.date(2001, 2, 4)}, "birth_date", "does not match"),
    ],
)
def test_register_refuses_bad_input_and_stores_nothing(world, fields, field, fragment):
    before = Person.objects.count(), ResidentEvent.objects.count()
    data = {"name": "新人", **fields}
    with pytest.raises(ValidationError) as exc:
        services.register_person(system(), dwelling=world.dwellings["A1-101"], **data)
    assert field in exc.value.message_dict
    assert fragment in " ".join(exc.value.message_dict[field])
    assert (Person.objects.count(), ResidentEvent.objects.count()) == before


def test_duplicate_id_number_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.register_person(system(), dwelling=world.dwellings["A2-301"], name="冒名", id_number=world.persons["a1"].id_number)
    assert "already registered" in exc.value.message_dict["id_number"][0]


def test_register_outside_scope_refused(world):
    s = resolve(world.accounts["grid_worker"])
    with pytest.raises(OutOfScope):
        services.register_person(s, dwelling=world.dwellings["A2-301"], name="越界")
    with pytest.raises(OutOfScope):
        services.register_person(resolve(world.accounts["building_leader"]), dwelling=world.dwellings["A1-101"], name="楼长无权")
    assert not Person.objects.filter(name__in=["越界", "楼长无权"]).exists()


def test_move_out_keeps_history_and_closes_empty_household(world):
    s = resolve(world.accounts["community_staff"])
    a3 = world.persons["a3"]
    household = a3.household
    services.move_out(s, a3, on=datetime.date(2026, 10, 1), destination="太原")
    a3.refresh_from_db()
    household.refresh_from_db()
    assert a3.status == Person.Status.MOVED_OUT and a3.household is None and a3.dwelling is None
    member = HouseholdMember.objects.get(person=a3)
    assert (member.until, member.end_reason) == (datetime.date(2026, 10, 1), "moved_out")
    assert household.closed_on == datetime.date(2026, 10, 1)
    assert a3.events.filter(kind="moved_out", note="太原").exists()
    with pytest.raises(ValidationError):
        services.move_out(s, a3)


def test_move_to_another_dwelling_appends_history(world):
    s = resolve(world.accounts["community_staff"])
    a2 = world.persons["a2"]
    services.move(s, a2, world.dwellings["A2-301"], relation="other", on=datetime.date(2026, 11, 1))
    a2.refresh_from_db()
    assert a2.dwelling == world.dwellings["A2-301"]
    periods = list(HouseholdMember.objects.filter(person=a2).order_by("since").values_list("until", "end_reason"))
    assert periods == [(datetime.date(2026, 11, 1), "transferred"), (None, "")]


def test_record_death(world):
    s = resolve(world.accounts["grid_worker"])
    a1 = world.persons["a1"]
    services.record_death(s, a1, on=datetime.date(2026, 11, 20))
    a1.refresh_from_db()
    assert a1.status == "deceased" and a1.died_on == datetime.date(2026, 11, 20)
    # the spouse remains; the household stays open and gets no head automatically
    spouse = world.persons["a1_spouse"]
    spouse.refresh_from_db()
    assert spouse.household is not None
    # no longer living in the grid: the grid worker loses sight of them, the community keeps the record
    with pytest.raises(OutOfScope):
        services.record_death(s, a1, on=datetime.date(2026, 11, 21))
    with pytest.raises(ValidationError):
        services.record_death(resolve(world.accounts["community_staff"]), a1, on=datetime.date(2026, 11, 21))
    with pytest.raises(ValidationError):
        services.record_death(s, spouse, on=datetime.date(2099, 1, 1))


def test_update_keeps_pii_out_of_history(world):
    s = resolve(world.accounts["grid_worker"])
    services.update_person(s, world.persons["a2"], phone="13912345678", work_unit="大同煤矿")
    event = world.persons["a2"].events.get(kind="changed")
    assert event.changes == {"phone": "***", "work_unit": "大同煤矿"}
    with pytest.raises(OutOfScope):
        services.update_person(s, world.persons["a3"], work_unit="x")
    with pytest.raises(ValidationError) as exc:
        services.update_person(s, world.persons["a2"], salary=1)
    assert "__all__" in exc.value.message_dict


def test_tags(world):
    s = resolve(world.accounts["grid_worker"])
    a2 = world.persons["a2"]
    services.set_tags(s, a2, {"disabled": 1, "low_income": None})
    assert dict(PersonTag.objects.filter(person=a2).values_list("tag", "level")) == {"disabled": 1, "low_income": None}
    with pytest.raises(ValidationError):
        services.set_tags(s, a2, ["flying"])
    with pytest.raises(ValidationError):
        services.set_tags(s, a2, {"disabled": 7})
    with pytest.raises(ValidationError):
        services.set_tags(s, a2, {"veteran": 2})
    services.set_tags(s, a2, [])
    assert not PersonTag.objects.filter(person=a2).exists()
    assert a2.events.filter(kind="untagged").count() == 2


def test_reveal_needs_grant_and_reason_and_is_audited(world):
    a1 = world.persons["a1"]
    worker = resolve(world.accounts["grid_worker"])
    with pytest.raises(ValidationError):
        services.reveal(worker, a1, "phone", "")
    assert services.reveal(worker, a1, "phone", "上门走访联系") == "13800000001"
    row = AuditLog.objects.get(action="reveal")
    assert (row.actor, row.subject_id, row.field, row.reason, row.community_id) == (world.accounts["grid_worker"], str(a1.pk), "phone", "上门走访联系", world.a.pk)
    for who in ("building_leader", "resident", "subdistrict_staff", "other_community_staff"):
        with pytest.raises(OutOfScope):
            services.reveal(resolve(world.accounts[who]), a1, "id_number", "想看看")
    with pytest.raises(OutOfScope):
        services.reveal(worker, world.persons["a3"], "phone", "不在本网格")
    assert AuditLog.objects.filter(action="reveal").count() == 1


def test_secretary_browses_own_community_audit_only(world):
    services.reveal(resolve(world.accounts["grid_worker"]), world.persons["a1"], "phone", "走访")
    services.reveal(resolve(world.accounts["other_community_staff"]), world.persons["b1"], "phone", "走访")
    assert resolve(world.accounts["community_secretary"]).audit_logs().count() == 1
    assert resolve(world.accounts["subdistrict_staff"]).audit_logs().count() == 2
    assert resolve(world.accounts["grid_worker"]).audit_logs().count() == 0


def test_appointments_cross_posting_and_refusals(world):
    staff = resolve(world.accounts["community_staff"])
    leader = world.persons["grid_worker"]
    # 交叉任职: the grid worker also becomes building leader of building 2
    services.appoint(staff, leader, roles.BUILDING_LEADER, world.buildings["A2"], starts_on=datetime.date(2026, 1, 1))
    s = resolve(world.accounts["grid_worker"])
    assert s.allows(world.persons["a3"]) and not s.allows(world.persons["a3"], "write")
    with pytest.raises(ValidationError):
        services.appoint(staff, leader, roles.BUILDING_LEADER, world.grids["A1"])
    with pytest.raises(ValidationError):
        services.appoint(staff, leader, "king", world.grids["A1"])
    with pytest.raises(OutOfScope):
        services.appoint(resolve(world.accounts["other_community_staff"]), leader, roles.GRID_WORKER, world.grids["A2"])
    with pytest.raises(OutOfScope):
        services.appoint(resolve(world.accounts["grid_worker"]), leader, roles.GRID_WORKER, world.grids["A2"])


def test_ended_appointment_grants_nothing(world):
    appt = Appointment.objects.get(person=world.persons["grid_worker"])
    services.end_appointment(system(), appt, datetime.date(2025, 12, 31))
    s = resolve(world.accounts["grid_worker"])
    assert not s.allows(world.persons["a1"])
    assert resolve(world.accounts["grid_worker"], on=datetime.date(2025, 6, 1)).allows(world.persons["a1"])


@pytest.mark.django_db(transaction=True)
def test_two_workers_register_the_same_id_at_once_one_wins():
    from linli.testing.world import build_world

    w = build_world()
    barrier = threading.Barrier(2)
    results = []

    def register(account_key, dwelling_key):
        try:
            barrier.wait(timeout=5)
            services.register_person(resolve(w.accounts[account_key]), dwelling=w.dwellings[dwelling_key], name="同一人", id_number=NEW_ID)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=("community_staff", "A1-101")), threading.Thread(target=register, args=("community_secretary", "A2-301"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(map(str, results)).count("ok") == 1
    assert Person.objects.filter(name="同一人").count() == 1
    refused = [r for r in results if r != "ok"][0]
    assert "id_number" in refused
