"""Every change to people, households, appointments and accounts. One function per use case.

Each takes the caller's Scope first (scopes.system() for commands), checks it,
validates input with errors that name the field and the rule, and writes in one
transaction. History is appended (ResidentEvent, HouseholdMember periods), never
overwritten.
"""

import datetime

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, crypto
from linli.core.errors import OutOfScope, StateConflict
from linli.places.models import Dwelling

from linli.core import roles
from .models import Account, Appointment, Household, HouseholdMember, Person, PersonTag, ResidentEvent, Tag
from .scopes import Scope
from linli.core.validation import check_id_number, normalize_phone

EDITABLE_FIELDS = {
    "name", "gender", "birth_date", "id_number", "phone", "ethnicity", "political_status",
    "registered_residence", "registered_here", "work_unit", "note",
}
PII_FIELDS = {"id_number", "phone"}
_GENDERS, _POLITICAL, _TAGS = frozenset(Person.Gender.values), frozenset(Person.Political.values), frozenset(Tag.values)  # .values is rebuilt on every read


def _actor(scope: Scope):
    account = scope.account
    return account if getattr(account, "pk", None) else None


def _require_people_write(scope: Scope, place, what: str) -> None:
    if not scope.covers(place, "write", roles.PEOPLE):
        raise OutOfScope(_("%(what)s lies outside your area.") % {"what": what})


