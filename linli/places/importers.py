"""Import buildings and venues (shops, the nine small venues, institutions) from Excel.

    report = import_buildings(scope, fileobj, dry_run=True)
    report = import_venues(scope, fileobj, dry_run=False)

Sheets are small (tens to a few thousand rows), so every row goes through the places
services (create_building, assign_building, register_venue) in its own savepoint; a dry run
does the same inside a transaction that is rolled back at the end, so it checks exactly
what a real run would and writes nothing. Natural keys: a building is its community +
compound + number, a venue its community + name + address. Mapping: docs/import-mapping.md.
"""

import contextlib
import datetime
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from linli.core import imports as rules
from linli.core.errors import OutOfScope
from linli.core.imports import ImportReport
from linli.core.excel import parse_float, parse_int
from linli.core import roles

from . import services
from .models import Building, Community, Compound, Entrance, Grid, Venue

PROGRESS_EVERY = 500

GRID_ALIASES = ("网格", "网格编码", "网格名称", "所属网格", "网格编号")
COORD_ALIASES = {"lng": ("经度",), "lat": ("纬度",)}

BUILDING_ALIASES = {
    "community": ("社区", "所属社区"),
    "compound": ("小区", "小区名称"),
    "number": ("楼栋号", "楼栋", "楼号", "楼栋名称"),
    "grid": GRID_ALIASES,
    "entrances": ("单元数", "单元数量"),
    "floors": ("层数", "楼层数", "总层数"),
    "households": ("户数", "总户数"),
    "built_year": ("建成年份", "建成年代", "建筑年代", "建成时间"),
    "address": ("地址", "楼栋地址"),
    "kind": ("类型", "楼栋类型", "房屋类型"),
    **COORD_ALIASES,
}
BUILDING_REQUIRED = ["number", "grid"]
BUILDING_KINDS = {
    "住宅": Building.Kind.RESIDENTIAL, "住宅楼": Building.Kind.RESIDENTIAL,
    "商住": Building.Kind.MIXED, "商住两用": Building.Kind.MIXED, "混合": Building.Kind.MIXED, "综合": Building.Kind.MIXED,
    "平房": Building.Kind.BUNGALOW, "平房院落": Building.Kind.BUNGALOW, "平房院": Building.Kind.BUNGALOW,
    "非住宅": Building.Kind.NONRESIDENTIAL, "商业": Building.Kind.NONRESIDENTIAL, "办公": Building.Kind.NONRESIDENTIAL,
}
BUILDING_KIND_LABELS = {Building.Kind.RESIDENTIAL: "住宅", Building.Kind.MIXED: "商住", Building.Kind.BUNGALOW: "平房", Building.Kind.NONRESIDENTIAL: "非住宅"}

