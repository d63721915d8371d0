"""One row of the sheet: parsed, checked by the services' own rules (a mixin of ResidentImport)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from linli.core import excel
from linli.core import imports as rules
from linli.core.validation import IdNumberFacts, check_id_number, normalize_phone
from linli.places.models import Building

from .. import services
from ..models import Tag
from .cleaning import _level, _yes, entrance_key, parse_tags, room_key
from .columns import ALIASES, GENDERS, POLITICAL, RELATIONS, RESIDENT_TYPES, TAG_COLUMNS

TAG_CODES = tuple(Tag.values)  # Django rebuilds .values on every read
_ID_RULES = {"checksum": rules.ID_CHECKSUM, "length": rules.ID_LENGTH, "format": rules.ID_FORMAT,
             "birth_date": rules.ID_BIRTH_DATE, "region": rules.ID_REGION, "required": rules.REQUIRED}


@dataclass
class Parsed:
    row: excel.Row
    data: dict                      # person fields for clean_person_fields
    number: str = ""                # normalised ID number
    facts: IdNumberFacts | None = None  # check_id_number's result, reused by the clean
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



class RowChecks:
    """ResidentImport's row checks: every error found in a row is reported, and the row is left out."""

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
                p.facts = facts
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
            p.governed.update(TAG_CODES)
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

    def clean(self, p: Parsed, existing) -> dict | None:
        """services.clean_person_fields on the row; its errors become row errors.

        The ID number was checked by parse (its facts are passed on) and its hash looked up for the whole
        batch (the register holds each hash once), so the clean neither checks it again nor queries."""
        try:
            return services.clean_person_fields(p.data, existing=existing, id_facts=p.facts, unique_checked=True)
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
