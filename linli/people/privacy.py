"""A person's own data (PIPL art. 45: a copy) and anonymisation after retention (art. 47). See docs/privacy.md.

Subject access: `subject_access(scope, person, reason)` gathers everything linli holds about one person — the
person, their households, tags, history, posts, accounts, and each app's records about them — as one dict that
serialises to JSON. Each app adds its part with `register_section(name, fn)` in its AppConfig.ready (people sits
below the apps and never imports them); `fn(person)` returns a queryset, a list of dicts or a dict. Only a user
who may reveal the person's data (Scope.may_reveal) may take the copy, with a reason; one audit row.

Anonymisation: `anonymise(scope, before, dry_run=False)` replaces the name, ID number, phone and free text of
everyone who moved out or died before `before` with placeholders, and keeps what statistics need (gender, birth
year, community, status, tags, the history's kinds and dates). Apps clear their own copies of those people's
contact data through `register_anonymiser(fn)`, `fn(person_ids) -> int` (rows changed). One audit row per run.
"""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.errors import OutOfScope
from linli.core.models import AuditLog

from .models import Account, Appointment, HouseholdMember, Person, ResidentEvent
from .scopes import Scope

SECTIONS: list[tuple[str, Callable]] = []
ANONYMISERS: list[Callable] = []
PLACEHOLDER = "已匿名"  # the name an anonymised person keeps (with their id: 已匿名-123)
SKIP_FIELDS = {"id_number_hash", "phone_hash", "reporter_phone_hash", "contact_phone_hash", "password"}


def register_section(name: str, fn: Callable) -> None:
    """An app's part of the copy: fn(person) -> queryset | list[dict] | dict. Called from AppConfig.ready."""
    if name not in {n for n, _f in SECTIONS}:
        SECTIONS.append((name, fn))


def register_anonymiser(fn: Callable) -> None:
    """An app clears its copies of these people's personal data: fn(person_ids: list[int]) -> rows changed."""
    if fn not in ANONYMISERS:
        ANONYMISERS.append(fn)


# ---------------------------------------------------------------------------- finding the person
def find_person(key: str) -> Person:
    """A person by id, mobile number or resident ID number (through the keyed hashes; never a plaintext filter)."""
    from linli.core.crypto import lookup_hash

    key = (key or "").strip()
    if not key:
        raise Person.DoesNotExist
    if key.isdigit() and len(key) <= 10:
        return Person.objects.get(pk=int(key))
    h = lookup_hash(key.upper())
    found = Person.objects.filter(Q(phone_hash=lookup_hash(key)) | Q(id_number_hash=h)).order_by("-status", "pk")
    person = found.filter(status=Person.Status.LIVING_HERE).first() or found.first()
    if person is None:
        raise Person.DoesNotExist
    return person


# ---------------------------------------------------------------------------- the copy
def _value(v):
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, dict)):
        return v
    return str(v)


def rows(qs) -> list[dict]:
    """Every concrete field of every row (foreign keys as ids, encrypted fields in plain: it is the person's own copy)."""
    out = []
    for obj in qs:
        row = {}
        for f in obj._meta.concrete_fields:
            if f.name in SKIP_FIELDS:
                continue
            row[f.attname if isinstance(f, models.ForeignKey) else f.name] = _value(getattr(obj, f.attname))
        out.append(row)
    return out


def _people_sections(person: Person) -> dict:
    memberships = HouseholdMember.objects.filter(person=person).select_related("household__dwelling")
    return {
        "person": rows([person])[0],
        "address": str(person.dwelling) if person.dwelling_id else "",
        "tags": rows(person.tags.all()) + [{"tag": t, "derived": True} for t in person.derived_tags()],
        "households": [{**r, "dwelling": str(m.household.dwelling)} for r, m in zip(rows(memberships), memberships)],
        "history": rows(ResidentEvent.objects.filter(person=person)),
        "appointments": rows(Appointment.objects.filter(person=person)),
        "accounts": [{k: v for k, v in r.items() if k in ("id", "username", "is_active", "date_joined", "last_login", "email")}
                     for r in rows(Account.objects.filter(person=person))],
    }


def collect(person: Person) -> dict:
    """Everything linli holds about `person` (no scope check, no audit: use subject_access)."""
    data = {"generated_at": timezone.now().isoformat(), "system": "linli", **_people_sections(person)}
    for name, fn in SECTIONS:
        got = fn(person)
        data[name] = got if isinstance(got, (list, dict)) else rows(got)
    return data


def subject_access(scope: Scope, person: Person, reason: str) -> dict:
    """The copy of a person's data for that person (PIPL art. 45), taken by staff who may reveal it; audited."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Reason: required to take a copy of a person's data")})
    if not scope.may_reveal(person):
        raise OutOfScope(_("You may not reveal this person's data."))
    data = collect(person)
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    audit.record(scope.account, AuditLog.Action.SUBJECT_ACCESS, subject=person, subject_label=person.name,
                 community_id=person.community_id, field="all", reason=reason[:500], count=sum(counts.values()), sections=counts)
    return data


# ---------------------------------------------------------------------------- anonymisation
def left_on(qs=None):
    """Persons who moved out or died, annotated with the day they left (date of death, else the last move-out)."""
    qs = qs if qs is not None else Person.objects.all()
    return (qs.filter(status__in=[Person.Status.MOVED_OUT, Person.Status.DECEASED])
            .annotate(last_out=Max("events__on", filter=Q(events__kind__in=[ResidentEvent.Kind.MOVED_OUT, ResidentEvent.Kind.DIED]))))


def due_for_anonymisation(before: datetime.date):
    """Moved out or died before `before`, not anonymised yet."""
    qs = left_on().exclude(name__startswith=PLACEHOLDER)
    return qs.filter(Q(died_on__lt=before) | Q(died_on__isnull=True, last_out__lt=before))


def anonymise(scope: Scope, before: datetime.date, *, dry_run: bool = False) -> dict:
    """Replace the personal data of those who left before `before` with placeholders; keep statistics. Audited."""
    if not scope.everything:
        raise OutOfScope(_("Only the system may anonymise records."))
    ids = list(due_for_anonymisation(before).order_by("pk").values_list("pk", flat=True))
    report = {"before": before.isoformat(), "persons": len(ids), "dry_run": dry_run, "other_rows": 0}
    if dry_run or not ids:
        return report
    with transaction.atomic():
        for p in Person.objects.select_for_update().filter(pk__in=ids):
            p.name = f"{PLACEHOLDER}-{p.pk}"
            p.id_number = ""
            p.phone = ""
            p.registered_residence = p.work_unit = p.note = ""
            if p.birth_date:  # the year is kept for age statistics
                p.birth_date = datetime.date(p.birth_date.year, 1, 1)
            p.save()  # the hashes follow the emptied fields (LookupHashField)
        report["other_rows"] += ResidentEvent.objects.filter(person_id__in=ids).exclude(note="", changes={}).update(note="", changes={})
        from .models import PersonTag

        report["other_rows"] += PersonTag.objects.filter(person_id__in=ids).exclude(note="").update(note="")
        report["other_rows"] += Account.objects.filter(person_id__in=ids, is_active=True).update(is_active=False)
        for fn in ANONYMISERS:
            report["other_rows"] += fn(ids) or 0
        audit.record(scope.account, AuditLog.Action.ANONYMISE, subject_label=_("Anonymise"), field="name,id_number,phone",
                     reason=_("Retention period ended"), before=before.isoformat(), count=len(ids), other_rows=report["other_rows"])
    return report