VENUE_ALIASES = {
    "community": ("社区", "所属社区"),
    "name": ("名称", "店铺名称", "场所名称", "商铺名称", "单位名称"),
    "category": ("类别", "九小场所类别", "场所类别", "类型", "场所类型"),
    "grid": GRID_ALIASES,
    "address": ("地址", "经营地址", "场所地址"),
    "contact_name": ("负责人", "联系人", "经营者", "法定代表人"),
    "contact_phone": ("联系电话", "电话", "手机号", "联系方式"),
    "credit_code": ("营业执照号", "统一社会信用代码", "信用代码", "营业执照注册号"),
    "business": ("经营范围", "行业", "主营业务"),
    **COORD_ALIASES,
}
VENUE_REQUIRED = ["name", "grid"]
_NS = Venue.NineSmall
VENUE_CATEGORIES = {  # category text -> (kind, nine_small)
    "商铺": ("shop", ""), "店铺": ("shop", ""), "商店": ("shop", ""), "门店": ("shop", ""), "超市": ("shop", ""),
    "小商店": ("nine_small", _NS.STORE), "小超市": ("nine_small", _NS.STORE), "小卖部": ("nine_small", _NS.STORE),
    "小餐饮": ("nine_small", _NS.CATERING), "小饭店": ("nine_small", _NS.CATERING), "小餐馆": ("nine_small", _NS.CATERING),
    "小旅馆": ("nine_small", _NS.HOTEL), "小宾馆": ("nine_small", _NS.HOTEL), "小旅店": ("nine_small", _NS.HOTEL),
    "小歌舞娱乐": ("nine_small", _NS.ENTERTAINMENT), "小娱乐": ("nine_small", _NS.ENTERTAINMENT), "小歌舞厅": ("nine_small", _NS.ENTERTAINMENT),
    "小网吧": ("nine_small", _NS.INTERNET_CAFE), "小网咖": ("nine_small", _NS.INTERNET_CAFE),
    "小美容洗浴": ("nine_small", _NS.BEAUTY_BATH), "小美容": ("nine_small", _NS.BEAUTY_BATH), "小洗浴": ("nine_small", _NS.BEAUTY_BATH),
    "小美容美发": ("nine_small", _NS.BEAUTY_BATH),
    "小学校": ("nine_small", _NS.EDUCATION), "小培训": ("nine_small", _NS.EDUCATION), "小幼儿园": ("nine_small", _NS.EDUCATION),
    "小培训机构": ("nine_small", _NS.EDUCATION),
    "小医院": ("nine_small", _NS.CLINIC), "小诊所": ("nine_small", _NS.CLINIC),
    "小生产加工": ("nine_small", _NS.WORKSHOP), "小作坊": ("nine_small", _NS.WORKSHOP), "小加工": ("nine_small", _NS.WORKSHOP),
    "驻区单位": ("institution", ""), "单位": ("institution", ""), "机关单位": ("institution", ""),
    "学校": ("school", ""), "共建单位": ("co_building", ""), "其他": ("other", ""), "其它": ("other", ""),
}
VENUE_CATEGORY_LABELS = {
    ("shop", ""): "商铺", ("institution", ""): "驻区单位", ("school", ""): "学校", ("co_building", ""): "共建单位", ("other", ""): "其他",
    ("nine_small", _NS.STORE): "小商店", ("nine_small", _NS.CATERING): "小餐饮", ("nine_small", _NS.HOTEL): "小旅馆",
    ("nine_small", _NS.ENTERTAINMENT): "小歌舞娱乐", ("nine_small", _NS.INTERNET_CAFE): "小网吧",
    ("nine_small", _NS.BEAUTY_BATH): "小美容洗浴", ("nine_small", _NS.EDUCATION): "小学校",
    ("nine_small", _NS.CLINIC): "小诊所", ("nine_small", _NS.WORKSHOP): "小生产加工",
}


class _Skip(Exception):
    """The row has errors already recorded."""


