"""What every case use case stands on: the one transition (a conditional UPDATE on version and allowed states), the
timeline row, who may act, photos, numbering. The use cases themselves live in intake, handling, whistle and rating.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import notify, workdays
from linli.core.inserts import column_values, new_instance
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account
from linli.people.scopes import Scope

from ..models import Case, CaseCounter, CaseEvent, CasePhoto, CaseSettings, Category, Tier

State = Case.State
Action = CaseEvent.Action
Source = Case.Source

PHOTO_TYPES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/webp": (b"RIFF",)}
MAX_PHOTOS = 9
ROUTING_ACTIONS = {Action.ASSIGN, Action.CLASSIFY, Action.ESCALATE, Action.TRANSFER, Action.REOPEN}


class Conflict(Exception):
    """Someone else changed the case first."""


# ---------------------------------------------------------------- helpers

def _actor(scope: Scope):
    account = scope.account
    return account if getattr(account, "pk", None) else None


def _settings_for(community_id) -> CaseSettings:
    return CaseSettings.objects.filter(community_id=community_id).first() or CaseSettings(community_id=community_id)


def _event_row(case: Case, scope_or_actor, action: str, *, from_state="", to_state="", from_tier="", to_tier="",
               note="", data=None, public=True, at=None) -> CaseEvent:
    """The timeline row of a step, unsaved (intake writes its rows in one insert)."""
    actor = _actor(scope_or_actor) if isinstance(scope_or_actor, Scope) else scope_or_actor
    data = dict(data or {})
    if action in ROUTING_ACTIONS:  # the deadlines in force from this step on: rates read them from the timeline
        data.setdefault("response_due", case.response_due.isoformat() if case.response_due else None)
        data.setdefault("handling_due", case.handling_due.isoformat() if case.handling_due else None)
    return new_instance(
        CaseEvent, case=case, actor=actor, action=action, from_state=from_state, to_state=to_state or case.state,
        from_tier=from_tier, to_tier=to_tier or case.tier, assignee=case.assignee, assignee_org=case.assignee_org,
        note=note, data=data, public=public, at=at or timezone.now(),
    )


def _event(case: Case, scope_or_actor, action: str, **kwargs) -> CaseEvent:
    event = _event_row(case, scope_or_actor, action, **kwargs)
    event.save(force_insert=True)
    return event


def _transition(case: Case, allowed_states, **changes) -> Case:
    """Apply changes if the case is still at the version and in a state we read; else Conflict."""
    now = timezone.now()
    updated = Case.objects.filter(pk=case.pk, version=case.version, state__in=list(allowed_states)).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if not updated:
        current = Case.objects.filter(pk=case.pk).values_list("state", flat=True).first()
        raise Conflict(_("Case %(number)s was changed by someone else (now: %(state)s). Reload and try again.")
                       % {"number": case.number, "state": Case.State(current).label if current else "?"})
    for key, value in changes.items():
        setattr(case, key, value)
    case.version += 1
    case.updated_at = now
    return case


def _reporters(case: Case) -> list[Account]:
    """The reporter of the case and of every case merged into it."""
    accounts = []
    for c in [case, *case.merged_cases.all()]:
        if c.reporter_id:
            accounts.append(c.reporter)
        elif c.reporter_person_id:
            acc = Account.objects.filter(person_id=c.reporter_person_id).first()
            if acc:
                accounts.append(acc)
    return accounts


def _handlers(case: Case) -> list[Account]:
    if case.assignee_id:
        return [case.assignee]
    if case.assignee_org_id:
        return list(Account.objects.filter(person__appointments__organization=case.assignee_org_id).distinct())
    return []


def _notify(case: Case, event: CaseEvent, recipients, subject: str):
    notify.notify(f"case:{case.pk}:event:{event.pk}", recipients, subject=subject,
                  body=case.title, link=f"/cases/{case.pk}/", payload={"case": case.number, "action": event.action})


def _messages(case: Case, event: CaseEvent, recipients, subject: str, now=None) -> list:
    """The outbox rows _notify would queue, unsaved (a new event: nothing to read first)."""
    return notify.messages(f"case:{case.pk}:event:{event.pk}", recipients, subject=subject, body=case.title,
                           link=f"/cases/{case.pk}/", payload={"case": case.number, "action": event.action}, now=now)


def _deadlines(category: Category | None, start) -> tuple:
    if category is None:
        return None, None
    return (workdays.deadline(start, category.response_amount, category.response_unit),
            workdays.deadline(start, category.handling_amount, category.handling_unit))


def may_handle(scope: Scope, case: Case) -> bool:
    """The assignee, the holders of the case's tier post, and staff above it may act on a case."""
    if scope.everything or (case.assignee_id and case.assignee_id == getattr(scope.account, "pk", None)):
        return True
    for appt in scope.appointments:
        if appt.role == roles.BUILDING_LEADER and case.tier == Tier.BUILDING and appt.building_id == case.building_id:
            return True
        if appt.role == roles.GRID_WORKER and case.tier in (Tier.BUILDING, Tier.GRID) and appt.grid_id in (case.grid_id, case.micro_grid_id):
            return True
        if appt.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and appt.community_id == case.community_id and case.tier != Tier.SUBDISTRICT:
            return True
        if appt.role == roles.SUBDISTRICT_STAFF and appt.subdistrict_id == case.subdistrict_id:
            return True
        if appt.role in (roles.DEPARTMENT_CONTACT, roles.PROPERTY_MANAGER) and appt.organization_id and appt.organization_id == case.assignee_org_id:
            return True
    return False


