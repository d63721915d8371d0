"""The resident import itself: read the sheet in batches, plan each batch against the register, write it."""

import datetime
import time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto
from linli.core import imports as rules
from linli.core.imports import ImportReport
from linli.core.inserts import select_in
from linli.core.validation import normalize_phone

from ..models import HouseholdMember, Person, PersonTag
from ..scopes import Scope
from .columns import ALIASES, REQUIRED_COLUMNS
from .places import HouseholdState, Places
from .rows import Parsed, RowChecks
from .writing import Writing

BATCH_SIZE = 1000
POLITICAL_CODES = frozenset(Person.Political.values)
PROGRESS_EVERY = 500


class Registered:
    """A resident (or a membership) already in the register, as the batch read it: the columns the comparison needs."""

    PERSON = ["id", "id_number_hash", "phone_hash", "name", "gender", "birth_date", "ethnicity", "political_status", "registered_residence",
              "registered_here", "work_unit", "note", "status", "dwelling", "household"]
    MEMBER = ["id", "person", "household", "relation"]

    def __init__(self, names, row):
        self.__dict__.update(zip(names, row))
        self.pk = self.id

    @classmethod
    def person(cls, row) -> "Registered":
        self = cls(cls.PERSON, row)
        self.dwelling_id, self.household_id = self.dwelling, self.household
        if isinstance(self.birth_date, str):  # SQLite's driver gives dates as text
            self.birth_date = datetime.date.fromisoformat(self.birth_date)
        self.registered_here = bool(self.registered_here)
        return self

    @classmethod
    def member(cls, row) -> "Registered":
        self = cls(cls.MEMBER, row)
        self.person_id, self.household_id = self.person, self.household
        return self


class ResidentImport(RowChecks, Writing):
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
        for chunk in self.parsed_chunks():
            batch.extend(chunk)
            while len(batch) >= BATCH_SIZE:
                self.flush(batch[:BATCH_SIZE])
                batch = batch[BATCH_SIZE:]
            if self.on_progress and self.report.rows % PROGRESS_EVERY == 0:
                self.on_progress(self.report.rows, total)
        if batch:
            self.flush(batch)
        if self.on_progress:
            self.on_progress(self.report.rows, self.report.rows)
        self.report.errors.sort(key=lambda e: e.row)  # row checks and batch checks, in sheet order
        self.report.seconds = time.perf_counter() - started
        return self.report

    def parsed_chunks(self):
        """The sheet's rows parsed and checked (errors to the report), PROGRESS_EVERY rows at a time: those that passed."""
        chunk: list[Parsed] = []
        for row in self.sheet.rows():
            self.report.rows += 1
            parsed = self.parse(row)
            if not parsed.failed:
                chunk.append(parsed)
            if self.report.rows % PROGRESS_EVERY == 0:
                yield chunk
                chunk = []
        yield chunk

    # ------------------------------------------------------------------ a batch
    def flush(self, batch: list[Parsed]) -> None:
        for p in batch:
            p.hash = crypto.lookup_hash(p.number)
        # One read for the batch, as plain rows (no model instances); the encrypted columns stay unread (no
        # decryption): they are compared by their keyed hash. Instances are read only for the rows that change.
        rows = select_in(Person, Registered.PERSON, "id_number_hash", [p.hash for p in batch])
        existing = {x.id_number_hash: x for x in map(Registered.person, rows)}
        writable = set()
        tags: dict[int, dict] = {}
        membership: dict[int, Registered] = {}
        if existing:
            ids = [x.pk for x in existing.values()]
            writable = set(self.scope.filter(Person.objects.filter(pk__in=ids), "write").values_list("pk", flat=True))
            for person_id, tag, level in select_in(PersonTag, ["person", "tag", "level"], "person", ids):
                tags.setdefault(person_id, {})[tag] = level
            for m in map(Registered.member, select_in(HouseholdMember, Registered.MEMBER, "person", ids, ' AND "until" IS NULL')):
                membership[m.person_id] = m
        creates, updates = [], []
        for p in batch:
            person = existing.get(p.hash)
            if person is not None and person.pk not in writable:
                self.report.error(p.row, self.col("id_number"), rules.DB_CONFLICT, _("ID number: already registered to a person outside your area"))
                continue
            if person is not None and self.unchanged(p, person, tags.get(person.pk, {}), membership.get(person.pk)):
                self.report.unchanged += 1
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
        if updates:  # the services change model instances: read those of the rows that change
            people = Person.objects.defer("id_number", "phone").in_bulk([person.pk for _p, person, _c in updates])
            members = HouseholdMember.objects.in_bulk([c["relation"][0].pk for _p, _x, c in updates if "relation" in c])
            for p, person, change in updates:
                if "relation" in change:
                    change["relation"] = (members[change["relation"][0].pk], change["relation"][1])
                self.write_update(p, people[person.pk], change)

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

    @staticmethod
    def same(person: "Registered", name: str, value) -> bool:
        """person.<name> == value; the encrypted columns by their keyed hash (the batch read left them encrypted)."""
        if name == "id_number":
            return True  # the person was found by this number's hash
        if name == "phone":
            return person.phone_hash == (crypto.lookup_hash(value) if value else "")
        return getattr(person, name) == value

    def unchanged(self, p: Parsed, person: Registered, current_tags: dict, member: Registered | None) -> bool:
        """True only when the row would clean to exactly what the register holds and plan no change: the
        comparison of its normalised values with the record read in the batch, without the full clean.
        False sends the row the full way (clean_person_fields, plan_update), which finds what differs."""
        facts = p.facts
        if (person.status != Person.Status.LIVING_HERE or facts is None or facts.birth_date > self.today
                or person.birth_date != facts.birth_date or person.gender != facts.gender):
            return False
        for name, value in p.data.items():
            if name == "name":
                value = value.strip()
                if not value or len(value) > 50 or value != person.name:
                    return False
            elif name == "gender":
                if value != facts.gender:
                    return False
            elif name == "birth_date":
                if value != facts.birth_date:
                    return False
            elif name == "phone":
                # The register holds a normalised phone, which normalises to itself: a cell that reads the same after
                # the separators normalize_phone drops is that phone (its hash says so) without parsing it again.
                if person.phone_hash and person.phone_hash == crypto.lookup_hash(value.strip().replace(" ", "").replace("-", "")):
                    continue
                try:
                    phone = normalize_phone(value)
                except ValidationError:
                    return False
                if not self.same(person, "phone", phone):
                    return False
            elif name == "political_status":
                if value not in POLITICAL_CODES or value != person.political_status:
                    return False
            elif name != "id_number" and getattr(person, name) != value:
                return False
        if p.tags is not None:
            wanted = {t: lv for t, lv in current_tags.items() if t not in p.governed}
            wanted.update(p.tags)
            if wanted != current_tags:
                return False
        dwelling_id = self.places.dwellings.get(p.dwelling_key)
        if member is None or dwelling_id is None or person.dwelling_id != dwelling_id:
            return False
        return not p.relation or member.relation == p.relation

    def plan_update(self, p: Parsed, person: Registered, data: dict, current_tags: dict, member: Registered | None):
        """What would change for a resident already registered: {} when nothing, None on an error."""
        change = {}
        fields = {k: val for k, val in data.items() if not self.same(person, k, val)}
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


def import_residents(scope: Scope, fileobj, *, dry_run: bool, on_progress=None, community=None) -> ImportReport:
    """Residents and households from a register sheet. See docs/import-mapping.md."""
    return ResidentImport(scope, dry_run=dry_run, community=community, on_progress=on_progress).run(fileobj)