class PlaceImport:
    kind = ""
    aliases: dict = {}
    required: list = []

    def __init__(self, scope, *, dry_run: bool, community=None, on_progress=None):
        self.scope = scope
        self.dry_run = dry_run
        self.on_progress = on_progress
        self.report = ImportReport(kind=self.kind, dry_run=dry_run)
        communities = Community.objects.all()
        if community:
            communities = communities.filter(pk=community) if str(community).isdigit() and len(str(community)) < 12 else communities.filter(code=community)
        elif not scope.everything:
            communities = scope.filter(communities, "write")
        self.communities = {c.pk: c for c in communities}
        self.grids_by_code = {}
        self.grids_by_name: dict[str, list[Grid]] = {}
        for g in Grid.objects.filter(community_id__in=list(self.communities)).select_related("parent"):
            self.grids_by_code[g.code] = g
            self.grids_by_name.setdefault(g.name, []).append(g)
        self.compounds = {(c.community_id, c.name): c for c in Compound.objects.filter(community_id__in=list(self.communities))}

    def col(self, name: str) -> str:
        return self.report.columns.get(name) or self.aliases[name][0]

    def run(self, fileobj) -> ImportReport:
        started = time.perf_counter()
        sheet = rules.open_sheet(self.report, fileobj, self.aliases, self.required)
        if sheet is None:
            return self.report
        self.sheet = sheet
        # A dry run does everything inside one transaction and rolls it back; a real run
        # commits row by row (each row its own transaction).
        with transaction.atomic() if self.dry_run else contextlib.nullcontext():
            for row in sheet.rows():
                self.report.rows += 1
                self.errors = []
                try:
                    with transaction.atomic():
                        outcome = self.row(row)
                        if self.errors:
                            raise _Skip()
                except _Skip:
                    for name, rule, message in self.errors:
                        self.report.error(row, self.col(name) if name in self.aliases else "", rule, message)
                else:
                    setattr(self.report, outcome, getattr(self.report, outcome) + 1)
                if self.on_progress and self.report.rows % PROGRESS_EVERY == 0:
                    self.on_progress(self.report.rows, sheet.total)
            if self.dry_run:
                transaction.set_rollback(True)
        if self.on_progress:
            self.on_progress(self.report.rows, self.report.rows)
        self.report.seconds = time.perf_counter() - started
        return self.report

    # ------------------------------------------------------------------ shared checks
    def fail(self, name: str, rule: str, message) -> None:
        self.errors.append((name, rule, str(message)))

    def grid(self, v: dict) -> Grid | None:
        text = v.get("grid", "")
        if not text:
            self.fail("grid", rules.REQUIRED, _("Grid: required"))
            return None
        grid = self.grids_by_code.get(text)
        if grid is None:
            candidates = self.grids_by_name.get(text, [])
            if v.get("community"):
                candidates = [g for g in candidates if self.communities[g.community_id].name in (v["community"], v["community"] + "社区")]
            if len(candidates) > 1:
                self.fail("grid", rules.AMBIGUOUS_GRID, _("Grid: several grids are called %(g)s; use the grid code") % {"g": text})
                return None
            grid = candidates[0] if candidates else None
        if grid is None:
            self.fail("grid", rules.UNKNOWN_GRID, _("Grid: no grid %(g)s in your communities") % {"g": text})
        return grid

    def number(self, v: dict, name: str, lo: int, hi: int, message):
        if not v.get(name):
            return None
        try:
            value = parse_int(v[name])
        except ValueError:
            self.fail(name, rules.BAD_NUMBER, message)
            return None
        if not lo <= value <= hi:
            self.fail(name, rules.BAD_NUMBER, message)
            return None
        return value

    def coordinates(self, v: dict, fields: dict) -> None:
        for name, lo, hi in (("lng", 73.0, 136.0), ("lat", 3.0, 54.0)):
            if v.get(name):
                try:
                    value = parse_float(v[name])
                except ValueError:
                    value = None
                if value is None or not lo <= value <= hi:
                    self.fail(name, rules.COORDINATES, _("%(c)s: must be a number from %(lo)s to %(hi)s") % {"c": self.col(name), "lo": lo, "hi": hi})
                else:
                    fields[name] = value

    def text(self, v: dict, name: str, limit: int, fields: dict) -> None:
        value = v.get(name, "")
        if value:
            if len(value) > limit:
                self.fail(name, rules.TOO_LONG, _("%(c)s: at most %(n)d characters") % {"c": self.col(name), "n": limit})
            else:
                fields[name] = value

    def service_error(self, exc, default_column: str) -> None:
        if isinstance(exc, OutOfScope):
            self.fail(default_column, rules.OUT_OF_SCOPE, exc)
            return
        for name, messages in exc.message_dict.items():
            column = name if name in self.aliases else default_column
            rule = {"number": rules.DB_CONFLICT if "exists" in messages[0] else rules.REQUIRED, "name": rules.REQUIRED,
                    "grid": rules.UNKNOWN_GRID, "micro_grid": rules.UNKNOWN_GRID, "compound": rules.UNKNOWN_COMPOUND,
                    "nine_small": rules.BAD_VALUE, "kind": rules.BAD_VALUE}.get(name, rules.INVALID)
            self.fail(column, rule, messages[0])
        raise _Skip()

    def require_write(self, obj, column: str) -> None:
        if not self.scope.covers(obj, "write", roles.PLACES):
            self.fail(column, rules.OUT_OF_SCOPE, _("%(what)s lies outside your area.") % {"what": str(obj)})
            raise _Skip()