def _require_handler(scope: Scope, case: Case) -> None:
    if not may_handle(scope, case):
        raise OutOfScope(_("You do not handle case %(number)s.") % {"number": case.number})


def _is_dispatcher(scope: Scope, case: Case) -> bool:
    return scope.everything or any(
        (a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id == case.community_id)
        or (a.role == roles.SUBDISTRICT_STAFF and a.subdistrict_id == case.subdistrict_id)
        for a in scope.appointments
    )


def clean_photos(photos) -> list:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("Photos: at most %(n)d per step.") % {"n": MAX_PHOTOS}})
    limit = getattr(settings, "LINLI_MAX_PHOTO_BYTES", 8 * 1024 * 1024)
    for i, photo in enumerate(photos, 1):
        size = photo.size
        if size > limit:
            raise ValidationError({"photos": _("Photo %(i)d: %(size).1f MB is larger than the %(limit).0f MB allowed.")
                                   % {"i": i, "size": size / 1e6, "limit": limit / 1e6}})
        head = photo.read(12)
        photo.seek(0)
        ctype = getattr(photo, "content_type", "") or ""
        magic = PHOTO_TYPES.get(ctype)
        if not magic or not any(head.startswith(m) for m in magic) or (ctype == "image/webp" and head[8:12] != b"WEBP"):
            raise ValidationError({"photos": _("Photo %(i)d: only JPEG, PNG or WebP images are accepted.") % {"i": i}})
    return photos


def _save_photos(case: Case, photos, scope: Scope, event: CaseEvent | None):
    for photo in photos:
        CasePhoto.objects.create(case=case, event=event, file=photo, content_type=photo.content_type, size=photo.size,
                                 uploaded_by=_actor(scope))


def _store_photos(photos, scope: Scope) -> list[CasePhoto]:
    """Write the photo files to storage now, before any transaction, and return their rows unsaved (file already
    stored, so inserting the row writes no file). A file whose case is never written stays behind unreferenced."""
    rows = []
    for photo in photos:
        row = CasePhoto(content_type=photo.content_type, size=photo.size, uploaded_by=_actor(scope))
        row.file.save(photo.name, photo, save=False)
        rows.append(row)
    return rows


def take_number(day: datetime.date) -> str:
    """The next case number of the day, in one statement: an upsert of the day's counter row that returns the new
    value. Run it inside the write transaction that inserts the case: the row stays locked (PostgreSQL) or the
    database's write lock is held (SQLite) until the case is committed, so no two cases draw one number, and a
    rolled-back intake gives its number back (no gaps)."""
    table = connection.ops.quote_name(CaseCounter._meta.db_table)
    day_col, last_col = connection.ops.quote_name("day"), connection.ops.quote_name("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({day_col}, {last_col}) VALUES (%s, 1) "
            f"ON CONFLICT ({day_col}) DO UPDATE SET {last_col} = {table}.{last_col} + 1 RETURNING {last_col}",
            [connection.ops.adapt_datefield_value(day)],
        )
        last = cursor.fetchone()[0]
    return f"{day:%Y%m%d}-{last:04d}"


