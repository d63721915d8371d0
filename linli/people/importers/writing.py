"""Writing what a batch planned: new residents in bulk, changes through the services (a mixin of ResidentImport)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import imports as rules
from linli.core.errors import OutOfScope
from linli.places.models import Dwelling, Entrance

from .. import services
from ..models import Household, HouseholdMember, Person, PersonTag, ResidentEvent
from .columns import ALIASES
from .places import HouseholdState
from .rows import Parsed


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

