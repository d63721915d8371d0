"""Writing what a batch planned: new residents in bulk, changes through the services (a mixin of ResidentImport)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import crypto
from linli.core import imports as rules
from linli.core.errors import OutOfScope
from linli.core.inserts import insert_rows
from linli.places.models import Dwelling, Entrance

from .. import services
from ..models import Household, HouseholdMember, Person, PersonTag, ResidentEvent
from .columns import ALIASES
from .places import HouseholdState
from .rows import Parsed

# A new resident's columns: the cleaned fields (with the model's defaults where the sheet is silent), then the
# encrypted ID number and phone with their keyed hashes, the place and the status.
PERSON_DEFAULTS = [(name, Person._meta.get_field(name).get_default()) for name in (
    "name", "gender", "birth_date", "ethnicity", "political_status", "registered_residence", "registered_here", "work_unit", "note")]
PERSON_FIELDS = [name for name, _default in PERSON_DEFAULTS] + [
    "id_number", "id_number_hash", "phone", "phone_hash", "community", "dwelling", "household", "status"]


class Writing:
    """ResidentImport's writes: bulk inserts for new residents (one row at a time after a clash), one savepoint per change."""

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
        for p, _data in creates:
            p._household.created = False  # committed (or forgotten): no longer this batch's

    def _bulk_create(self, creates: list) -> None:
        """The rows register_person would write for each new resident, as plain multi-row inserts (inserts.py):
        dwellings the sheet names that do not exist yet, a household per new one, the person (ID number and phone
        encrypted in one pass), the membership, the "registered" and "moved in" events, the tags."""
        places = self.places
        new_dwellings = {}
        for p, _data in creates:
            key = p.dwelling_key
            if key not in places.dwellings:
                new_dwellings.setdefault(key, None)
        got = insert_rows(Dwelling, ["building", "entrance", "room"], list(new_dwellings), returning=("id", "building", "entrance", "room"))
        for pk, building_id, entrance_id, room in got:
            places.dwellings[(building_id, entrance_id, room)] = pk
        new_households = {}  # dwelling key -> the state of the household this batch creates there
        for p, _data in creates:
            state = p._household
            if state.pk is None and not state.created:
                state.created = True
                new_households[p.dwelling_key] = state
        keys = {places.dwellings[key]: key for key in new_households}
        got = insert_rows(Household, ["dwelling", "created_on"], [(d, self.today) for d in keys], returning=("id", "dwelling"))
        for pk, dwelling_id in got:
            key = keys[dwelling_id]
            new_households[key].pk = pk
            places.households.setdefault(dwelling_id, new_households[key])
            self.new_households.pop(key, None)
        secrets = [data.get(name) or "" for _p, data in creates for name in ("id_number", "phone")]
        tokens = iter(crypto.encrypt_many([v for v in secrets if v]))  # each value its own IV, as encrypt() gives it
        tokens = [next(tokens) if v else "" for v in secrets]
        rows = []
        for k, (p, data) in enumerate(creates):
            phone = secrets[2 * k + 1]
            rows.append(tuple(data.get(name, default) for name, default in PERSON_DEFAULTS) + (
                tokens[2 * k], p.hash if secrets[2 * k] else "", tokens[2 * k + 1], crypto.lookup_hash(phone) if phone else "",
                p.building.community_id, places.dwellings[p.dwelling_key], p._household.pk, Person.Status.LIVING_HERE))
        got = insert_rows(Person, PERSON_FIELDS, rows, returning=("id", "id_number_hash"))
        person_ids = {h: pk for pk, h in got}
        members, events, tags = [], [], []
        registered, moved_in, actor = ResidentEvent.Kind.REGISTERED, ResidentEvent.Kind.MOVED_IN, getattr(self.actor, "pk", None)
        for p, _data in creates:
            person_id, household_id = person_ids[p.hash], p._household.pk
            members.append((household_id, person_id, p.relation, self.today))
            events.append((person_id, None, registered, self.today, actor, ""))
            events.append((person_id, household_id, moved_in, self.today, actor, places.label(*p.dwelling_key)))
            for tag, level in (p.tags or {}).items():
                tags.append((person_id, tag, level))
        insert_rows(HouseholdMember, ["household", "person", "relation", "since"], members)
        insert_rows(ResidentEvent, ["person", "household", "kind", "on", "actor", "note"], events)
        insert_rows(PersonTag, ["person", "tag", "level"], tags)

    def _forget_new(self, creates: list) -> None:
        """After a rolled-back batch: drop the ids it handed out and reload the dwellings' state."""
        places = self.places
        for p, _data in creates:
            state = p._household
            if state.created:
                places.households.pop(places.dwellings.get(p.dwelling_key), None)
                state.pk, state.created = None, False
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