# ---------------------------------------------------------------------------- buildings
class BuildingImport(PlaceImport):
    kind = "buildings"
    aliases = BUILDING_ALIASES
    required = BUILDING_REQUIRED

    def row(self, r) -> str:
        v = r.values
        number = v.get("number", "")
        if not number:
            self.fail("number", rules.REQUIRED, _("Building number: required"))
        elif len(number) > 50:
            self.fail("number", rules.TOO_LONG, _("Building number: at most 50 characters"))
        grid = self.grid(v)
        micro = None
        if grid is not None and grid.kind == Grid.Kind.MICRO:
            grid, micro = grid.parent, grid
        fields = {}
        entrances = self.number(v, "entrances", 0, 50, _("Entrances: a whole number from 0 to 50"))
        floors = self.number(v, "floors", 1, 200, _("Floors: a whole number from 1 to 200"))
        if floors is not None:
            fields["floors"] = floors
        self.number(v, "households", 0, 100000, _("Households: a whole number"))  # checked, not stored
        year = self.number(v, "built_year", 1800, datetime.date.today().year, _("Year built: a year from 1800 to this year"))
        if year is not None:
            fields["built_year"] = year
        self.text(v, "address", 200, fields)
        if v.get("kind"):
            if v["kind"] in BUILDING_KINDS:
                fields["kind"] = BUILDING_KINDS[v["kind"]]
            else:
                self.fail("kind", rules.BAD_VALUE, _("Kind: must be 住宅, 商住, 平房 or 非住宅"))
        self.coordinates(v, fields)
        compound = None
        if grid is not None and v.get("compound"):
            compound = self.compounds.get((grid.community_id, v["compound"]))
            if compound is None:
                self.fail("compound", rules.UNKNOWN_COMPOUND, _("Compound: no compound %(c)s in this grid's community") % {"c": v["compound"]})
        if self.errors:
            raise _Skip()
        community = self.communities[grid.community_id]
        building = Building.objects.filter(community=community, compound=compound, number=number).first()
        try:
            if building is None:
                services.create_building(self.scope, community, number=number, grid=grid, compound=compound, micro_grid=micro,
                                         entrances=entrances or 0, **fields)
                return "created"
            return self.update(building, grid, micro, entrances, fields)
        except (ValidationError, OutOfScope) as exc:
            self.service_error(exc, "grid")

    def update(self, building: Building, grid: Grid, micro, entrances, fields: dict) -> str:
        changed = False
        moves = building.grid_id != grid.pk or (micro is not None and building.micro_grid_id != micro.pk)
        changes = {k: val for k, val in fields.items() if getattr(building, k) != val}
        have = Entrance.objects.filter(building=building).count()
        more = max((entrances or 0) - have, 0)
        if not (moves or changes or more):
            return "unchanged"
        self.require_write(building, "number")
        if moves:
            services.assign_building(self.scope, building, grid, micro if micro is not None else (building.micro_grid if building.micro_grid and building.micro_grid.parent_id == grid.pk else None))
            changed = True
        if changes:
            for k, val in changes.items():
                setattr(building, k, val)
            building.save(update_fields=list(changes))
            changed = True
        if more:
            taken = set(Entrance.objects.filter(building=building).values_list("number", flat=True))
            n = 0
            while more:
                n += 1
                if f"{n}单元" not in taken:
                    Entrance.objects.create(building=building, number=f"{n}单元")
                    more -= 1
            changed = True
        return "updated" if changed else "unchanged"


