"""Import residents and households from the Excel registers communities keep (Chinese headers).

    report = import_residents(scope, fileobj, dry_run=True)    # what would change, nothing written
    report = import_residents(scope, fileobj, dry_run=False)   # every valid row committed

Every row is checked by the same functions the services use (validation.check_id_number,
validation.normalize_phone, services.clean_person_fields, services._clean_tags) and the
same scope rules (Scope.covers / Scope.filter for writing people). New residents are written
in batches (bulk inserts of the rows register_person would write: person, household,
membership, "registered" and "moved in" events, tags); changes to residents already in the
register go through services.update_person / set_tags / move, one savepoint per row.

The natural key is the resident ID number (its keyed look-up hash): importing the same
file twice changes nothing the second time. The mapping is documented in
docs/import-mapping.md.
"""

import re
import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto, excel
from linli.core import imports as rules
from linli.core.errors import OutOfScope
from linli.core.imports import ImportReport
from linli.places.models import Building, Community, Dwelling, Entrance

from linli.core import roles

from . import services
from .models import Household, HouseholdMember, Person, PersonTag, ResidentEvent, Tag
from .scopes import Scope
from linli.core.validation import check_id_number, normalize_phone

BATCH_SIZE = 1000
PROGRESS_EVERY = 500

ALIASES = {
    "name": ("姓名", "名字"),
    "gender": ("性别",),
    "id_number": ("身份证号", "公民身份号码", "身份证号码", "身份证", "证件号码"),
    "birth_date": ("出生日期", "出生年月日", "出生年月"),
    "phone": ("联系电话", "手机号", "电话", "手机", "手机号码", "联系方式"),
    "ethnicity": ("民族",),
    "political_status": ("政治面貌",),
    "community": ("社区", "所属社区"),
    "compound": ("小区", "小区名称"),
    "building": ("楼栋", "楼号", "楼栋号", "楼栋名称"),
    "entrance": ("单元", "单元号"),
    "room": ("房号", "门牌号", "室", "房间号", "户号"),
    "relation": ("与户主关系", "与户主的关系", "关系"),
    "registered_residence": ("户籍地址", "户籍所在地", "户籍地"),
    "current_address": ("现居住地址", "现住址", "居住地址"),
    "resident_type": ("人员类型", "居住状态", "人口类型", "户籍类型"),
    "work_unit": ("工作单位", "工作单位及职务"),
    "tags": ("标签", "人员标签", "特殊人群", "人员类别"),
    "tag_living_alone": ("独居", "独居老人"),
    "tag_empty_nest": ("空巢", "空巢老人"),
    "tag_disabled": ("残疾", "残疾人"),
    "disability_level": ("残疾等级",),
    "tag_low_income": ("低保", "低保户"),
    "tag_extreme_poverty": ("特困", "特困人员", "特困供养"),
    "tag_veteran": ("退役军人",),
    "tag_key_care": ("重点关注", "重点关爱"),
    "tag_left_behind_child": ("留守儿童",),
    "tag_serious_illness": ("大病", "重病"),
    "tag_unemployed": ("失业", "失业人员"),
    "note": ("备注",),
}
REQUIRED_COLUMNS = ["name", "id_number", "building", "room"]

# Chinese tag names (the 标签 column and the yes/no tag columns) → stored tag codes.
TAG_LABELS = {  # the name an export writes
    Tag.LIVING_ALONE: "独居", Tag.EMPTY_NEST: "空巢", Tag.DISABLED: "残疾", Tag.LOW_INCOME: "低保",
    Tag.EXTREME_POVERTY: "特困", Tag.VETERAN: "退役军人", Tag.KEY_CARE: "重点关注",
    Tag.LEFT_BEHIND_CHILD: "留守儿童", Tag.SERIOUS_ILLNESS: "大病", Tag.UNEMPLOYED: "失业",
}
TAG_NAMES = {label: code for code, label in TAG_LABELS.items()}
TAG_NAMES.update({
    "独居老人": Tag.LIVING_ALONE, "空巢老人": Tag.EMPTY_NEST, "残疾人": Tag.DISABLED, "低保户": Tag.LOW_INCOME,
    "特困人员": Tag.EXTREME_POVERTY, "特困供养": Tag.EXTREME_POVERTY, "重点关爱": Tag.KEY_CARE,
    "重病": Tag.SERIOUS_ILLNESS, "失业人员": Tag.UNEMPLOYED,
})
# Derived from the birth date, never stored: accepted in the 标签 column and ignored.
DERIVED_TAG_NAMES = {"60岁以上", "60周岁以上", "老年人", "高龄", "高龄老人", "80岁以上", "80周岁以上", "未成年", "未成年人"}
TAG_COLUMNS = {f"tag_{code}": code for code in Tag.values}

