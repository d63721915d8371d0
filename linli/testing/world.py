"""A small, explicit world for tests: two communities, grids, buildings, people and an account per role.

    from linli.testing.world import build_world
    w = build_world()
    w.accounts["grid_worker"]        # signs in with password PASSWORD
    w.persons["a1"], w.persons["b1"]  # a1 lives in grid A1 of community A; b1 in community B

Layout (community A = 柳航里-like, community B = its neighbour, same subdistrict):
    A: grids A1 (residential, with micro-grid A1m), A2 (residential), AZ (dedicated)
       compound "航苑": building 1 (grid A1, micro A1m, entrances 1,2), building 2 (grid A2)
       venue "平价超市" in AZ
    B: grid B1, compound "东苑", building 1 (grid B1)
"""

import datetime
from dataclasses import dataclass, field

from linli.core import roles
from linli.people import services as people
from linli.people.models import Organization
from linli.people.scopes import system
from linli.places import services as places
from linli.places.geometry import rectangle
from linli.places.models import Community, Compound, District, Entrance, Subdistrict, Venue

PASSWORD = "linli-test-pass"

def _id(base17: str) -> str:
    from stdnum.cn import ric

    return base17 + ric.calc_check_digit(base17 + "0")


# Valid 18-digit ID numbers (check digit computed), birth dates spread over ages.
IDS = {k: _id(v[:17]) for k, v in {
    "a1": "140213195001010017",  # male, 1950 (76): lives in A / building 1 / entrance 1 / 101
    "a1_spouse": "140213195203040028",
    "a2": "140213198005060039",  # building 1 entrance 2 (micro-grid A1m)
    "a3": "14021319900707004X",  # building 2 (grid A2)
    "b1": "140213196508080055",  # community B
}.items()}


@dataclass
class World:
    district: District = None
    subdistrict: Subdistrict = None
    other_subdistrict: Subdistrict = None
    a: Community = None
    b: Community = None
    grids: dict = field(default_factory=dict)
    compounds: dict = field(default_factory=dict)
    buildings: dict = field(default_factory=dict)
    entrances: dict = field(default_factory=dict)
    dwellings: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    venues: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)