# ---------------------------------------------------------------------------- venues
class VenueImport(PlaceImport):
    kind = "venues"
    aliases = VENUE_ALIASES
    required = VENUE_REQUIRED

    def row(self, r) -> str:
        from linli.core.validation import normalize_phone

        v = r.values
        name = v.get("name", "")
        if not name:
            self.fail("name", rules.REQUIRED, _("Name: required"))
        elif len(name) > 200:
            self.fail("name", rules.TOO_LONG, _("Name: at most 200 characters"))
        grid = self.grid(v)
        kind, nine_small = "shop", ""
        if v.get("category"):
            category = VENUE_CATEGORIES.get(v["category"]) or VENUE_CATEGORIES.get(v["category"].replace("场所", "").replace("类", ""))
            if category is None:
                self.fail("category", rules.BAD_VALUE, _("Category: unknown value %(v)s (see the list of categories)") % {"v": v["category"]})
            else:
                kind, nine_small = category
        fields = {}
        self.text(v, "address", 200, fields)
        self.text(v, "contact_name", 50, fields)
        self.text(v, "business", 100, fields)
        if v.get("contact_phone"):
            try:
                fields["contact_phone"] = normalize_phone(v["contact_phone"])
            except ValidationError as exc:
                self.fail("contact_phone", rules.PHONE, exc.messages[0])
        code = v.get("credit_code", "").upper().replace(" ", "")
        if code:
            if (len(code) == 18 and uscc.is_valid(code)) or (len(code) == 15 and code.isdigit()):
                fields["credit_code"] = code
            else:
                self.fail("credit_code", rules.CREDIT_CODE, _("Business licence: not a valid unified social credit code (18 characters) or registration number (15 digits)"))
        self.coordinates(v, fields)
        if self.errors:
            raise _Skip()
        address = fields.pop("address", "")
        venue = Venue.objects.filter(community_id=grid.community_id, name=name, address=address).first()
        try:
            if venue is None:
                services.register_venue(self.scope, grid, name=name, kind=kind, nine_small=nine_small, address=address, **fields)
                return "created"
            fields.update(kind=kind, nine_small=nine_small)
            if not v.get("category"):  # a blank cell leaves the stored category
                fields.pop("kind"), fields.pop("nine_small")
            changes = {k: val for k, val in fields.items() if getattr(venue, k) != val}
            if venue.grid_id == grid.pk and not changes:
                return "unchanged"
            self.require_write(venue, "name")
            if venue.grid_id != grid.pk:
                self.require_write(grid, "grid")
                venue.grid = grid
                changes["grid"] = grid
            for k, val in changes.items():
                setattr(venue, k, val)
            venue.save(update_fields=list(changes))
            return "updated"
        except (ValidationError, OutOfScope) as exc:
            self.service_error(exc, "grid")


def import_buildings(scope, fileobj, *, dry_run: bool, on_progress=None, community=None) -> ImportReport:
    """Buildings from a sheet; see docs/import-mapping.md."""
    return BuildingImport(scope, dry_run=dry_run, community=community, on_progress=on_progress).run(fileobj)


def import_venues(scope, fileobj, *, dry_run: bool, on_progress=None, community=None) -> ImportReport:
    """Shops, the nine small venues and other venues from a sheet; see docs/import-mapping.md."""
    return VenueImport(scope, dry_run=dry_run, community=community, on_progress=on_progress).run(fileobj)


def _register_jobs():
    from linli.core import jobs
    from linli.core.imports import run_job

    @jobs.handler("import.buildings")
    def run_building_import(job):
        run_job(job, import_buildings)

    @jobs.handler("import.venues")
    def run_venue_import(job):
        run_job(job, import_venues)


_register_jobs()