YES = {"是", "有", "√", "✓", "✔", "1", "Y", "y", "yes", "Yes", "YES", "true", "True", "TRUE", "●"}
NO = {"", "否", "无", "0", "N", "n", "no", "No", "NO", "false", "False", "FALSE", "×", "-", "/"}

GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}
GENDER_LABELS = {"M": "男", "F": "女"}
POLITICAL = {
    "群众": "masses",
    "中共党员": "party_member", "党员": "party_member", "中国共产党党员": "party_member",
    "中共预备党员": "probationary", "预备党员": "probationary",
    "共青团员": "league_member", "团员": "league_member", "中国共产主义青年团团员": "league_member",
    "民主党派": "democratic_party", "民革党员": "democratic_party", "民盟盟员": "democratic_party",
    "民建会员": "democratic_party", "民进会员": "democratic_party", "农工党党员": "democratic_party",
    "致公党党员": "democratic_party", "九三学社社员": "democratic_party", "台盟盟员": "democratic_party",
}
POLITICAL_LABELS = {"masses": "群众", "party_member": "中共党员", "probationary": "中共预备党员",
                    "league_member": "共青团员", "democratic_party": "民主党派"}
RELATIONS = {
    "户主": "head", "本人": "head", "本人(户主)": "head",
    "配偶": "spouse", "妻": "spouse", "妻子": "spouse", "夫": "spouse", "丈夫": "spouse",
    "子": "child", "女": "child", "儿子": "child", "女儿": "child", "长子": "child", "次子": "child",
    "长女": "child", "次女": "child", "子女": "child", "养子": "child", "养女": "child", "继子": "child", "继女": "child",
    "父亲": "parent", "母亲": "parent", "父母": "parent", "父": "parent", "母": "parent", "公公": "parent",
    "婆婆": "parent", "岳父": "parent", "岳母": "parent",
    "孙子": "grandchild", "孙女": "grandchild", "外孙": "grandchild", "外孙子": "grandchild", "外孙女": "grandchild",
    "祖父": "grandparent", "祖母": "grandparent", "外祖父": "grandparent", "外祖母": "grandparent",
    "爷爷": "grandparent", "奶奶": "grandparent", "姥爷": "grandparent", "姥姥": "grandparent",
    "兄弟姐妹": "sibling", "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling",
    "哥哥": "sibling", "弟弟": "sibling", "姐姐": "sibling", "妹妹": "sibling",
    "儿媳": "child_in_law", "女婿": "child_in_law", "儿媳妇": "child_in_law",
    "租户": "tenant", "租客": "tenant", "承租人": "tenant",
    "其他": "other", "其它": "other", "保姆": "other",
}
RELATION_LABELS = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
                   "grandparent": "祖父母", "sibling": "兄弟姐妹", "child_in_law": "儿媳/女婿", "tenant": "租户", "other": "其他"}
RELATIONS.update({label: code for code, label in RELATION_LABELS.items()})
RESIDENT_TYPES = {
    "户籍": True, "户籍人口": True, "户籍居民": True, "本地户籍": True,
    "常住": False, "常住人口": False, "非户籍常住": False,
    "流动": False, "流动人口": False, "外来人口": False, "暂住": False, "寄住": False,
}
RESIDENT_TYPE_LABELS = {True: "户籍", False: "流动"}

_CN_DIGITS = str.maketrans("一二三四五六七八九", "123456789")
_BUILDING_SUFFIX = re.compile(r"(号楼|号|栋|幢|座|楼)$")
_ID_RULES = {"checksum": rules.ID_CHECKSUM, "length": rules.ID_LENGTH, "format": rules.ID_FORMAT,
             "birth_date": rules.ID_BIRTH_DATE, "region": rules.ID_REGION, "required": rules.REQUIRED}


# ---------------------------------------------------------------------------- normalising place names
def building_key(text: str) -> str:
    """'1号楼', '1栋', '1', '１号' all → '1' (compared, never stored)."""
    s = re.sub(r"\s+", "", excel.cell_str(text))
    s = _BUILDING_SUFFIX.sub("", s)
    return s.translate(_CN_DIGITS) if s and all(ch in "一二三四五六七八九" for ch in s) else s