def numbers_late() -> bool:
    """Whether intake writes the case last, numbered in the same statement (PostgreSQL): the day's counter row, which
    every intake of the day takes, is then locked for the case's insert, the outbox's and the commit instead of the
    whole transaction (SQLite's writers are serialised by its write lock anyway)."""
    return connection.vendor == "postgresql"


_CASE_SEQUENCE: dict = {}


def next_case_id() -> int:
    """PostgreSQL: a case's primary key drawn ahead of its insert (its timeline and photo rows go in first; the
    foreign keys are checked at commit). Drawn outside the write transaction: a sequence is not transactional. The
    sequence's name is looked up once per database (pg_get_serial_sequence searches the catalog's dependencies: about
    a tenth of PostgreSQL's time in an intake's statements when it ran every time)."""
    with connection.cursor() as cursor:
        key = (connection.alias, connection.settings_dict["NAME"])
        name = _CASE_SEQUENCE.get(key)
        if name is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [Case._meta.db_table, Case._meta.pk.column])
            name = _CASE_SEQUENCE[key] = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s::regclass)", [name])
        return cursor.fetchone()[0]


_NUMBERED_INSERT: dict = {}


def insert_numbered_case(case: Case, day: datetime.date) -> str:
    """PostgreSQL: draw the day's next number and insert the case with it, in one statement (the counter's upsert in a
    CTE, the INSERT … SELECT reading it), so the row is written once: numbering a written row with an UPDATE made a
    second version of it and a second entry in every one of its indexes. `case.pk` is set (next_case_id); the
    same counter and rules as take_number (no gaps, no duplicates)."""
    fields, values = column_values(case)
    at = next(i for i, f in enumerate(fields) if f.attname == "number")
    sql = _NUMBERED_INSERT.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        counter = qn(CaseCounter._meta.db_table)
        # every value cast to its column's type (an INSERT … SELECT does not type its parameters from the columns);
        # text as text, so that a value too long for its column fails as it would in VALUES instead of being cut
        casts = ["text" if f.get_internal_type() in ("CharField", "TextField") or f.db_type(connection) == "text" else f.db_type(connection)
                 for f in fields]
        select = [f"%s::{cast}" for cast in casts]
        select[at] = ("%s || '-' || CASE WHEN n.\"last\" < 10000 THEN lpad(n.\"last\"::text, 4, '0') ELSE n.\"last\"::text END")
        sql = _NUMBERED_INSERT[connection.vendor] = (
            f'WITH n AS (INSERT INTO {counter} ("day", "last") VALUES (%s, 1) '
            f'ON CONFLICT ("day") DO UPDATE SET "last" = {counter}."last" + 1 RETURNING "last") '
            f'INSERT INTO {qn(Case._meta.db_table)} ({qn(Case._meta.pk.column)}, {", ".join(qn(f.column) for f in fields)}) '
            f'SELECT %s, {", ".join(select)} FROM n RETURNING {qn("number")}')
    values[at] = f"{day:%Y%m%d}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, case.pk, *values])
        case.number = cursor.fetchone()[0]
    case._state.adding = False
    case._state.db = connection.alias
    return case.number


def next_number_taken(day: datetime.date) -> bool:
    """After a rolled-back intake whose number collided: whether the number the counter gives next is already a
    case's (written before the counter knew of it, or by hand) — then the counter needs repair_counter."""
    last = CaseCounter.objects.filter(day=day).values_list("last", flat=True).first() or 0
    return Case.objects.filter(number=f"{day:%Y%m%d}-{last + 1:04d}").exists()


def repair_counter(day: datetime.date) -> None:
    """Move the day's counter past every number already given out (numbers written before the counter existed, or
    by hand): the slow count, only after a number collided."""
    prefix = day.strftime("%Y%m%d")
    highest = 0
    for number in Case.objects.filter(number__startswith=prefix + "-").values_list("number", flat=True):
        tail = number.partition("-")[2]
        if tail.isdigit():
            highest = max(highest, int(tail))
    CaseCounter.objects.update_or_create(day=day, defaults={"last": highest})


def _next_number(day: datetime.date, attempt: int = 0) -> str:
    """Kept for callers of the old name: the next number from the day's counter (attempt is ignored)."""
    return take_number(day)
