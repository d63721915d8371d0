"""Builds the demo subdistrict. See linli/demo/__init__.py for the entry points.

Structure goes through the services (grids, buildings, venues, organisations, appointments,
staff registrations); the volume (dwellings, a few thousand residents, their households,
tags and history) goes through bulk_create in the same shapes the services write.
"""

import datetime
import importlib
import importlib.util
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from linli.core import roles
from linli.people import services as people
from linli.people.models import (Account, Appointment, Household, HouseholdMember, Organization, Person, PersonTag,
                                 ResidentEvent)
from linli.people.scopes import system
from linli.places import services as places
from linli.places.models import Building, Community, Compound, District, Dwelling, Entrance, MapFeature, Subdistrict, Venue

from . import layout
from .people_gen import NINE_SMALL_LINES, SHOP_LINES, SHOP_PREFIXES, PeopleMaker

SEED = 20250701
TODAY = datetime.date(2025, 7, 1)  # the demo's "now" for ages and dates, so every build is identical
PASSWORD = "linli-demo"

DISTRICT = ("140213", "平城区")
SUBDISTRICT = ("140213003", "永泰街道")
MAIN = ("140213003001", "柳航里社区")
NEIGHBOURS = [
    # code, name, outline (w, s, e, n), compound, buildings, address
    ("140213003002", "府南街社区", (113.2870, 40.0762, 113.2950, 40.0842), "府南小区", 4, "永泰街道府南街"),
    ("140213003003", "桥南社区", (113.3070, 40.0758, 113.3150, 40.0838), "春华园小区", 5, "永泰街道桥南路"),
]
GRID_COLORS = ["#e4572e", "#29335c", "#f3a712", "#669bbc", "#a8c686", "#8e7dbe", "#c17c74", "#2a9d8f"]
CN_NUM = "一二三四五六七八九十"

# 柳航里: two compounds, 35 buildings; the first compound's 20 buildings in grids 1–3, the second's 15 in grids 4–5.
COMPOUNDS = [
    {"name": "柳航里小区", "address": "永泰街道柳航里", "grids": [0, 1, 2], "buildings": [7, 7, 6], "built": (1986, 1999), "floors": [6], "entrances": (2, 4), "per_floor": 2},
    {"name": "柳航新苑", "address": "永泰街道柳航路88号", "grids": [3, 4], "buildings": [8, 7], "built": (2006, 2013), "floors": [11, 11, 18], "entrances": (1, 2), "per_floor": 3},
]
INSTITUTIONS = [
    ("永泰街道社区卫生服务中心", "医疗卫生"),
    ("中国工商银行大同柳航支行", "金融"),
    ("中国邮政柳航里营业所", "邮政"),
    ("国网大同供电公司永泰供电所", "电力"),
    ("大同市第十六中学校", "教育"),
]
DEPARTMENTS = [
    ("police", "永泰派出所", "police"),
    ("civil_affairs", "永泰街道民政办", "civil"),
    ("housing", "平城区住房和城乡建设局", "housing"),
    ("urban_management", "永泰城管中队", "urban"),
    ("market_regulation", "永泰市场监管所", "market"),
    ("fire", "永泰消防救援站", "fire"),
]
SHOPS_TOTAL = 118
NINE_SMALL_PER_CATEGORY = 3  # 27 of the 118 are nine-small venues, every category present

HEADLINE = {
    "grids": 6,
    "dedicated_grids": 1,
    "residential_grids": 5,
    "compounds": 2,
    "buildings": 35,
    "institutions": 5,
    "shops": 118,
    "building_leaders": 35,
}


@dataclass
class Demo:
    rng: random.Random
    maker: PeopleMaker
    s: object = field(default_factory=system)
    district: District = None
    subdistrict: Subdistrict = None
    main: Community = None
    communities: list = field(default_factory=list)
    grids: dict = field(default_factory=dict)  # (community code, index) -> Grid
    micro: dict = field(default_factory=dict)  # (community code, grid index) -> [Grid]
    buildings: dict = field(default_factory=lambda: defaultdict(list))  # community code -> [Building]
    residents: dict = field(default_factory=lambda: defaultdict(list))  # building id -> [(Person, Member)]
    accounts: dict = field(default_factory=dict)  # username -> Person (one account per person)

    def account(self, username: str, person: Person) -> None:
        if all(p.pk != person.pk for p in self.accounts.values()):
            self.accounts[username] = person