def clean_person_fields(data: dict, *, existing: Person | None = None, id_facts=None, unique_checked: bool = False) -> dict:
    """Validate and normalise person fields; derive birth date and gender from the ID number.

    id_facts: check_id_number's result for data["id_number"] when the caller has it already; unique_checked:
    the caller has looked the ID number's hash up itself (the import, one query per batch)."""
    errors = {}
    conflicts = {}  # refusals that depend on other records or on today's date, not on the input alone: 409
    out = dict(data)
    if "name" in data or existing is None:
        name = (data.get("name") or "").strip()
        if not name:
            errors["name"] = _("Name: required")
        elif len(name) > 50:
            errors["name"] = _("Name: at most 50 characters")
        out["name"] = name
    if data.get("id_number"):
        try:
            facts = id_facts if id_facts is not None and id_facts.number == data["id_number"] else check_id_number(data["id_number"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            out["id_number"] = facts.number
            given_birth, given_gender = data.get("birth_date"), data.get("gender")
            if given_birth and given_birth != facts.birth_date:
                errors["birth_date"] = _("Birth date: does not match the ID number (%(d)s)") % {"d": facts.birth_date.isoformat()}
            if given_gender and given_gender != facts.gender:
                errors["gender"] = _("Gender: does not match the ID number")
            out["birth_date"], out["gender"] = facts.birth_date, facts.gender
            if not unique_checked:
                other = Person.objects.filter(id_number_hash=crypto.lookup_hash(facts.number))
                if existing is not None:
                    other = other.exclude(pk=existing.pk)
                if other.exists():
                    conflicts["id_number"] = _("ID number: already registered to another person")
    elif "id_number" in data:
        out["id_number"] = ""
    if "phone" in data:
        try:
            out["phone"] = normalize_phone(data.get("phone") or "")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if out.get("gender") and out["gender"] not in _GENDERS:
        errors["gender"] = _("Gender: must be M or F")
    if out.get("political_status") and out["political_status"] not in _POLITICAL:
        errors["political_status"] = _("Political status: unknown value")
    if out.get("birth_date") and out["birth_date"] > timezone.localdate() and "birth_date" not in errors:
        conflicts["birth_date"] = _("Birth date: lies in the future")
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        errors["__all__"] = _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError({**conflicts, **errors})
    if conflicts:
        raise StateConflict(conflicts)
    return out


def _clean_tags(tags) -> dict:
    """tags: iterable of codes, or {code: level}. Returns {code: level or None}."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        tags = {t: None for t in tags}
    bad = [t for t in tags if t not in _TAGS]
    if bad:
        raise ValidationError({"tags": _("Tags: unknown tag %(t)s") % {"t": ", ".join(bad)}})
    for tag, level in tags.items():
        if level is not None and (tag != Tag.DISABLED or not 1 <= int(level) <= 4):
            raise ValidationError({"tags": _("Tags: only the disabled tag takes a level, from 1 to 4")})
    return {t: (int(level) if level is not None else None) for t, level in tags.items()}


@transaction.atomic
def register_person(scope: Scope, *, dwelling: Dwelling | None = None, community=None, household: Household | None = None,
                    relation: str = "", tags=None, since: datetime.date | None = None, **fields) -> Person:
    """Register a resident. With a dwelling, they join the given household (or a new one, as its head)."""
    if dwelling is None and household is not None:
        dwelling = household.dwelling
    if dwelling is None and community is None:
        raise ValidationError({"dwelling": _("Dwelling: required (or at least a community)")})
    place = dwelling if dwelling is not None else community
    if dwelling is not None:
        _require_people_write(scope, dwelling, _("This dwelling"))
    elif not scope.everything and not scope.covers(community, "write", roles.PEOPLE):
        raise OutOfScope(_("This community lies outside your area."))
    data = clean_person_fields(fields)
    tag_levels = _clean_tags(tags)
    if household is not None and household.dwelling_id != dwelling.pk:
        raise ValidationError({"household": _("Household: belongs to another dwelling")})
    person = Person(**data)
    person.community_id = dwelling.building.community_id if dwelling is not None else place.pk
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"id_number": _("ID number: already registered to another person")})
    ResidentEvent.objects.create(person=person, kind=ResidentEvent.Kind.REGISTERED, actor=_actor(scope), on=since or timezone.localdate())
    for tag, level in tag_levels.items():
        PersonTag.objects.create(person=person, tag=tag, level=level)
    if dwelling is not None:
        _join(scope, person, dwelling, household, relation, since or timezone.localdate())
    return person


def _join(scope, person, dwelling, household, relation, on):
    if household is None:
        household = Household.objects.filter(dwelling=dwelling, closed_on__isnull=True).order_by("id").first()
    if household is None:
        household = Household.objects.create(dwelling=dwelling, created_on=on)
        relation = HouseholdMember.Relation.HEAD
    relation = relation or HouseholdMember.Relation.OTHER
    if relation not in HouseholdMember.Relation.values:
        raise ValidationError({"relation": _("Relation: unknown value %(v)s") % {"v": relation}})
    if relation == HouseholdMember.Relation.HEAD and household.members.filter(relation="head", until__isnull=True).exists():
        raise StateConflict({"relation": _("Relation: this household already has a head")})
    HouseholdMember.objects.create(household=household, person=person, relation=relation, since=on)
    person.household = household
    person.dwelling = dwelling
    person.community_id = dwelling.building.community_id
    person.status = Person.Status.LIVING_HERE
    person.save(update_fields=["household", "dwelling", "community", "status", "updated_at"])
    ResidentEvent.objects.create(person=person, household=household, kind=ResidentEvent.Kind.MOVED_IN, on=on, actor=_actor(scope), note=str(dwelling))
    return household


@transaction.atomic
def update_person(scope: Scope, person: Person, **changes) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not scope.allows(person, "write"):
        raise OutOfScope(_("This person lies outside your area."))
    data = clean_person_fields(changes, existing=person)
    changed = [f for f, v in data.items() if getattr(person, f) != v]
    if not changed:
        return person
    for f in changed:
        setattr(person, f, data[f])
    person.save()
    # PII values never go into history, only the fact that they changed.
    record = {f: ("***" if f in PII_FIELDS else str(data[f])) for f in changed}
    ResidentEvent.objects.create(person=person, kind=ResidentEvent.Kind.CHANGED, actor=_actor(scope), changes=record)
    return person


@transaction.atomic
def set_tags(scope: Scope, person: Person, tags) -> Person:
    if not scope.allows(person, "write"):
        raise OutOfScope(_("This person lies outside your area."))
    wanted = _clean_tags(tags)
    current = {t.tag: t for t in person.tags.all()}
    for tag, row in current.items():
        if tag not in wanted:
            row.delete()
            ResidentEvent.objects.create(person=person, kind=ResidentEvent.Kind.UNTAGGED, actor=_actor(scope), changes={"tag": tag})
    for tag, level in wanted.items():
        if tag in current:
            if current[tag].level != level:
                current[tag].level = level
                current[tag].save(update_fields=["level"])
        else:
            PersonTag.objects.create(person=person, tag=tag, level=level)
            ResidentEvent.objects.create(person=person, kind=ResidentEvent.Kind.TAGGED, actor=_actor(scope), changes={"tag": tag, "level": level})
    return person


def _end_membership(person: Person, on: datetime.date, reason: str):
    member = HouseholdMember.objects.filter(person=person, until__isnull=True).select_related("household").first()
    if member is None:
        return None
    if on < member.since:
        raise StateConflict({"on": _("Date: before the person moved in (%(d)s)") % {"d": member.since.isoformat()}})
    member.until, member.end_reason = on, reason
    member.save(update_fields=["until", "end_reason"])
    household = member.household
    if not household.members.filter(until__isnull=True).exists():
        household.closed_on = on
        household.save(update_fields=["closed_on"])
    return member


@transaction.atomic
def move(scope: Scope, person: Person, dwelling: Dwelling, *, household: Household | None = None, relation: str = "", on: datetime.date | None = None) -> Person:
    """Move a resident to another dwelling (and household) in the register."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not scope.allows(person, "write"):
        raise OutOfScope(_("This person lies outside your area."))
    _require_people_write(scope, dwelling, _("The new dwelling"))
    if person.status == Person.Status.DECEASED:
        raise StateConflict({"person": _("Person: is recorded as deceased")})
    on = on or timezone.localdate()
    old = _end_membership(person, on, HouseholdMember.EndReason.TRANSFERRED)
    if old is not None:
        ResidentEvent.objects.create(person=person, household=old.household, kind=ResidentEvent.Kind.MOVED_OUT, on=on, actor=_actor(scope), note=str(old.household.dwelling))
    _join(scope, person, dwelling, household, relation, on)
    return person


@transaction.atomic
def move_out(scope: Scope, person: Person, *, on: datetime.date | None = None, destination: str = "") -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not scope.allows(person, "write"):
        raise OutOfScope(_("This person lies outside your area."))
    if person.status != Person.Status.LIVING_HERE:
        raise StateConflict({"person": _("Person: does not live here any more")})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise StateConflict({"on": _("Date: lies in the future")})
    member = _end_membership(person, on, HouseholdMember.EndReason.MOVED_OUT)
    person.status, person.household, person.dwelling = Person.Status.MOVED_OUT, None, None
    person.save(update_fields=["status", "household", "dwelling", "updated_at"])
    ResidentEvent.objects.create(person=person, household=member.household if member else None, kind=ResidentEvent.Kind.MOVED_OUT, on=on, actor=_actor(scope), note=destination)
    return person


@transaction.atomic
def record_death(scope: Scope, person: Person, *, on: datetime.date) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not scope.allows(person, "write"):
        raise OutOfScope(_("This person lies outside your area."))
    if person.status == Person.Status.DECEASED:
        raise StateConflict({"person": _("Person: already recorded as deceased")})
    if on > timezone.localdate():
        raise StateConflict({"on": _("Date: lies in the future")})
    if person.birth_date and on < person.birth_date:
        raise StateConflict({"on": _("Date: before the birth date")})
    member = _end_membership(person, on, HouseholdMember.EndReason.DIED)
    person.status, person.died_on, person.household, person.dwelling = Person.Status.DECEASED, on, None, None
    person.save(update_fields=["status", "died_on", "household", "dwelling", "updated_at"])
    ResidentEvent.objects.create(person=person, household=member.household if member else None, kind=ResidentEvent.Kind.DIED, on=on, actor=_actor(scope))
    return person


def reveal(scope: Scope, person: Person, field: str, reason: str) -> str:
    """The plaintext ID number or phone, for a user with the reveal grant; writes an audit row."""
    if field not in PII_FIELDS:
        raise ValidationError({"field": _("Field: only id_number or phone can be revealed")})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Reason: required to reveal personal data")})
    if not scope.may_reveal(person):
        raise OutOfScope(_("You may not reveal this person's data."))
    audit.record(_actor(scope), "reveal", subject=person, subject_label=person.name, community_id=person.community_id, field=field, reason=reason[:500])
    return getattr(person, field)


@transaction.atomic
def appoint(scope: Scope, person: Person, role: str, scope_object, *, starts_on: datetime.date | None = None,
            ends_on: datetime.date | None = None, title: str = "") -> Appointment:
    if role not in dict(roles.ROLE_CHOICES):
        raise ValidationError({"role": _("Role: unknown role %(r)s") % {"r": role}})
    level = type(scope_object)._meta.model_name
    if level not in roles.SCOPE_LEVELS:
        raise ValidationError({"scope": _("Scope: must be a building, entrance, grid, compound, community, subdistrict or organisation")})
    appt = Appointment(person=person, role=role, title=title, starts_on=starts_on or timezone.localdate(), ends_on=ends_on)
    setattr(appt, level, scope_object)
    appt.full_clean(exclude=["person"])
    if not scope.everything:
        community_id = appt.home_community_id
        if not (community_id and community_id in scope.community_ids and scope.has_role(roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF)):
            raise OutOfScope(_("Only the community's staff may appoint in this community."))
    appt.save()
    return appt


@transaction.atomic
def end_appointment(scope: Scope, appointment: Appointment, on: datetime.date) -> Appointment:
    if not scope.everything and not (appointment.home_community_id in scope.community_ids and scope.has_role(roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF)):
        raise OutOfScope(_("Only the community's staff may end this appointment."))
    if on < appointment.starts_on:
        raise ValidationError({"ends_on": _("The end date must not be before the start date.")})
    appointment.ends_on = on
    appointment.save(update_fields=["ends_on"])
    return appointment


def create_account(person: Person | None, username: str, password: str, **extra) -> Account:
    """A new account; its password must pass AUTH_PASSWORD_VALIDATORS (length 10, not common, not all
    digits, not like the username or the person's name, not the demo password)."""
    if Account.objects.filter(username=username).exists():
        raise ValidationError({"username": _("Username: already taken")})
    candidate = Account(username=username, person=person, first_name=person.name if person else "")
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    return Account.objects.create_user(username=username, password=password, person=person, **extra)


def set_new_password(account: Account, password: str) -> Account:
    """Change an account's password, checked by the same validators as a new one."""
    try:
        password_validation.validate_password(password, user=account)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    account.set_password(password)
    account.save(update_fields=["password"])
    return account


@transaction.atomic
def create_organization(scope: Scope, *, kind: str, name: str, parent=None, serves=(), **fields):
    """An organisation; party organisations must follow the four-level tree."""
    from .models import Organization

    if kind not in Organization.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown organisation kind %(k)s") % {"k": kind}})
    org = Organization(kind=kind, name=(name or "").strip(), parent=parent, **fields)
    org.full_clean()
    place = org.grid or org.compound or org.community or org.subdistrict
    if not scope.everything:
        if place is None or not scope.covers(place, "write", roles.PLACES):
            raise OutOfScope(_("This organisation's place lies outside your area."))
    org.save()
    if serves:
        org.serves.set(serves)
    return org
