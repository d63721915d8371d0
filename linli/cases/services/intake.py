"""Intake (受理): the five ways a case comes in — resident, patrol, building leader, hotline, Open311 — located, classified,
routed to a tier, timed and announced in one step."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope, StateConflict
from linli.core.inserts import insert_instances, new_instance
from linli.core.memo import Memo
from linli.core import roles
from linli.people.models import Account, Person
from linli.people.scopes import Scope
from linli.places import locator
from linli.places.geometry import clean_point
from linli.places.models import Community, Dwelling, Grid

from .. import routing
from ..models import Case, CasePhoto, Category, Tier
from .base import (Action, Source, State, _actor, _deadlines, _event_row, _handlers, _messages, _store_photos, clean_photos,
                   insert_numbered_case, next_case_id, next_number_taken, numbers_late, repair_counter, take_number)


def _locate(scope: Scope, source: str, dwelling: Dwelling | None, lat, lng) -> dict:
    if dwelling is not None:
        loc = locator.locate_dwelling(dwelling)
        where = {"dwelling": dwelling, "building": dwelling.building, "lat": dwelling.building.lat, "lng": dwelling.building.lng}
    elif lat is not None and lng is not None:
        lat, lng = clean_point(lat, lng)
        if lat is None:
            raise ValidationError({"location": _("Location: choose a dwelling or a point on the map.")})
        loc = locator.locate_point(lng, lat)
        where = {"lat": lat, "lng": lng}
    else:
        raise ValidationError({"location": _("Location: choose a dwelling or a point on the map.")})
    if not loc.found:
        raise StateConflict({"location": _("Location: the point lies outside every grid; choose a place inside the community.")})
    grid, community = _places.get((loc.grid_id, loc.community_id), lambda: _grid_and_community(loc.grid_id, loc.community_id))
    where.update(grid=grid, micro_grid_id=loc.micro_grid_id, community=community, subdistrict=community.subdistrict)
    return where


# (grid, community) ids → their rows with the subdistrict; valid until a place changes (linli.core.memo)
_places = Memo("intake-places", ["places"])
# category code → its row with its group; valid until a category changes
_categories = Memo("intake-categories", ["categories"])


def _grid_and_community(grid_id, community_id):
    grid = Grid.objects.select_related("community__subdistrict").get(pk=grid_id)  # one read: grid, community, subdistrict
    community = grid.community if grid.community_id == community_id else Community.objects.select_related("subdistrict").get(pk=community_id)
    return grid, community


def _check_intake_scope(scope: Scope, source: str, where: dict, reporter_person: Person | None):
    from linli.places.models import Building

    if scope.everything or source == Source.OPEN311:
        return
    dwelling = where.get("dwelling")
    if source == Source.RESIDENT:
        person = getattr(scope.account, "person", None)
        if person is None:
            raise OutOfScope(_("Only a signed-in resident can report as a resident."))
        if dwelling is not None and dwelling.pk != person.dwelling_id:
            raise OutOfScope(_("Dwelling: a resident reports for their own home or a point on the map."))
        return
    place = dwelling.building if dwelling is not None else where["grid"]
    if source == Source.PATROL:
        if not scope.has_role(roles.GRID_WORKER) or not scope.covers(place, "read", roles.PLACES):
            raise OutOfScope(_("A patrol report must lie in your grid."))
    elif source == Source.BUILDING_LEADER:
        if dwelling is None or not isinstance(place, Building) or not scope.covers(place, "read", roles.PEOPLE):
            raise OutOfScope(_("A building leader reports for a dwelling in their building."))
    elif source == Source.HOTLINE:
        if not scope.has_role(roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY, roles.SUBDISTRICT_STAFF) or not scope.covers(place, "read", roles.PLACES):
            raise OutOfScope(_("Hotline staff enter calls for their own community or subdistrict."))


def leaf_category(code: str) -> Category | None:
    """The active category (not a group) of this code, with its group; cached per process (linli.core.memo)."""
    return _categories.get(("leaf", code), lambda: Category.objects.filter(code=code, active=True, parent__isnull=False)
                           .select_related("parent").first())  # str() names the group


def _category(value) -> Category | None:
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        return value
    cat = leaf_category(value)
    if cat is None:
        raise ValidationError({"category": _("Category: unknown category %(code)s.") % {"code": value}})
    return cat


def _made_with(intake_key: str) -> Case | None:
    first = Case.objects.filter(intake_key=intake_key).first()
    if first is not None:
        first.repeated = True
    return first


def submit(scope: Scope, *, source: str, description: str, title: str = "", category=None, dwelling: Dwelling | None = None,
           lat=None, lng=None, address: str = "", photos=(), reporter_person: Person | None = None, reporter_name: str = "",
           reporter_phone: str = "", open311_client=None, building=None, intake_key: str | None = None) -> Case:
    """Intake for all five ways; locates, classifies, routes, sets deadlines, notifies.

    Two phases (DESIGN.md, short write transactions): every read and all CPU work — limits, the category, locating,
    the scope check, the classifier, routing, deadlines, who is told, the photo files — happen first, in no
    transaction; then one short transaction writes the day's number (one upsert), the case, its timeline rows, its
    photo rows and its outbox rows (one insert each). Called inside a caller's transaction, the second phase is a
    savepoint of it.

    `building` (optional, with a point): the building the problem is at, so routing finds its leader and property company.
    `intake_key` (optional): the report form's one-time key. A case already made with it is returned as it is, with
    `repeated = True`, and nothing else happens; the unique column decides a race (the loser returns the winner's case)."""
    if intake_key:
        first = _made_with(intake_key)
        if first is not None:
            return first
    case, rows = _prepare(scope, source=source, description=description, title=title, category=category,
                          dwelling=dwelling, lat=lat, lng=lng, address=address, photos=photos,
                          reporter_person=reporter_person, reporter_name=reporter_name, reporter_phone=reporter_phone,
                          open311_client=open311_client, building=building, intake_key=intake_key)
    return _write(case, rows, intake_key)


def _prepare(scope: Scope, *, source, description, title, category, dwelling, lat, lng, address, photos, reporter_person,
             reporter_name, reporter_phone, open311_client, building, intake_key) -> tuple[Case, dict]:
    """Phase one, outside any transaction: the unsaved case and everything its write needs."""
    if source not in Source.values:
        raise ValidationError({"source": _("Source: unknown source %(s)s.") % {"s": source}})
    description = (description or "").strip()
    if len(description) < 4:
        raise ValidationError({"description": _("Description: say what the problem is (at least 4 characters).")})
    if len(description) > 4000:
        raise ValidationError({"description": _("Description: at most 4000 characters.")})
    category = _category(category)
    photos = clean_photos(photos)
    where = _locate(scope, source, dwelling, lat, lng)
    if building is not None and dwelling is None and building.community_id == where["community"].pk:
        where["building"] = building
    _check_intake_scope(scope, source, where, reporter_person)

    reporter = _actor(scope) if source in (Source.RESIDENT, Source.OPEN311) else None
    if source == Source.RESIDENT:
        reporter_person = scope.account.person
    if reporter_phone and reporter_person is None:
        from linli.core.crypto import lookup_hash
        from linli.core.validation import normalize_phone

        reporter_phone = normalize_phone(reporter_phone, "reporter_phone")
        reporter_person = Person.objects.filter(phone_hash=lookup_hash(reporter_phone)).first()
    if reporter is None and reporter_person is not None:
        reporter = Account.objects.filter(person=reporter_person).first()

    suggested, confidence = None, None
    if category is None:
        from .. import classifier

        code, confidence = classifier.current().predict(f"{(title or '')[:200]} {description}")  # the title is kept to 200
        suggested = _categories.get(("any", code), lambda: Category.objects.filter(code=code, active=True).select_related("parent").first())
        if suggested is not None and confidence >= getattr(settings, "LINLI_CLASSIFIER_THRESHOLD", classifier.THRESHOLD):
            category = suggested
    now = timezone.now()
    case = new_instance(
        Case, title=(title or description[:40]).strip()[:200], description=description, category=category,
        suggested_category=suggested, confidence=confidence, categorised_by_person=False, source=source,
        reporter=reporter, reporter_person=reporter_person, reporter_name=reporter_name or (reporter_person.name if reporter_person else ""),
        reporter_phone=reporter_phone, entered_by=_actor(scope), open311_client=open311_client,
        address=address[:300], created_at=now, updated_at=now, intake_key=intake_key or None, **where,
    )
    if category is not None:
        case.tier, case.assignee, case.assignee_org = routing.route(case, category.default_tier)
        case.state = State.ASSIGNED
        case.response_due, case.handling_due = _deadlines(category, now)
    else:
        case.tier, case.assignee, case.assignee_org = routing.route(case, Tier.COMMUNITY)
        case.state = State.TRIAGE
    if source == Source.OPEN311:
        case.open311_token = secrets.token_hex(12)
    events = [_event_row(case, scope, Action.SUBMIT, to_state=case.state, note=description[:500], at=now,
                         data={"source": source, "confidence": confidence, "suggested": suggested.code if suggested else None})]
    if case.state == State.ASSIGNED:
        # routing is linli's step, not the reporter's: the timeline says 系统
        events.append(_event_row(case, None, Action.ASSIGN, from_state=State.ASSIGNED, at=now,
                                 note=_("Routed by category %(c)s") % {"c": category}))
    return case, {
        "events": events, "handlers": _handlers(case), "reporter": reporter, "now": now,
        "photos": _store_photos(photos, scope),  # the files are written now, not under the write lock
    }


def _write(case: Case, rows: dict, intake_key: str | None) -> Case:
    """Phase two: one short write transaction — number, case, timeline, photos, outbox. Nothing in it reads, except
    the counter's upsert returning its value. On PostgreSQL the case's key is drawn first (outside the transaction),
    its timeline and photo rows go in before it, and the case is inserted last, numbered in the same statement
    (numbers_late): the day's counter row, which every intake of the day takes, is then locked for that statement,
    the outbox's insert and the commit, not for the whole transaction."""
    day = timezone.localdate(rows["now"])
    events, photos = rows["events"], rows["photos"]
    late = numbers_late()  # PostgreSQL: the day's counter row locked for the last statements only
    for attempt in range(3):
        if late:
            case.pk = case.id = next_case_id()
        try:
            with transaction.atomic():
                if not late:
                    case.number = take_number(day)
                    insert_instances([case])
                insert_instances(events)
                if photos:
                    for photo in photos:
                        photo.case, photo.event = case, events[0]
                    CasePhoto.objects.bulk_create(photos)
                if late:
                    insert_numbered_case(case, day)
                outbox = _intake_messages(case, events, rows)
                if outbox:
                    insert_instances(outbox)
            break
        except IntegrityError:
            case.pk = case.id = None
            case._state.adding = True
            for row in [*events, *photos]:
                row.pk = row.id = None
                row._state.adding = True
                row.case = case  # not the rolled-back case's key
            if intake_key:
                first = _made_with(intake_key)
                if first is not None:  # the same form sent twice at once: the other submit made the case
                    return first
            if attempt < 2 and next_number_taken(day):
                repair_counter(day)  # a number given out before the counter knew of it
                continue
            raise
    case.repeated = False
    case.intake_events = events  # the timeline as written: a reply needs no second read
    return case


def _intake_messages(case: Case, events: list, rows: dict) -> list:
    submitted = events[0]
    if case.state == State.ASSIGNED:
        out = _messages(case, events[1], rows["handlers"], _("New case %(n)s: %(t)s") % {"n": case.number, "t": case.title}, rows["now"])
    else:
        out = _messages(case, submitted, rows["handlers"], _("Case %(n)s needs a category") % {"n": case.number}, rows["now"])
    if rows["reporter"]:
        out += _messages(case, submitted, [rows["reporter"]], _("We received your report %(n)s") % {"n": case.number}, rows["now"])
    return out