def _log(verbosity, msg):
    if verbosity:
        print(msg, flush=True)


def build(verbosity: int = 1, residents: int = 3200) -> dict:
    """Create the demo subdistrict in one transaction. `residents`: people living in 柳航里 (neighbours get fewer)."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    d = Demo(rng=rng, maker=PeopleMaker(rng, TODAY, "山西省大同市平城区永泰街道柳航里社区"))
    with transaction.atomic():
        _places(d, verbosity)
        _venues(d)
        _log(verbosity, "  residents …")
        _residents(d, d.main, residents)
        for c in d.communities[1:]:
            d.maker.home_residence = f"山西省大同市平城区永泰街道{c.name}"
            _residents(d, c, max(30, residents // 16))
        _log(verbosity, "  organisations and appointments …")
        _organisations_and_posts(d)
        _accounts(d)
        _log(verbosity, "  cases …")
        from . import cases_gen

        cases_gen.build(d.main)
        # the other apps' demo records, each through its own services (linli/demo/<app>_gen.py: build(community))
        for name in ("patrols_gen", "volunteers_gen", "meetings_gen", "life_gen", "evaluation_gen", "care_gen"):
            if importlib.util.find_spec(f"linli.demo.{name}") is not None:
                _log(verbosity, f"  {name.removesuffix('_gen')} …")
                importlib.import_module(f"linli.demo.{name}").build(d.main)
    return {"seconds": round(time.perf_counter() - started, 2)}


# ---------------------------------------------------------------------------- places
def _places(d: Demo, verbosity: int) -> None:
    s = d.s
    d.district, _ = District.objects.get_or_create(code=DISTRICT[0], defaults={"name": DISTRICT[1]})
    d.subdistrict = Subdistrict.objects.create(district=d.district, code=SUBDISTRICT[0], name=SUBDISTRICT[1])
    _log(verbosity, "  places …")
    main_layout = layout.liuhangli()
    centre = main_layout["outline"].centroid
    d.main = Community.objects.create(subdistrict=d.subdistrict, code=MAIN[0], name=MAIN[1], address="永泰街道柳航里",
                                      lat=round(centre.y, 6), lng=round(centre.x, 6), boundary=layout.geojson(main_layout["outline"]))
    d.communities.append(d.main)
    for kind, name, coords in layout.STREETS:  # the streets of the base map (柳航街 along the shop grid, the lane between compounds …)
        MapFeature.objects.create(community=d.main, kind=kind, name=name, geometry={"type": "LineString", "coordinates": [list(c) for c in coords]})
    for kind, name, ring in layout.AREAS:
        MapFeature.objects.create(community=d.main, kind=kind, name=name, geometry={"type": "Polygon", "coordinates": [[list(c) for c in ring]]})
    code = d.main.code
    # 5 residential grids, then the dedicated grid (codes 101…105, 201)
    for i, poly in enumerate(main_layout["grids"]):
        d.grids[(code, i)] = places.create_grid(s, d.main, kind="residential", name=f"第{CN_NUM[i]}网格",
                                                boundary=layout.geojson(poly), color=GRID_COLORS[i])
    d.grids[(code, "dedicated")] = places.create_grid(s, d.main, kind="dedicated", name="柳航街专属网格",
                                                      boundary=layout.geojson(main_layout["dedicated"]), color=GRID_COLORS[5])
    for i, pieces in main_layout["micro"].items():
        parent = d.grids[(code, i)]
        d.micro[(code, i)] = [
            places.create_grid(s, d.main, kind="micro", parent=parent, name=f"{parent.name}第{CN_NUM[j]}微网格",
                               boundary=layout.geojson(p), color=parent.color)
            for j, p in enumerate(pieces)
        ]
    grid_polys = {(code, i): p for i, p in enumerate(main_layout["grids"])}
    micro_polys = {(code, i): pieces for i, pieces in main_layout["micro"].items()}
    for spec, poly in zip(COMPOUNDS, main_layout["compounds"]):
        compound = Compound.objects.create(community=d.main, name=spec["name"], address=spec["address"], boundary=layout.geojson(poly))
        spec_n = 0
        for gi, count in zip(spec["grids"], spec["buildings"]):
            _buildings(d, d.main, compound, spec, d.grids[(code, gi)], grid_polys[(code, gi)],
                       d.micro.get((code, gi), []), micro_polys.get((code, gi), []), count, start=spec_n + 1)
            spec_n += count
    # the neighbours
    for ncode, name, (w, so, e, n), compound_name, nb, address in NEIGHBOURS:
        nl = layout.neighbour(w, so, e, n, 2)
        centre = nl["outline"].centroid
        c = Community.objects.create(subdistrict=d.subdistrict, code=ncode, name=name, address=address, lat=round(centre.y, 6), lng=round(centre.x, 6),
                                     boundary=layout.geojson(nl["outline"]))
        d.communities.append(c)
        compound = Compound.objects.create(community=c, name=compound_name, address=address, boundary=layout.geojson(nl["outline"]))
        spec = {"built": (1995, 2005), "floors": [6], "entrances": (2, 3), "per_floor": 2}
        start = 1
        for i, poly in enumerate(nl["grids"]):
            g = places.create_grid(s, c, kind="residential", name=f"{name[:-2]}第{CN_NUM[i]}网格", boundary=layout.geojson(poly), color=GRID_COLORS[6 + i])
            d.grids[(ncode, i)] = g
            count = nb // 2 + (nb % 2 if i == 0 else 0)
            _buildings(d, c, compound, spec, g, poly, [], [], count, start=start)
            start += count


def _buildings(d, community, compound, spec, grid, grid_poly, micro_grids, micro_polys, count, start):
    rng = d.rng
    # buildings are spread over the micro-grids (if any) in turn, and placed inside their polygon
    if micro_grids:
        share = [count // len(micro_grids) + (1 if j < count % len(micro_grids) else 0) for j in range(len(micro_grids))]
        spots = []
        for mg, poly, k in zip(micro_grids, micro_polys, share):
            spots += [(mg, pt) for pt in layout.points_inside(poly, k)]
    else:
        spots = [(None, pt) for pt in layout.points_inside(grid_poly, count)]
    for n, (mg, (lng, lat)) in enumerate(spots, start=start):
        floors = rng.choice(spec["floors"])
        b = places.create_building(
            d.s, community, number=f"{n}号楼", grid=grid, compound=compound, micro_grid=mg,
            entrances=rng.randint(*spec["entrances"]), floors=floors, built_year=rng.randint(*spec["built"]),
            kind=Building.Kind.RESIDENTIAL, address=f"{compound.address}{n}号楼", lat=lat, lng=lng,
        )
        b._per_floor = spec["per_floor"]
        d.buildings[community.code].append(b)


# ---------------------------------------------------------------------------- venues
def _venues(d: Demo) -> None:
    rng, s = d.rng, d.s
    dedicated = d.grids[(d.main.code, "dedicated")]
    poly = layout.liuhangli()["dedicated"]
    spots = layout.along(poly, SHOPS_TOTAL + len(INSTITUTIONS))
    used_names = set()

    def contact():
        return d.maker.surname() + rng.choice("先生 女士".split()), d.maker.phone()

    k = 0
    for name, line in INSTITUTIONS:
        lng, lat = spots[k]
        k += 1
        who, phone = contact()
        places.register_venue(s, dedicated, name=name, kind=Venue.Kind.INSTITUTION, business=line, address=f"柳航街{k * 2 - 1}号",
                              contact_name=who, contact_phone=phone, lat=lat, lng=lng)
    nine = [(cat, line) for cat, lines in NINE_SMALL_LINES.items() for line in lines[:NINE_SMALL_PER_CATEGORY]]
    shops = [(None, line, business) for line, business in SHOP_LINES]
    while len(nine) + len(shops) < SHOPS_TOTAL:
        line, business = rng.choice(SHOP_LINES)
        shops.append((None, line, business))
    todo = [(cat, line, "九小场所") for cat, line in nine] + shops[: SHOPS_TOTAL - len(nine)]
    rng.shuffle(todo)
    for cat, line, business in todo:
        while True:
            name = rng.choice(SHOP_PREFIXES) + line
            if name not in used_names:
                used_names.add(name)
                break
        lng, lat = spots[k]
        street, number = ("柳航街", k * 2 - 1) if k % 3 else ("永泰南路", k)
        k += 1
        who, phone = contact()
        fields = {"business": business, "address": f"{street}{number}号", "contact_name": who, "contact_phone": phone, "lat": lat, "lng": lng}
        if cat:
            places.register_venue(s, dedicated, name=name, kind=Venue.Kind.NINE_SMALL, nine_small=cat, **fields)
        else:
            places.register_venue(s, dedicated, name=name, kind=Venue.Kind.SHOP, **fields)
    # neighbours: a kindergarten and a health station in 府南街 (seed 001), a property company's shop street in 桥南
    funan, qiaonan = d.communities[1], d.communities[2]
    places.register_venue(s, d.grids[(funan.code, 0)], name="新天地幼儿园", kind=Venue.Kind.SCHOOL, address="府南街12号")
    places.register_venue(s, d.grids[(funan.code, 0)], name="府南街卫生服务站", kind=Venue.Kind.INSTITUTION, address="府南街20号")
    places.register_venue(s, d.grids[(qiaonan.code, 0)], name="桥南便民超市", kind=Venue.Kind.SHOP, address="桥南路6号")
    places.register_venue(s, d.grids[(qiaonan.code, 1)], name="春华园小卖部", kind=Venue.Kind.NINE_SMALL, nine_small="store", address="桥南路18号")


# ---------------------------------------------------------------------------- residents
def _residents(d: Demo, community: Community, target: int) -> None:
    """Households into dwellings until about `target` people live in the community; every building gets some."""
    rng, maker = d.rng, d.maker
    buildings = d.buildings[community.code]
    entrances = {b.pk: list(Entrance.objects.filter(building=b).order_by("number")) for b in buildings}
    specs = []  # (building, entrance, room, floor)
    for b in buildings:
        for e in entrances[b.pk]:
            for floor in range(1, (b.floors or 6) + 1):
                for pos in range(1, b._per_floor + 1):
                    specs.append((b, e, f"{floor}{pos:02d}", floor))
    # every building first gets one family (its building leader will come from there), then the rest at random
    order = []
    by_building = defaultdict(list)
    for i, spec in enumerate(specs):
        by_building[spec[0].pk].append(i)
    for b in buildings:
        order.append(rng.choice(by_building[b.pk]))
    taken = set(order)
    rest = [i for i in range(len(specs)) if i not in taken]
    rng.shuffle(rest)
    order += rest
    plans = {}
    people_count = 0
    for n, i in enumerate(order):
        if people_count >= target and n >= len(buildings):
            break
        plan = maker.household("three_generations" if n < len(buildings) else None)
        plans[i] = plan
        people_count += len(plan.members)
    dwellings = []
    for i, (b, e, room, floor) in enumerate(specs):
        plan = plans.get(i)
        use = Dwelling.Use.VACANT if plan is None else (Dwelling.Use.RENTED if plan.tenant else Dwelling.Use.OWNER)
        area = rng.choice([48, 56, 62, 68, 75, 86, 92, 105, 118, 126]) + rng.randint(0, 99) / 100
        dwellings.append(Dwelling(building=b, entrance=e, room=room, floor=floor, area_m2=f"{area:.2f}", use=use))
    Dwelling.objects.bulk_create(dwellings, batch_size=500)
    # households
    hh_rows, hh_plans = [], []
    for i in sorted(plans):
        dw = dwellings[i]
        head = plans[i].members[0]
        since = _move_in(rng, head, dw.building.built_year)
        for m in plans[i].members:
            m.since = max(since, m.birth_date)
        hh_rows.append(Household(dwelling=dw, number=f"{community.code[-3:]}{len(hh_rows) + 1:05d}",
                                 kind=Household.Kind.FAMILY, created_on=since))
        hh_plans.append(plans[i])
    Household.objects.bulk_create(hh_rows, batch_size=500)
    persons, members = [], []
    for hh, plan in zip(hh_rows, hh_plans):
        for m in plan.members:
            p = Person(
                name=m.name, gender=m.gender, birth_date=m.birth_date, id_number=m.id_number, phone=m.phone,
                ethnicity=m.ethnicity, political_status=m.political_status, registered_residence=m.registered_residence,
                registered_here=m.registered_here, work_unit=m.work_unit, community=community, dwelling=hh.dwelling,
                household=hh, status=Person.Status.LIVING_HERE,
            )
            persons.append(p)
            members.append((p, m, hh))
    Person.objects.bulk_create(persons, batch_size=500)
    tags, hm, events = [], [], []
    for p, m, hh in members:
        relation = m.relation if m.relation in HouseholdMember.Relation.values else HouseholdMember.Relation.OTHER
        hm.append(HouseholdMember(household=hh, person=p, relation=relation, since=m.since))
        for tag, level in m.tags.items():
            tags.append(PersonTag(person=p, tag=tag, level=level, since=m.since))
        events.append(ResidentEvent(person=p, kind=ResidentEvent.Kind.REGISTERED, on=m.since, note="入户普查建档"))
        dw = hh.dwelling
        events.append(ResidentEvent(person=p, household=hh, kind=ResidentEvent.Kind.MOVED_IN, on=m.since,
                                    note=f"{dw.building.compound.name}{dw.building.number}{dw.entrance.number}{dw.room}"))
        d.residents[dw.building_id].append((p, m))
    HouseholdMember.objects.bulk_create(hm, batch_size=500)
    PersonTag.objects.bulk_create(tags, batch_size=500)
    ResidentEvent.objects.bulk_create(events, batch_size=500)


def _move_in(rng, head, built_year) -> datetime.date:
    earliest = max(datetime.date(built_year, 6, 1), head.birth_date.replace(year=head.birth_date.year + 20) if not (head.birth_date.month == 2 and head.birth_date.day == 29) else head.birth_date.replace(year=head.birth_date.year + 20, day=28))
    if earliest >= TODAY:
        return TODAY
    return earliest + datetime.timedelta(days=rng.randrange(0, (TODAY - earliest).days + 1))


# ---------------------------------------------------------------------------- organisations and posts
def _staff(d: Demo, community: Community, name: str, gender: str, age: int, political: str = "masses") -> Person:
    m = d.maker.person("head", gender, age)
    person = people.register_person(d.s, community=community, name=name or m.name, id_number=m.id_number, phone=m.phone,
                                    ethnicity=m.ethnicity, political_status=political, work_unit="永泰街道办事处",
                                    registered_residence=m.registered_residence, since=datetime.date(2018, 3, 1))
    return person


def _appoint(d: Demo, person, role, scope_object, title="", starts_on=datetime.date(2021, 1, 1)):
    return people.appoint(d.s, person, role, scope_object, starts_on=starts_on, title=title)


def _pick(rng, candidates, *, party_first=True, min_age=30, max_age=72):
    def age(m):
        return m.age(TODAY)

    fit = [(p, m) for p, m in candidates if min_age <= age(m) <= max_age]
    fit = fit or candidates
    if party_first:
        party = [(p, m) for p, m in fit if p.political_status == Person.Political.PARTY_MEMBER]
        if party:
            return rng.choice(party)
    return rng.choice(fit)


def _free(d: Demo, candidates):
    """Candidates who have no demo account yet (so each post gets its own sign-in), or all if none is free."""
    taken = {p.pk for p in d.accounts.values()}
    return [(p, m) for p, m in candidates if p.pk not in taken] or candidates


def _make_party_member(p: Person) -> None:
    if p.political_status != Person.Political.PARTY_MEMBER:
        Person.objects.filter(pk=p.pk).update(political_status=Person.Political.PARTY_MEMBER)
        p.political_status = Person.Political.PARTY_MEMBER


def _organisations_and_posts(d: Demo) -> None:
    rng, s = d.rng, d.s
    main = d.main
    code = main.code
    P = Organization.PartyLevel
    org = people.create_organization
    # staff of the community, subdistrict and departments
    secretary = _staff(d, main, "", "F", 46, "party_member")
    _appoint(d, secretary, roles.COMMUNITY_SECRETARY, main, title="社区党委书记、居委会主任")
    d.account("secretary", secretary)
    staff = [_staff(d, main, "", rng.choice("MF"), rng.randint(26, 45), rng.choice(["party_member", "masses"])) for _ in range(3)]
    for i, p in enumerate(staff):
        _appoint(d, p, roles.COMMUNITY_STAFF, main, title=["社区副书记", "社区专干", "社区专干"][i])
        d.account(f"staff{i + 1}", p)
    # grid workers: one per residential grid; the dedicated grid's worker is a staff member (交叉任职)
    for i in range(5):
        p = _staff(d, main, "", rng.choice("MF"), rng.randint(25, 48))
        _appoint(d, p, roles.GRID_WORKER, d.grids[(code, i)], title="专职网格员")
        d.account(f"grid{i + 1}", p)
    _appoint(d, staff[1], roles.GRID_WORKER, d.grids[(code, "dedicated")], title="专属网格网格员")
    # subdistrict staff
    for i in range(2):
        p = _staff(d, main, "", rng.choice("MF"), rng.randint(30, 52), "party_member")
        _appoint(d, p, roles.SUBDISTRICT_STAFF, d.subdistrict, title=["街道党工委委员", "街道网格中心主任"][i])
        d.account(f"subdistrict{i + 1}" if i else "subdistrict", p)
    # departments, each with a contact who reports in when whistled
    for dept_type, name, username in DEPARTMENTS:
        contact = _staff(d, main, "", rng.choice("MF"), rng.randint(28, 55))
        Person.objects.filter(pk=contact.pk).update(work_unit=name)
        dept = org(s, kind=Organization.Kind.DEPARTMENT, name=name, department_type=dept_type, subdistrict=d.subdistrict,
                   contact_name=contact.name, contact_phone=contact.phone)
        _appoint(d, contact, roles.DEPARTMENT_CONTACT, dept, title="报到联络人")
        d.account(username, contact)
    # property company serving both compounds, owners' committee, co-building units, social organisation
    compounds = list(Compound.objects.filter(community=main).order_by("id"))
    pm = _staff(d, main, "", "M", 41)
    Person.objects.filter(pk=pm.pk).update(work_unit="大同永泰物业服务有限公司")
    prop = org(s, kind=Organization.Kind.PROPERTY_COMPANY, name="大同永泰物业服务有限公司", community=main, serves=compounds,
               contact_name=pm.name, contact_phone=pm.phone, credit_code="91140200MA0K7Y3X2B")
    _appoint(d, pm, roles.PROPERTY_MANAGER, prop, title="项目经理")
    d.account("property", pm)
    # the party tree: 社区党委 → 小区党支部 (per compound) → 网格党小组 (per grid) → 党员中心户
    committee = org(s, kind="party", party_level=P.COMMUNITY_COMMITTEE, name="中共柳航里社区委员会", community=main,
                    contact_name=secretary.name, contact_phone=secretary.phone)
    branches = {}
    for spec, compound in zip(COMPOUNDS, compounds):
        branches[compound.pk] = org(s, kind="party", party_level=P.COMPOUND_BRANCH, name=f"{compound.name}党支部",
                                    parent=committee, community=main, compound=compound)
        owners_residents = [pm_ for b in d.buildings[code] if b.compound_id == compound.pk for pm_ in d.residents[b.pk]]
        chair, _m = _pick(rng, owners_residents, party_first=False, min_age=45)
        org(s, kind=Organization.Kind.OWNERS_COMMITTEE, name=f"{compound.name}业主委员会", community=main, compound=compound,
            contact_name=chair.name, contact_phone=chair.phone)
    groups = {}
    for i in range(5):
        grid = d.grids[(code, i)]
        compound = compounds[0] if i < 3 else compounds[1]
        groups[i] = org(s, kind="party", party_level=P.GRID_GROUP, name=f"{grid.name}党小组", parent=branches[compound.pk],
                        community=main, grid=grid)
        in_grid = [pm_ for b in d.buildings[code] if b.grid_id == grid.pk for pm_ in d.residents[b.pk]]
        leader, _m = _pick(rng, _free(d, in_grid), min_age=40, max_age=70)
        _make_party_member(leader)
        _appoint(d, leader, roles.PARTY_GROUP_LEADER, groups[i], title="网格党小组组长")
        d.account(f"party{i + 1}", leader)
    for name, line in [("中国工商银行大同柳航支行", "金融"), ("国网大同供电公司永泰供电所", "电力"), ("大同市第十六中学校", "教育")]:
        org(s, kind=Organization.Kind.CO_BUILDING, name=name, community=main, grid=d.grids[(code, "dedicated")])
    org(s, kind=Organization.Kind.SOCIAL, name="柳航里社区老年协会", community=main)
    team = org(s, kind=Organization.Kind.VOLUNTEER_TEAM, name="柳航里小区志愿者服务队", community=main)
    # building leaders (35): one per building, living there; two in three are party members and also 党员中心户
    grid_index = {d.grids[(code, i)].pk: i for i in range(5)}
    for n, b in enumerate(d.buildings[code]):
        leader, m = _pick(rng, _free(d, d.residents[b.pk]), party_first=True, min_age=38, max_age=72)
        if n % 3 != 2:
            _make_party_member(leader)
        _appoint(d, leader, roles.BUILDING_LEADER, b, title="楼栋长")
        d.account(f"leader{n + 1:02d}", leader)
        if leader.political_status == Person.Political.PARTY_MEMBER:
            org(s, kind="party", party_level=P.MEMBER_HOUSEHOLD, name=f"{leader.name}党员中心户", parent=groups[grid_index[b.grid_id]],
                community=main, building=b, contact_name=leader.name, contact_phone=leader.phone)
            _appoint(d, leader, roles.PARTY_LIAISON, b, title="党员中心户")
    # entrance leaders in the second compound's bigger buildings
    k = 0
    for b in d.buildings[code]:
        if b.compound_id != compounds[1].pk or k >= 6:
            continue
        for e in Entrance.objects.filter(building=b).order_by("number")[1:]:
            here = [(p, m) for p, m in d.residents[b.pk] if p.dwelling.entrance_id == e.pk] or d.residents[b.pk]
            p, _m = _pick(rng, _free(d, here), party_first=False, min_age=30, max_age=70)
            _appoint(d, p, roles.ENTRANCE_LEADER, e, title="单元长")
            k += 1
            if k == 1:
                d.account("entrance", p)
    # micro-grid leads (微网格长): a party member living in the micro-grid
    first = True
    for (ccode, gi), mgs in d.micro.items():
        for mg in mgs:
            here = [pm_ for b in d.buildings[ccode] if b.micro_grid_id == mg.pk for pm_ in d.residents[b.pk]]
            if not here:
                continue
            p, _m = _pick(rng, _free(d, here), min_age=35, max_age=68)
            _make_party_member(p)
            _appoint(d, p, roles.GRID_WORKER, mg, title="微网格长")
            if first:
                d.account("micro", p)
                first = False
    # volunteer team lead
    lead, _m = _pick(rng, _free(d, [pm_ for b in d.buildings[code] for pm_ in d.residents[b.pk]]), min_age=50, max_age=68)
    _appoint(d, lead, roles.VOLUNTEER_TEAM_LEAD, team, title="志愿者服务队队长")
    d.account("volunteer", lead)
    # residents who sign in: a household head in the first grid, one in the fourth
    for username, gi in (("resident", 0), ("resident2", 3)):
        grid = d.grids[(code, gi)]
        heads = [(p, m) for b in d.buildings[code] if b.grid_id == grid.pk for p, m in d.residents[b.pk]
                 if m.relation == "head" and not Appointment.objects.filter(person=p).exists()]
        p, _m = _pick(rng, _free(d, heads), party_first=False, min_age=30, max_age=75)
        d.account(username, p)
    # the neighbours: a secretary and a grid worker each (so scopes can be seen)
    for c, prefix in zip(d.communities[1:], ("funan", "qiaonan")):
        sec = _staff(d, c, "", rng.choice("MF"), rng.randint(38, 55), "party_member")
        _appoint(d, sec, roles.COMMUNITY_SECRETARY, c, title="社区党委书记")
        d.account(f"{prefix}_secretary", sec)
        for i in range(2):
            gw = _staff(d, c, "", rng.choice("MF"), rng.randint(25, 45))
            _appoint(d, gw, roles.GRID_WORKER, d.grids[(c.code, i)], title="专职网格员")
            d.account(f"{prefix}_grid{i + 1}", gw)
        b = d.buildings[c.code][0]
        leader, _m = _pick(rng, _free(d, d.residents[b.pk]), min_age=38, max_age=72)
        _appoint(d, leader, roles.BUILDING_LEADER, b, title="楼栋长")
        d.account(f"{prefix}_leader", leader)


def _accounts(d: Demo) -> None:
    """Accounts in bulk with one password hash (hashing each at full strength would take ~0.3 s apiece)."""
    hashed = make_password(PASSWORD)
    rows = [Account(username=username, person=p, password=hashed) for username, p in d.accounts.items()]
    rows.append(Account(username="admin", password=hashed, is_superuser=True, is_staff=True))
    Account.objects.bulk_create(rows)