def entrance_key(text: str) -> str:
    """'1单元', '1', '一单元' → '1'."""
    s = re.sub(r"\s+", "", excel.cell_str(text))
    s = re.sub(r"(单元|门)$", "", s)
    if s == "十":
        return "10"
    return s.translate(_CN_DIGITS)


def room_key(text: str) -> str:
    """'101室', '101号', '101' → '101'."""
    s = re.sub(r"\s+", "", excel.cell_str(text))
    return re.sub(r"(室|号|户)$", "", s)


def _yes(value: str) -> bool | None:
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _level(value: str) -> int | None:
    s = value.strip().replace("级", "").replace("残疾", "")
    s = s.translate(_CN_DIGITS)
    return int(s) if s.isdigit() else None


def parse_tags(text: str) -> tuple[dict, list[str]]:
    """'独居、残疾2级、低保' → ({living_alone: None, disabled: 2, low_income: None}, unknown names)."""
    tags, unknown = {}, []
    for part in re.split(r"[、,，;；/\s]+", text or ""):
        part = part.strip()
        if not part or part in DERIVED_TAG_NAMES:
            continue
        m = re.fullmatch(r"(残疾人?)[(（]?([一二三四1-4])级?[)）]?", part)
        if m:
            tags[Tag.DISABLED] = int(m.group(2).translate(_CN_DIGITS))
            continue
        code = TAG_NAMES.get(part)
        if code is None:
            unknown.append(part)
        else:
            tags.setdefault(code, None)
    return tags, unknown


def tags_label(tags: dict) -> str:
    """{disabled: 2, low_income: None} → '残疾2级、低保' (what the 标签 column reads back)."""
    parts = []
    for code in Tag.values:
        if code in tags:
            level = tags[code]
            parts.append(f"{TAG_LABELS[code]}{level}级" if level else TAG_LABELS[code])
    return "、".join(parts)


# ---------------------------------------------------------------------------- the places a sheet can name
class Places:
    """Buildings, entrances, dwellings and open households of the communities an import may touch."""

    def __init__(self, scope: Scope, community=None):
        self.scope = scope
        communities = Community.objects.all()
        if community:
            communities = communities.filter(pk=community) if str(community).isdigit() and len(str(community)) < 12 else communities.filter(code=community)
        elif not scope.everything:
            communities = scope.filter(communities, "write")
        self.communities = {c.pk: c for c in communities}
        self.community_by_name = {}
        for c in self.communities.values():
            self.community_by_name.setdefault(c.name, []).append(c.pk)
            self.community_by_name.setdefault(c.name.removesuffix("社区"), []).append(c.pk)
        buildings = list(Building.objects.filter(community_id__in=list(self.communities)).select_related("compound"))
        self.buildings = {b.pk: b for b in buildings}
        self.by_key: dict[str, list[Building]] = {}
        for b in buildings:
            self.by_key.setdefault(building_key(b.number), []).append(b)
        self.entrances: dict[tuple, int] = {}
        self.entrance_numbers: dict[int, str] = {}
        for e in Entrance.objects.filter(building_id__in=list(self.buildings)).values("id", "building_id", "number"):
            self.entrances[(e["building_id"], entrance_key(e["number"]))] = e["id"]
            self.entrance_numbers[e["id"]] = e["number"]
        self.dwellings: dict[tuple, int] = {}
        for d in Dwelling.objects.filter(building_id__in=list(self.buildings)).values("id", "building_id", "entrance_id", "room").order_by("id"):
            self.dwellings.setdefault((d["building_id"], d["entrance_id"], room_key(d["room"])), d["id"])
        # dwelling id -> household state (the first open household, as services._join picks)
        self.households: dict[int, HouseholdState] = {}
        heads = set(HouseholdMember.objects.filter(until__isnull=True, relation=HouseholdMember.Relation.HEAD,
                                                   household__dwelling__building_id__in=list(self.buildings)).values_list("household_id", flat=True))
        for h in Household.objects.filter(closed_on__isnull=True, dwelling__building_id__in=list(self.buildings)).values("id", "dwelling_id").order_by("id"):
            if h["dwelling_id"] not in self.households:
                self.households[h["dwelling_id"]] = HouseholdState(pk=h["id"], has_head=h["id"] in heads)
        self._writable: dict[int, bool] = {}

    def find_building(self, number: str, compound: str = "", community: str = ""):
        """(building, rule) — rule is None when exactly one building matches."""
        candidates = self.by_key.get(building_key(number), [])
        if community:
            ids = self.community_by_name.get(community.strip(), [])
            candidates = [b for b in candidates if b.community_id in ids]
        if compound:
            candidates = [b for b in candidates if b.compound_id and b.compound.name == compound.strip()]
        if not candidates:
            return None, rules.UNKNOWN_BUILDING
        if len(candidates) > 1:
            return None, rules.AMBIGUOUS_BUILDING
        return candidates[0], None

    def writable(self, building: Building) -> bool:
        if building.pk not in self._writable:
            self._writable[building.pk] = self.scope.covers(building, "write", roles.PEOPLE)
        return self._writable[building.pk]

    def label(self, building_id: int, entrance_id: int | None, room: str) -> str:
        """str(dwelling) without loading it."""
        b = self.buildings[building_id]
        text = f"{b.compound.name}{b.number}" if b.compound_id else b.number
        return text + (self.entrance_numbers.get(entrance_id, "") if entrance_id else "") + room


