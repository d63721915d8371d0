"""The import's plain INSERTs (core/inserts.py: insert_rows) write what the services write for the same resident."""

from linli.core import crypto
from linli.people import services
from linli.people.importers import import_residents
from linli.people.models import HouseholdMember, Person, PersonTag, ResidentEvent
from linli.people.scopes import resolve
from linli.places import services as places
from linli.places.models import Entrance
from linli.testing.sheets import xlsx
from linli.testing.world import _id

HEADERS = ["姓名", "身份证号", "联系电话", "楼栋", "单元", "房号", "与户主关系", "标签", "备注"]


def _written(person: Person) -> dict:
    """Everything a registration wrote for this person, less what differs by nature (ids, names, numbers, times)."""
    member = HouseholdMember.objects.get(person=person)
    household, dwelling = member.household, person.dwelling
    events = list(ResidentEvent.objects.filter(person=person).order_by("id").values("kind", "household_id", "on", "actor_id", "changes"))
    for e in events:
        e["household_id"] = e["household_id"] == household.pk
    skip = {"id", "name", "id_number", "id_number_hash", "phone", "phone_hash", "birth_date", "gender", "dwelling", "household", "created_at", "updated_at"}
    return {
        "person": {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields if f.name not in skip},
        "times": (person.created_at is not None, person.updated_at is not None, person.created_at.tzinfo is not None),
        "member": (member.relation, member.since, member.until, member.end_reason),
        "household": (household.dwelling_id == dwelling.pk, household.number, household.kind, household.created_on, household.closed_on),
        "dwelling": (dwelling.floor, dwelling.area_m2, dwelling.use),
        "events": events,
        "moved_in_note": ResidentEvent.objects.get(person=person, kind=ResidentEvent.Kind.MOVED_IN).note == str(dwelling),
        "tags": sorted(PersonTag.objects.filter(person=person).values_list("tag", "level", "since", "note")),
    }


def test_imported_resident_is_written_as_the_service_writes_one(world):
    scope = resolve(world.accounts["community_staff"])
    building = world.buildings["A1"]
    entrance = Entrance.objects.get(building=building, number__startswith="1")
    number, phone = _id("14021319610203001"), "13912340001"
    report = import_residents(scope, xlsx(HEADERS, [["导入", number, phone, "1号楼", "1单元", "901", "户主", "残疾2级、独居", "备注文字"]]), dry_run=False)
    assert (report.errors, report.created) == ([], 1)
    imported = Person.objects.get(id_number_hash=crypto.lookup_hash(number))
    assert (imported.id_number, imported.phone) == (number, phone)  # the batch encryption reads back
    assert imported.phone_hash == crypto.lookup_hash(phone)

    dwelling = places.add_dwelling(scope, building, room="902", entrance=entrance)
    by_service = services.register_person(scope, dwelling=dwelling, relation="head", tags={"disabled": 2, "living_alone": None},
                                          name="服务", id_number=_id("14021319610203002"), phone="13912340002", note="备注文字")
    assert _written(imported) == _written(by_service)


def test_same_phone_twice_in_a_batch_gets_two_ciphertexts(world):
    scope = resolve(world.accounts["community_staff"])
    rows = [["甲", _id("14021319700101001"), "13912349999", "1号楼", "1单元", "903", "户主", "", ""],
            ["乙", _id("14021319700101002"), "13912349999", "1号楼", "1单元", "903", "配偶", "", ""]]
    assert import_residents(scope, xlsx(HEADERS, rows), dry_run=False).created == 2
    stored = list(Person.objects.filter(phone_hash=crypto.lookup_hash("13912349999")).values_list("id", flat=True))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Person._meta.db_table} WHERE id IN ({', '.join(['%s'] * len(stored))})", stored)
        tokens = [t for (t,) in cursor.fetchall()]
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # each value its own IV, as encrypt() gives it
    assert {crypto.decrypt(t) for t in tokens} == {"13912349999"}