def build_world() -> World:
    s = system()
    w = World()
    w.district = District.objects.create(code="140213", name="平城区")
    w.subdistrict = Subdistrict.objects.create(district=w.district, code="140213003", name="永泰街道")
    w.other_subdistrict = Subdistrict.objects.create(district=w.district, code="140213004", name="新华街道")
    w.a = Community.objects.create(subdistrict=w.subdistrict, code="140213003001", name="柳航里社区")
    w.b = Community.objects.create(subdistrict=w.subdistrict, code="140213003002", name="东风园社区")
    c = Community.objects.create(subdistrict=w.other_subdistrict, code="140213004001", name="重熙社区")
    w.grids["A1"] = places.create_grid(s, w.a, kind="residential", name="第一网格", boundary=rectangle(113.300, 40.080, 113.302, 40.082))
    w.grids["A1m"] = places.create_grid(s, w.a, kind="micro", name="第一网格微网格1", parent=w.grids["A1"], boundary=rectangle(113.300, 40.080, 113.301, 40.081))
    w.grids["A2"] = places.create_grid(s, w.a, kind="residential", name="第二网格", boundary=rectangle(113.302, 40.080, 113.304, 40.082))
    w.grids["AZ"] = places.create_grid(s, w.a, kind="dedicated", name="专属网格", boundary=rectangle(113.300, 40.078, 113.304, 40.080))
    w.grids["B1"] = places.create_grid(s, w.b, kind="residential", name="东风园第一网格", boundary=rectangle(113.310, 40.080, 113.312, 40.082))
    w.grids["C1"] = places.create_grid(s, c, kind="residential", name="重熙第一网格", boundary=rectangle(113.320, 40.080, 113.322, 40.082))
    w.compounds["A"] = Compound.objects.create(community=w.a, name="航苑")
    w.compounds["B"] = Compound.objects.create(community=w.b, name="东苑")
    w.buildings["A1"] = places.create_building(s, w.a, number="1号楼", compound=w.compounds["A"], grid=w.grids["A1"], micro_grid=w.grids["A1m"], entrances=2, lat=40.0805, lng=113.3005)
    w.buildings["A2"] = places.create_building(s, w.a, number="2号楼", compound=w.compounds["A"], grid=w.grids["A2"], entrances=1, lat=40.081, lng=113.303)
    w.buildings["B1"] = places.create_building(s, w.b, number="1号楼", compound=w.compounds["B"], grid=w.grids["B1"], entrances=1, lat=40.081, lng=113.311)
    w.entrances["A1-1"] = Entrance.objects.get(building=w.buildings["A1"], number="1单元")
    w.entrances["A1-2"] = Entrance.objects.get(building=w.buildings["A1"], number="2单元")
    w.entrances["A2-1"] = Entrance.objects.get(building=w.buildings["A2"], number="1单元")
    w.entrances["B1-1"] = Entrance.objects.get(building=w.buildings["B1"], number="1单元")
    for key, b, e, room in [("A1-101", "A1", "A1-1", "101"), ("A1-201", "A1", "A1-2", "201"), ("A2-301", "A2", "A2-1", "301"), ("B1-101", "B1", "B1-1", "101")]:
        w.dwellings[key] = places.add_dwelling(s, w.buildings[b], room=room, entrance=w.entrances[e])
    w.venues["shop"] = places.register_venue(s, w.grids["AZ"], name="平价超市", kind=Venue.Kind.SHOP, address="柳航街1号")
    w.venues["shop_b"] = places.register_venue(s, w.grids["B1"], name="东风小卖部", kind=Venue.Kind.NINE_SMALL, nine_small="store", address="东风路2号")

    def person(key, dwelling, name, phone, relation="", tags=None):
        w.persons[key] = people.register_person(s, dwelling=w.dwellings[dwelling] if dwelling else None, community=w.a if not dwelling else None,
                                                relation=relation, name=name, id_number=IDS.get(key, ""), phone=phone, tags=tags,
                                                since=datetime.date(2015, 3, 1))
        return w.persons[key]

    person("a1", "A1-101", "王建国", "13800000001", tags={"living_alone": None})
    person("a1_spouse", "A1-101", "李秀兰", "13800000002", relation="spouse")
    person("a2", "A1-201", "张伟", "13800000003", tags={"disabled": 2})
    person("a3", "A2-301", "刘芳", "13800000004")
    person("b1", "B1-101", "陈明", "13800000005")
    # staff live somewhere too (or nowhere): those without a dwelling belong to community A
    staff = {
        "grid_worker": ("赵网格", w.grids["A1"]),
        "micro_grid_worker": ("钱微格", w.grids["A1m"]),
        "building_leader": ("孙楼长", w.buildings["A1"]),
        "entrance_leader": ("周单元", w.entrances["A1-2"]),
        "community_secretary": ("吴书记", w.a),
        "community_staff": ("郑干事", w.a),
        "subdistrict_staff": ("冯街道", w.subdistrict),
        "other_community_staff": ("陈东风", w.b),
    }
    role_of = {"micro_grid_worker": roles.GRID_WORKER, "other_community_staff": roles.COMMUNITY_STAFF}
    for i, (key, (name, scope_obj)) in enumerate(staff.items()):
        p = people.register_person(s, community=w.a, name=name, phone=f"1390000{i:04d}")
        people.appoint(s, p, role_of.get(key, key), scope_obj, starts_on=datetime.date(2020, 1, 1))
        w.persons[key] = p
        w.accounts[key] = people.create_account(p, key, PASSWORD)
    w.orgs["police"] = Organization.objects.create(kind=Organization.Kind.DEPARTMENT, name="永泰派出所", department_type="police", subdistrict=w.subdistrict)
    w.orgs["property"] = Organization.objects.create(kind=Organization.Kind.PROPERTY_COMPANY, name="航苑物业", community=w.a)
    w.orgs["property"].serves.add(w.compounds["A"])
    dept = people.register_person(s, community=w.a, name="褚民警", phone="13900009001")
    people.appoint(s, dept, roles.DEPARTMENT_CONTACT, w.orgs["police"], starts_on=datetime.date(2020, 1, 1))
    w.accounts["department_contact"] = people.create_account(dept, "department_contact", PASSWORD)
    pm = people.register_person(s, community=w.a, name="卫物业", phone="13900009002")
    people.appoint(s, pm, roles.PROPERTY_MANAGER, w.orgs["property"], starts_on=datetime.date(2020, 1, 1))
    w.accounts["property_manager"] = people.create_account(pm, "property_manager", PASSWORD)
    # residents who sign in
    w.accounts["resident"] = people.create_account(w.persons["a1"], "resident", PASSWORD)
    w.accounts["resident_b"] = people.create_account(w.persons["b1"], "resident_b", PASSWORD)
    w.accounts["admin"] = people.create_account(None, "admin", PASSWORD, is_superuser=True, is_staff=True)
    return w