@dataclass
class HouseholdState:
    pk: int | None = None
    has_head: bool = False
    obj: Household | None = None  # a household this import creates


# ---------------------------------------------------------------------------- one row
@dataclass
class Parsed:
    row: excel.Row
    data: dict                      # person fields for clean_person_fields
    number: str = ""                # normalised ID number
    hash: str = ""
    building: Building | None = None
    entrance_id: int | None = None
    room: str = ""
    relation: str = ""
    tags: dict | None = None        # governed tags wanted {code: level}
    governed: set = field(default_factory=set)  # tag codes the sheet speaks about
    failed: bool = False

    @property
    def dwelling_key(self) -> tuple:
        return (self.building.pk, self.entrance_id, self.room)


class ResidentImport:
    def __init__(self, scope: Scope, *, dry_run: bool, community=None, on_progress=None):
        self.scope = scope
        self.dry_run = dry_run
        self.on_progress = on_progress
        self.report = ImportReport(kind="residents", dry_run=dry_run)
        self.places = Places(scope, community)
        self.seen: dict[str, int] = {}  # ID number -> first row
        self.today = timezone.localdate()
        self.actor = scope.account if getattr(scope.account, "pk", None) else None

    # ------------------------------------------------------------------ helpers
    def col(self, name: str) -> str:
        return self.report.columns.get(name) or ALIASES[name][0]

    def fail(self, p: Parsed, name: str, rule: str, message) -> None:
        self.report.error(p.row, self.col(name), rule, message)
        p.failed = True

    # ------------------------------------------------------------------ run
    def run(self, fileobj) -> ImportReport:
        started = time.perf_counter()
        sheet = rules.open_sheet(self.report, fileobj, ALIASES, REQUIRED_COLUMNS)
        if sheet is None:
            return self.report
        self.sheet = sheet
        total = sheet.total
        batch: list[Parsed] = []
        for row in sheet.rows():
            self.report.rows += 1
            parsed = self.parse(row)
            if not parsed.failed:
                batch.append(parsed)
            if len(batch) >= BATCH_SIZE:
                self.flush(batch)
                batch = []
            if self.on_progress and self.report.rows % PROGRESS_EVERY == 0:
                self.on_progress(self.report.rows, total)
        if batch:
            self.flush(batch)
        if self.on_progress:
            self.on_progress(self.report.rows, self.report.rows)
        self.report.errors.sort(key=lambda e: e.row)  # row checks and batch checks, in sheet order
        self.report.seconds = time.perf_counter() - started
        return self.report

    # ------------------------------------------------------------------ parsing and checking a row
    def parse(self, row: excel.Row) -> Parsed:
        v = row.values
        p = Parsed(row=row, data={})
        name = v.get("name", "")
        if not name:
            self.fail(p, "name", rules.REQUIRED, _("Name: required"))
        p.data["name"] = name
        raw_id = v.get("id_number", "")
        if not raw_id:
            self.fail(p, "id_number", rules.REQUIRED, _("ID number: required"))
        else:
            try:
                facts = check_id_number(raw_id)
            except ValidationError as exc:
                err = exc.error_dict["id_number"][0]
                self.fail(p, "id_number", _ID_RULES.get(err.code, rules.INVALID), err.messages[0])
            else:
                p.number = facts.number
                p.data["id_number"] = facts.number
                first = self.seen.get(facts.number)
                if first is not None:
                    self.fail(p, "id_number", rules.DUPLICATE_IN_FILE, _("ID number: same as row %(r)d of this file") % {"r": first})
                else:
                    self.seen[facts.number] = row.number
        gender = v.get("gender", "")
        if gender:
            if gender in GENDERS:
                p.data["gender"] = GENDERS[gender]
            else:
                self.fail(p, "gender", rules.BAD_VALUE, _("Gender: must be 男 or 女"))
        if v.get("birth_date"):
            try:
                p.data["birth_date"] = excel.parse_date(v["birth_date"])
            except ValueError:
                self.fail(p, "birth_date", rules.BAD_DATE, _("Birth date: not a date (use 2001-02-03)"))
        if v.get("phone"):
            p.data["phone"] = v["phone"]  # normalised (and refused) by clean_person_fields
        for name_, limit in (("ethnicity", 20), ("registered_residence", 200), ("work_unit", 100)):
            text = v.get(name_, "")
            if text:
                if len(text) > limit:
                    self.fail(p, name_, rules.TOO_LONG, _("%(c)s: at most %(n)d characters") % {"c": self.col(name_), "n": limit})
                else:
                    p.data[name_] = text
        if v.get("note"):
            p.data["note"] = v["note"]
        if v.get("political_status"):
            code = POLITICAL.get(v["political_status"])
            if code is None:
                self.fail(p, "political_status", rules.BAD_VALUE, _("Political status: unknown value %(v)s") % {"v": v["political_status"]})
            else:
                p.data["political_status"] = code
        if v.get("resident_type"):
            here = RESIDENT_TYPES.get(v["resident_type"])
            if here is None:
                self.fail(p, "resident_type", rules.BAD_VALUE, _("Resident type: must be 户籍, 常住 or 流动"))
            else:
                p.data["registered_here"] = here
        if v.get("relation"):
            code = RELATIONS.get(v["relation"])
            if code is None:
                self.fail(p, "relation", rules.BAD_VALUE, _("Relation: unknown value %(v)s") % {"v": v["relation"]})
            else:
                p.relation = code
        self.parse_tags(p, v)
        self.parse_place(p, v)
        if p.failed and v.get("phone"):
            # the row will not reach clean_person_fields: report a bad phone with the other errors
            try:
                normalize_phone(v["phone"])
            except ValidationError as exc:
                self.fail(p, "phone", rules.PHONE, exc.messages[0])
        return p

    def parse_tags(self, p: Parsed, v: dict) -> None:
        sheet = self.sheet
        wanted: dict = {}
        if sheet.has("tags"):
            p.governed.update(Tag.values)
            tags, unknown = parse_tags(v.get("tags", ""))
            if unknown:
                self.fail(p, "tags", rules.BAD_VALUE, _("Tags: unknown tag %(t)s") % {"t": "、".join(unknown)})
            wanted.update(tags)
        for column, code in TAG_COLUMNS.items():
            if not sheet.has(column):
                continue
            p.governed.add(code)
            flag = _yes(v.get(column, ""))
            if flag is None:
                if code == Tag.DISABLED and _level(v.get(column, "")) in (1, 2, 3, 4):
                    wanted[code] = _level(v[column])
                else:
                    self.fail(p, column, rules.BAD_VALUE, _("%(c)s: must be 是 or 否") % {"c": self.col(column)})
            elif flag:
                wanted.setdefault(code, None)
        if sheet.has("disability_level"):
            p.governed.add(Tag.DISABLED)
            text = v.get("disability_level", "")
            if text:
                level = _level(text)
                if level not in (1, 2, 3, 4):
                    self.fail(p, "disability_level", rules.BAD_VALUE, _("Disability level: must be 1 to 4 (一级 to 四级)"))
                else:
                    wanted[Tag.DISABLED] = level
        if p.governed:
            try:
                p.tags = services._clean_tags(wanted)
            except ValidationError as exc:
                self.fail(p, "tags" if sheet.has("tags") else "disability_level", rules.BAD_VALUE, exc.messages[0])

    def parse_place(self, p: Parsed, v: dict) -> None:
        number = v.get("building", "")
        if not number:
            self.fail(p, "building", rules.REQUIRED, _("Building: required"))
        else:
            building, rule = self.places.find_building(number, v.get("compound", ""), v.get("community", ""))
            if rule == rules.UNKNOWN_BUILDING:
                self.fail(p, "building", rule, _("Building: no building %(b)s in your communities") % {"b": number})
            elif rule == rules.AMBIGUOUS_BUILDING:
                self.fail(p, "building", rule, _("Building: %(b)s exists in several compounds; add the 小区 column") % {"b": number})
            elif not self.places.writable(building):
                self.fail(p, "building", rules.OUT_OF_SCOPE, _("Building: %(b)s lies outside your area") % {"b": number})
            else:
                p.building = building
        if p.building is not None and v.get("entrance"):
            entrance_id = self.places.entrances.get((p.building.pk, entrance_key(v["entrance"])))
            if entrance_id is None:
                self.fail(p, "entrance", rules.UNKNOWN_ENTRANCE, _("Entrance: building %(b)s has no entrance %(e)s") % {"b": p.building.number, "e": v["entrance"]})
            else:
                p.entrance_id = entrance_id
        room = room_key(v.get("room", ""))
        if not room:
            self.fail(p, "room", rules.REQUIRED, _("Room: required"))
        elif len(room) > 20:
            self.fail(p, "room", rules.TOO_LONG, _("Room: at most 20 characters"))
        p.room = room

    def clean(self, p: Parsed, existing: Person | None) -> dict | None:
        """services.clean_person_fields on the row; its errors become row errors."""
        try:
            return services.clean_person_fields(p.data, existing=existing)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name == "id_number":
                    rule = rules.DB_CONFLICT
                elif name in ("gender", "birth_date"):
                    rule = rules.MISMATCH
                elif name == "name":
                    rule = rules.TOO_LONG if p.data.get("name") else rules.REQUIRED
                elif name == "phone":
                    rule = rules.PHONE
                else:
                    rule = rules.INVALID
                self.report.error(p.row, self.col(name) if name in ALIASES else "", rule, messages[0])
            p.failed = True
            return None

    # ------------------------------------------------------------------ a batch
    def flush(self, batch: list[Parsed]) -> None:
        for p in batch:
            p.hash = crypto.lookup_hash(p.number)
        existing = {x.id_number_hash: x for x in Person.objects.filter(id_number_hash__in=[p.hash for p in batch])}
        writable = set()
        tags: dict[int, dict] = {}
        membership: dict[int, HouseholdMember] = {}
        if existing:
            ids = [x.pk for x in existing.values()]
            writable = set(self.scope.filter(Person.objects.filter(pk__in=ids), "write").values_list("pk", flat=True))
            for t in PersonTag.objects.filter(person_id__in=ids).values("person_id", "tag", "level"):
                tags.setdefault(t["person_id"], {})[t["tag"]] = t["level"]
            for m in HouseholdMember.objects.filter(person_id__in=ids, until__isnull=True):
                membership[m.person_id] = m
        creates, updates = [], []
        for p in batch:
            person = existing.get(p.hash)
            if person is not None and person.pk not in writable:
                self.report.error(p.row, self.col("id_number"), rules.DB_CONFLICT, _("ID number: already registered to a person outside your area"))
                continue
            data = self.clean(p, person)
            if data is None:
                continue
            if person is None:
                if self.plan_create(p):
                    creates.append((p, data))
            else:
                change = self.plan_update(p, person, data, tags.get(person.pk, {}), membership.get(person.pk))
                if change is None:
                    continue
                if change:
                    updates.append((p, person, change))
                else:
                    self.report.unchanged += 1
        if self.dry_run:
            self.report.created += len(creates)
            self.report.updated += len(updates)
            return
        self.write_creates(creates)
        for p, person, change in updates:
            self.write_update(p, person, change)

    def household_for(self, key: tuple) -> HouseholdState | None:
        if key in self.new_households:
            return self.new_households[key]
        dwelling_id = self.places.dwellings.get(key)
        return self.places.households.get(dwelling_id) if dwelling_id is not None else None

    @property
    def new_households(self) -> dict:
        if not hasattr(self, "_new_households"):
            self._new_households = {}
        return self._new_households

    def plan_create(self, p: Parsed) -> bool:
        """Decide the household a new resident joins (as services._join would); False on a conflict."""
        state = self.household_for(p.dwelling_key)
        if state is None:
            state = HouseholdState()
            self.new_households[p.dwelling_key] = state
            p.relation = p.relation or HouseholdMember.Relation.HEAD
        elif p.relation == HouseholdMember.Relation.HEAD and state.has_head:
            self.report.error(p.row, self.col("relation"), rules.HEAD_CONFLICT, _("Relation: this household already has a head"))
            return False
        p.relation = p.relation or HouseholdMember.Relation.OTHER
        if p.relation == HouseholdMember.Relation.HEAD:
            state.has_head = True
        p._household = state
        return True

    def plan_update(self, p: Parsed, person: Person, data: dict, current_tags: dict, member: HouseholdMember | None):
        """What would change for a resident already registered: {} when nothing, None on an error."""
        change = {}
        fields = {k: val for k, val in data.items() if getattr(person, k) != val}
        if fields:
            change["fields"] = fields
        if p.tags is not None:
            wanted = {t: lv for t, lv in current_tags.items() if t not in p.governed}
            wanted.update(p.tags)
            if wanted != current_tags:
                change["tags"] = wanted
        dwelling_id = self.places.dwellings.get(p.dwelling_key)
        here = person.status == Person.Status.LIVING_HERE and dwelling_id is not None and person.dwelling_id == dwelling_id and member is not None
        if person.status == Person.Status.DECEASED:
            self.report.error(p.row, self.col("name"), rules.NOT_LIVING_HERE, _("Person: is recorded as deceased"))
            return None
        if not here:
            state = self.household_for(p.dwelling_key)
            if p.relation == HouseholdMember.Relation.HEAD and state is not None and state.has_head:
                self.report.error(p.row, self.col("relation"), rules.HEAD_CONFLICT, _("Relation: this household already has a head"))
                return None
            if state is None:
                state = HouseholdState(has_head=True)  # services._join makes the first member the head
                self.new_households[p.dwelling_key] = state
            elif p.relation == HouseholdMember.Relation.HEAD:
                state.has_head = True
            change["move"] = p.relation
        elif p.relation and member.relation != p.relation:
            state = self.places.households.get(dwelling_id)
            if p.relation == HouseholdMember.Relation.HEAD and state is not None and state.has_head:
                self.report.error(p.row, self.col("relation"), rules.HEAD_CONFLICT, _("Relation: this household already has a head"))
                return None
            if state is not None:
                if p.relation == HouseholdMember.Relation.HEAD:
                    state.has_head = True
                elif member.relation == HouseholdMember.Relation.HEAD:
                    state.has_head = False
            change["relation"] = (member, p.relation)
        return change

    # ------------------------------------------------------------------ writing
    def write_creates(self, creates: list) -> None:
        if not creates:
            return
        try:
            with transaction.atomic():
                self._bulk_create(creates)
        except IntegrityError:
            # Someone registered one of these people meanwhile: one row at a time, through the service.
            self._forget_new(creates)
            for p, data in creates:
                self._create_one(p, data)
        else:
            self.report.created += len(creates)

    def _bulk_create(self, creates: list) -> None:
        places = self.places
        new_dwellings = {}
        for p, _data in creates:
            key = p.dwelling_key
            if key not in places.dwellings and key not in new_dwellings:
                new_dwellings[key] = Dwelling(building_id=key[0], entrance_id=key[1], room=key[2])
        if new_dwellings:
            Dwelling.objects.bulk_create(new_dwellings.values())
            for key, d in new_dwellings.items():
                places.dwellings[key] = d.pk
        new_households = []
        for p, _data in creates:
            state = p._household
            if state.pk is None and state.obj is None:
                state.obj = Household(dwelling_id=places.dwellings[p.dwelling_key], created_on=self.today)
                new_households.append(state.obj)
        if new_households:
            Household.objects.bulk_create(new_households)
            for p, _data in creates:
                state = p._household
                if state.pk is None and state.obj is not None:
                    state.pk = state.obj.pk
                    places.households.setdefault(places.dwellings[p.dwelling_key], state)
                    self.new_households.pop(p.dwelling_key, None)
        persons = []
        for p, data in creates:
            dwelling_id = places.dwellings[p.dwelling_key]
            persons.append(Person(**data, community_id=p.building.community_id, dwelling_id=dwelling_id,
                                  household_id=p._household.pk, status=Person.Status.LIVING_HERE))
        Person.objects.bulk_create(persons)
        members, events, tags = [], [], []
        for (p, _data), person in zip(creates, persons):
            members.append(HouseholdMember(household_id=p._household.pk, person_id=person.pk, relation=p.relation, since=self.today))
            events.append(ResidentEvent(person_id=person.pk, kind=ResidentEvent.Kind.REGISTERED, actor=self.actor, on=self.today))
            events.append(ResidentEvent(person_id=person.pk, household_id=p._household.pk, kind=ResidentEvent.Kind.MOVED_IN,
                                        on=self.today, actor=self.actor, note=places.label(*p.dwelling_key)))
            for tag, level in (p.tags or {}).items():
                tags.append(PersonTag(person_id=person.pk, tag=tag, level=level))
        HouseholdMember.objects.bulk_create(members)
        ResidentEvent.objects.bulk_create(events)
        if tags:
            PersonTag.objects.bulk_create(tags)

    def _forget_new(self, creates: list) -> None:
        """After a rolled-back batch: drop the ids it handed out and reload the dwellings' state."""
        places = self.places
        for p, _data in creates:
            state = p._household
            if state.obj is not None:
                places.households.pop(places.dwellings.get(p.dwelling_key), None)
                state.pk, state.obj = None, None
        valid = set(Dwelling.objects.filter(pk__in=[places.dwellings[p.dwelling_key] for p, _ in creates if p.dwelling_key in places.dwellings]).values_list("pk", flat=True))
        for p, _data in creates:
            if places.dwellings.get(p.dwelling_key) not in valid:
                places.dwellings.pop(p.dwelling_key, None)

    def _dwelling(self, p: Parsed) -> Dwelling:
        from linli.places import services as place_services

        key = p.dwelling_key
        if key in self.places.dwellings:
            return Dwelling.objects.select_related("building__compound", "entrance").get(pk=self.places.dwellings[key])
        entrance = Entrance.objects.get(pk=p.entrance_id) if p.entrance_id else None
        d = place_services.add_dwelling(self.scope, p.building, room=p.room, entrance=entrance)
        self.places.dwellings[key] = d.pk
        return d

    def _create_one(self, p: Parsed, data: dict) -> None:
        try:
            with transaction.atomic():
                dwelling = self._dwelling(p)
                fields = {k: val for k, val in data.items()}
                state = self.places.households.get(dwelling.pk)
                household = Household.objects.get(pk=state.pk) if state is not None and state.pk else None
                services.register_person(self.scope, dwelling=dwelling, household=household, relation=p.relation, tags=p.tags, **fields)
        except (ValidationError, OutOfScope) as exc:
            self._service_error(p, exc)
        else:
            self.report.created += 1

    def write_update(self, p: Parsed, person: Person, change: dict) -> None:
        try:
            with transaction.atomic():
                if "fields" in change:
                    person = services.update_person(self.scope, person, **change["fields"])
                if "tags" in change:
                    services.set_tags(self.scope, person, change["tags"])
                if "move" in change:
                    dwelling = self._dwelling(p)
                    services.move(self.scope, person, dwelling, relation=change["move"], on=self.today)
                    member = HouseholdMember.objects.get(person=person, until__isnull=True)
                    if change["move"] and member.relation != change["move"]:
                        member.relation = change["move"]
                        member.save(update_fields=["relation"])
                    state = self.places.households.get(dwelling.pk)
                    if state is None or state.pk is None:
                        self.places.households[dwelling.pk] = HouseholdState(pk=member.household_id, has_head=True)
                        self.new_households.pop(p.dwelling_key, None)
                if "relation" in change:
                    member, relation = change["relation"]
                    member.relation = relation
                    member.save(update_fields=["relation"])
                    ResidentEvent.objects.create(person=person, household_id=member.household_id, kind=ResidentEvent.Kind.CHANGED,
                                                 actor=self.actor, changes={"relation": relation})
        except IntegrityError:
            self.report.error(p.row, self.col("relation"), rules.HEAD_CONFLICT, _("Relation: this household already has a head"))
        except (ValidationError, OutOfScope) as exc:
            self._service_error(p, exc)
        else:
            self.report.updated += 1

    def _service_error(self, p: Parsed, exc) -> None:
        if isinstance(exc, OutOfScope):
            self.report.error(p.row, self.col("building"), rules.OUT_OF_SCOPE, str(exc))
            return
        for name, messages in exc.message_dict.items():
            column = {"relation": "relation", "id_number": "id_number", "phone": "phone", "tags": "tags",
                      "dwelling": "building", "person": "name"}.get(name, name)
            rule = {"relation": rules.HEAD_CONFLICT if "head" in messages[0] else rules.BAD_VALUE,
                    "id_number": rules.DB_CONFLICT, "phone": rules.PHONE, "person": rules.NOT_LIVING_HERE}.get(name, rules.INVALID)
            self.report.error(p.row, self.col(column) if column in ALIASES else "", rule, messages[0])


def import_residents(scope: Scope, fileobj, *, dry_run: bool, on_progress=None, community=None) -> ImportReport:
    """Residents and households from a register sheet. See docs/import-mapping.md."""
    return ResidentImport(scope, dry_run=dry_run, community=community, on_progress=on_progress).run(fileobj)


# ---------------------------------------------------------------------------- background job
def _register_job():
    from linli.core import jobs
    from linli.core.imports import run_job

    @jobs.handler("import.residents")
    def run_resident_import(job):
        run_job(job, import_residents)


_register_job()
