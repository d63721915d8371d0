"""Every change to a case. Each appends exactly one timeline row per step and notifies through the outbox.

All transitions go through `_transition`, a conditional UPDATE on (pk, version, allowed states):
when two people act on one case at once, exactly one wins and the other gets Conflict.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import notify, workdays
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Organization, Person
from linli.people.scopes import Scope
from linli.places import locator
from linli.places.geometry import clean_point
from linli.places.models import Community, Dwelling, Grid

from . import routing
from .models import Case, CaseEvent, CasePhoto, CaseSettings, Category, Plan, Rating, Summons, Tier, Whistle

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


def _event(case: Case, scope_or_actor, action: str, *, from_state="", to_state="", from_tier="", to_tier="", note="",
           data=None, public=True, at=None) -> CaseEvent:
    actor = _actor(scope_or_actor) if isinstance(scope_or_actor, Scope) else scope_or_actor
    data = dict(data or {})
    if action in ROUTING_ACTIONS:  # the deadlines in force from this step on: rates read them from the timeline
        data.setdefault("response_due", case.response_due.isoformat() if case.response_due else None)
        data.setdefault("handling_due", case.handling_due.isoformat() if case.handling_due else None)
    return CaseEvent.objects.create(
        case=case, actor=actor, action=action, from_state=from_state, to_state=to_state or case.state,
        from_tier=from_tier, to_tier=to_tier or case.tier, assignee=case.assignee, assignee_org=case.assignee_org,
        note=note, data=data, public=public, at=at or timezone.now(),
    )


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


def _next_number(day: datetime.date, attempt: int) -> str:
    prefix = day.strftime("%Y%m%d")
    count = Case.objects.filter(number__startswith=prefix + "-").count()
    return f"{prefix}-{count + 1 + attempt:04d}"


# ---------------------------------------------------------------- intake

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
        raise ValidationError({"location": _("Location: the point lies outside every grid; choose a place inside the community.")})
    community = Community.objects.select_related("subdistrict").get(pk=loc.community_id)
    where.update(grid_id=loc.grid_id, micro_grid_id=loc.micro_grid_id, community=community, subdistrict=community.subdistrict)
    return where


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
            raise ValidationError({"dwelling": _("Dwelling: a resident reports for their own home or a point on the map.")})
        return
    place = dwelling.building if dwelling is not None else Grid.objects.get(pk=where["grid_id"])
    if source == Source.PATROL:
        if not scope.has_role(roles.GRID_WORKER) or not scope.covers(place, "read", roles.PLACES):
            raise OutOfScope(_("A patrol report must lie in your grid."))
    elif source == Source.BUILDING_LEADER:
        if dwelling is None or not isinstance(place, Building) or not scope.covers(place, "read", roles.PEOPLE):
            raise OutOfScope(_("A building leader reports for a dwelling in their building."))
    elif source == Source.HOTLINE:
        if not scope.has_role(roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY, roles.SUBDISTRICT_STAFF) or not scope.covers(place, "read", roles.PLACES):
            raise OutOfScope(_("Hotline staff enter calls for their own community or subdistrict."))


def _category(value) -> Category | None:
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        return value
    cat = Category.objects.filter(code=value, active=True, parent__isnull=False).first()
    if cat is None:
        raise ValidationError({"category": _("Category: unknown category %(code)s.") % {"code": value}})
    return cat


@transaction.atomic
def submit(scope: Scope, *, source: str, description: str, title: str = "", category=None, dwelling: Dwelling | None = None,
           lat=None, lng=None, address: str = "", photos=(), reporter_person: Person | None = None, reporter_name: str = "",
           reporter_phone: str = "", open311_client=None, building=None) -> Case:
    """Intake for all five ways; locates, classifies, routes, sets deadlines, notifies.

    `building` (optional, with a point): the building the problem is at, so routing finds its leader and property company."""
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
        from . import classifier

        code, confidence = classifier.current().predict(f"{title} {description}")
        suggested = Category.objects.filter(code=code, active=True).first()
        if suggested is not None and confidence >= getattr(settings, "LINLI_CLASSIFIER_THRESHOLD", classifier.THRESHOLD):
            category = suggested
    now = timezone.now()
    case = Case(
        title=(title or description[:40]).strip()[:200], description=description, category=category,
        suggested_category=suggested, confidence=confidence, categorised_by_person=False, source=source,
        reporter=reporter, reporter_person=reporter_person, reporter_name=reporter_name or (reporter_person.name if reporter_person else ""),
        reporter_phone=reporter_phone, entered_by=_actor(scope), open311_client=open311_client,
        address=address[:300], created_at=now, updated_at=now, **where,
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
    for attempt in range(20):
        case.number = _next_number(timezone.localdate(now), attempt)
        try:
            with transaction.atomic():
                case.save()
            break
        except IntegrityError:
            if Case.objects.filter(number=case.number).exists():
                continue
            raise
    else:
        raise Conflict(_("Could not number the case; try again."))
    submitted = _event(case, scope, Action.SUBMIT, to_state=case.state, note=description[:500],
                       data={"source": source, "confidence": confidence, "suggested": suggested.code if suggested else None})
    _save_photos(case, photos, scope, submitted)
    if case.state == State.ASSIGNED:
        assigned = _event(case, scope, Action.ASSIGN, from_state=State.ASSIGNED, note=_("Routed by category %(c)s") % {"c": category})
        _notify(case, assigned, _handlers(case), _("New case %(n)s: %(t)s") % {"n": case.number, "t": case.title})
    else:
        _notify(case, submitted, _handlers(case), _("Case %(n)s needs a category") % {"n": case.number})
    if reporter:
        _notify(case, submitted, [reporter], _("We received your report %(n)s") % {"n": case.number})
    return case


# ---------------------------------------------------------------- handling

@transaction.atomic
def categorise(scope: Scope, case: Case, category) -> Case:
    """Triage (or correct) the category; routes to the category's tier with fresh deadlines."""
    if not _is_dispatcher(scope, case):
        raise OutOfScope(_("Only the community's dispatcher can categorise a case."))
    category = _category(category)
    if category is None:
        raise ValidationError({"category": _("Category: required.")})
    from_state, from_tier = case.state, case.tier
    now = timezone.now()
    probe = Case(pk=case.pk, building=case.building, grid_id=case.grid_id, micro_grid_id=case.micro_grid_id,
                 community_id=case.community_id, subdistrict_id=case.subdistrict_id, category=category)
    tier, assignee, org = routing.route(probe, category.default_tier)
    response_due, handling_due = _deadlines(category, now)
    _transition(case, [State.TRIAGE, State.ASSIGNED], category=category, categorised_by_person=True, tier=tier,
                assignee=assignee, assignee_org=org, state=State.ASSIGNED, response_due=response_due,
                handling_due=handling_due)
    event = _event(case, scope, Action.CLASSIFY, from_state=from_state, from_tier=from_tier, note=str(category))
    _notify(case, event, _handlers(case), _("New case %(n)s: %(t)s") % {"n": case.number, "t": case.title})
    return case


@transaction.atomic
def accept(scope: Scope, case: Case, note: str = "") -> Case:
    """Take the case: the first to accept holds it; the response deadline is met now."""
    _require_handler(scope, case)
    now = timezone.now()
    _transition(case, [State.ASSIGNED], state=State.ACCEPTED, assignee=_actor(scope) or case.assignee,
                responded_at=case.responded_at or now)
    event = _event(case, scope, Action.ACCEPT, from_state=State.ASSIGNED, note=note)
    if case.reporter_id:
        _notify(case, event, [case.reporter], _("Your report %(n)s is being handled") % {"n": case.number})
    return case


@transaction.atomic
def add_note(scope: Scope, case: Case, note: str, photos=(), public: bool = True) -> CaseEvent:
    _require_handler(scope, case)
    photos = clean_photos(photos)
    note = (note or "").strip()
    if not note and not photos:
        raise ValidationError({"note": _("Note: write something or add a photo.")})
    _transition(case, Case.OPEN_STATES)  # bumps the version: notes and transitions are ordered
    event = _event(case, scope, Action.PHOTO if photos and not note else Action.NOTE, from_state=case.state, note=note, public=public)
    _save_photos(case, photos, scope, event)
    return event


@transaction.atomic
def transfer(scope: Scope, case: Case, *, to: Account | None = None, to_org: Organization | None = None, note: str = "") -> Case:
    """Hand the case to another person or department at the same tier (dispatcher or current holder)."""
    _require_handler(scope, case)
    if (to is None) == (to_org is None):
        raise ValidationError({"to": _("Transfer to: choose one person or one department.")})
    if not note.strip():
        raise ValidationError({"note": _("Note: say why the case is transferred.")})
    from_state, from_tier = case.state, case.tier
    tier = Tier.DEPARTMENT if to_org is not None else case.tier
    _transition(case, [State.ASSIGNED, State.ACCEPTED], assignee=to, assignee_org=to_org, tier=tier, state=State.ASSIGNED)
    event = _event(case, scope, Action.TRANSFER, from_state=from_state, from_tier=from_tier, note=note)
    _notify(case, event, _handlers(case), _("Case %(n)s transferred to you") % {"n": case.number})
    return case


def _escalate(case: Case, actor, note: str, *, auto: bool, to_tier: str | None = None) -> Case:
    target = to_tier or routing.next_tier(case.tier)
    from_state, from_tier = case.state, case.tier
    if target is None:
        _transition(case, Case.OPEN_STATES, overdue=True)
        event = _event(case, actor, Action.OVERDUE, from_state=from_state, note=note, public=False, data={"auto": auto})
        _notify(case, event, _handlers(case), _("Case %(n)s is overdue at the top tier") % {"n": case.number})
        return case
    probe = Case(pk=case.pk, building=case.building, grid_id=case.grid_id, micro_grid_id=case.micro_grid_id,
                 community_id=case.community_id, subdistrict_id=case.subdistrict_id, category=case.category)
    tier, assignee, org = routing.route(probe, target)
    now = timezone.now()
    response_due, handling_due = _deadlines(case.category, now)
    _transition(case, [State.ASSIGNED, State.ACCEPTED, State.TRIAGE], tier=tier, assignee=assignee, assignee_org=org,
                state=State.ASSIGNED if case.category_id else State.TRIAGE, response_due=response_due,
                handling_due=handling_due, responded_at=None)
    event = _event(case, actor, Action.ESCALATE, from_state=from_state, from_tier=from_tier, note=note, data={"auto": auto})
    _notify(case, event, _handlers(case), _("Case %(n)s escalated to you") % {"n": case.number})
    return case


@transaction.atomic
def escalate(scope: Scope, case: Case, note: str, to_tier: str | None = None) -> Case:
    """Manual escalation one tier up (or, for the dispatcher, to a department or the subdistrict)."""
    _require_handler(scope, case)
    if not (note or "").strip():
        raise ValidationError({"note": _("Note: say why the case goes up.")})
    if to_tier is not None:
        if to_tier not in (Tier.DEPARTMENT, Tier.SUBDISTRICT) or not _is_dispatcher(scope, case):
            raise ValidationError({"to_tier": _("Tier: only the dispatcher sends a case to a department or the subdistrict.")})
    elif routing.next_tier(case.tier) is None:
        raise ValidationError({"tier": _("Tier: the case is already at the top tier.")})
    return _escalate(case, _actor(scope), note, auto=False, to_tier=to_tier)


@transaction.atomic
def propose_plan(scope: Scope, case: Case, summary: str, options=()) -> Plan:
    _require_handler(scope, case)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Plan: describe the plan.")})
    cleaned = []
    for i, opt in enumerate(options or [], 1):
        title = str(opt.get("title", "")).strip()
        if not title:
            raise ValidationError({"options": _("Option %(i)d: a title is required.") % {"i": i}})
        cleaned.append({"title": title, "cost": str(opt.get("cost", "")), "note": str(opt.get("note", ""))})
    _transition(case, [State.ACCEPTED, State.WHISTLED])
    plan = Plan.objects.create(case=case, author=_actor(scope), summary=summary, options=cleaned)
    _event(case, scope, Action.PLAN, from_state=case.state, note=summary, data={"plan": plan.pk, "options": cleaned})
    return plan


@transaction.atomic
def whistle(scope: Scope, case: Case, departments, reason: str, report_in_hours: int | None = None) -> Whistle:
    """吹哨: summon departments; each must report in before the deadline (working hours)."""
    if not _is_dispatcher(scope, case):
        raise OutOfScope(_("Only community or subdistrict staff blow the whistle."))
    departments = list(departments)
    if not departments:
        raise ValidationError({"departments": _("Departments: summon at least one department.")})
    for d in departments:
        if d.kind not in (Organization.Kind.DEPARTMENT, Organization.Kind.PROPERTY_COMPANY):
            raise ValidationError({"departments": _("Departments: %(name)s is not a department.") % {"name": d.name}})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Reason: say why the departments are summoned.")})
    hours = report_in_hours or _settings_for(case.community_id).report_in_hours
    now = timezone.now()
    from_state = case.state
    _transition(case, [State.ACCEPTED, State.ASSIGNED, State.WHISTLED], state=State.WHISTLED,
                responded_at=case.responded_at or now, assignee=case.assignee or _actor(scope))
    w = Whistle.objects.create(case=case, blown_by=_actor(scope), reason=reason, report_in_due=workdays.add_working_hours(now, hours))
    for d in departments:
        Summons.objects.create(whistle=w, department=d)
    event = _event(case, scope, Action.WHISTLE, from_state=from_state, note=reason,
                   data={"whistle": w.pk, "departments": [d.name for d in departments], "report_in_due": w.report_in_due.isoformat()})
    contacts = Account.objects.filter(person__appointments__organization__in=departments).distinct()
    _notify(case, event, contacts, _("Whistle: report in for case %(n)s") % {"n": case.number})
    return w


@transaction.atomic
def report_in(scope: Scope, summons: Summons, note: str = "") -> Summons:
    """报到: a department's contact reports in; late if after the deadline."""
    summons = Summons.objects.select_for_update().select_related("whistle__case", "department").get(pk=summons.pk)
    org_ids = {a.organization_id for a in scope.appointments if a.role in (roles.DEPARTMENT_CONTACT, roles.PROPERTY_MANAGER)}
    if not scope.everything and summons.department_id not in org_ids:
        raise OutOfScope(_("Only %(dept)s reports in for itself.") % {"dept": summons.department.name})
    if summons.reported_at is not None:
        raise Conflict(_("%(dept)s has already reported in.") % {"dept": summons.department.name})
    now = timezone.now()
    summons.reported_at, summons.reported_by, summons.note = now, _actor(scope), note
    summons.status = Summons.Status.ON_TIME if now <= summons.whistle.report_in_due else Summons.Status.LATE
    summons.save()
    case = summons.whistle.case
    _event(case, scope, Action.REPORT_IN, from_state=case.state, note=note,
           data={"department": summons.department.name, "status": summons.status})
    return summons


@transaction.atomic
def resolve(scope: Scope, case: Case, result: str, photos=()) -> Case:
    _require_handler(scope, case)
    result = (result or "").strip()
    if len(result) < 2:
        raise ValidationError({"result": _("Result: say what was done (at least 2 characters).")})
    photos = clean_photos(photos)
    open_actions = case.meetings.filter(actions__status="open").exists()
    if open_actions:
        raise ValidationError({"result": _("Result: the meeting's resolutions are not all carried out yet.")})
    now = timezone.now()
    from_state = case.state
    rating_days = _settings_for(case.community_id).rating_days
    _transition(case, [State.ACCEPTED, State.WHISTLED], state=State.RESOLVED, result=result, resolved_at=now,
                responded_at=case.responded_at or now, rating_due=now + datetime.timedelta(days=rating_days))
    event = _event(case, scope, Action.RESOLVE, from_state=from_state, note=result)
    _save_photos(case, photos, scope, event)
    _notify(case, event, _reporters(case), _("Your report %(n)s has been handled: please rate it") % {"n": case.number})
    return case


def may_rate(account, case: Case) -> bool:
    return any(a.pk == getattr(account, "pk", None) for a in _reporters(case))


@transaction.atomic
def rate(scope: Scope, case: Case, verdict: str, comment: str = "") -> Case:
    """民评: a reporter rates; unsatisfied reopens (rework); when every reporter is content the case closes."""
    if verdict not in (Case.Verdict.SATISFIED, Case.Verdict.BASIC, Case.Verdict.UNSATISFIED):
        raise ValidationError({"verdict": _("Verdict: satisfied, basically satisfied or unsatisfied.")})
    if not may_rate(scope.account, case):
        raise OutOfScope(_("Only the people who reported case %(n)s rate it.") % {"n": case.number})
    if case.state != State.RESOLVED:
        raise ValidationError({"verdict": _("Verdict: the case is not waiting for a verdict.")})
    if verdict == Case.Verdict.UNSATISFIED and not (comment or "").strip():
        raise ValidationError({"comment": _("Comment: tell us what is still wrong.")})
    try:
        with transaction.atomic():
            Rating.objects.create(case=case, account=scope.account, round=case.rework_count, verdict=verdict, comment=comment)
    except IntegrityError:
        raise Conflict(_("You have already rated this round."))
    now = timezone.now()
    if verdict == Case.Verdict.UNSATISFIED:
        handling_due = _deadlines(case.category, now)[1]
        _transition(case, [State.RESOLVED], state=State.ACCEPTED, rework_count=case.rework_count + 1, verdict=verdict,
                    verdict_comment=comment, resolved_at=None, rating_due=None, handling_due=handling_due)
        event = _event(case, scope, Action.REOPEN, from_state=State.RESOLVED, note=comment, data={"verdict": verdict})
        _notify(case, event, _handlers(case), _("Case %(n)s reopened: the resident is not satisfied") % {"n": case.number})
        return case
    _event(case, scope, Action.RATE, from_state=State.RESOLVED, note=comment, data={"verdict": verdict})
    rated = set(Rating.objects.filter(case=case, round=case.rework_count).values_list("account_id", flat=True))
    if all(a.pk in rated for a in _reporters(case)):
        worst = Case.Verdict.BASIC if Rating.objects.filter(case=case, round=case.rework_count, verdict=Case.Verdict.BASIC).exists() else Case.Verdict.SATISFIED
        _close(case, scope.account, worst, comment)
    return case


def _close(case: Case, actor, verdict: str, comment: str = "", note: str = "") -> Case:
    from .report import build_closing_report

    _transition(case, [State.RESOLVED], state=State.CLOSED, closed_at=timezone.now(), verdict=verdict, verdict_comment=comment)
    event = _event(case, actor, Action.CLOSE, from_state=State.RESOLVED, note=note, data={"verdict": verdict})
    build_closing_report(case)
    _notify(case, event, _handlers(case) + _reporters(case), _("Case %(n)s closed") % {"n": case.number})
    for child in case.merged_cases.all():
        Case.objects.filter(pk=child.pk).update(closed_at=case.closed_at, verdict=verdict)
    return case


@transaction.atomic
def merge(scope: Scope, child: Case, parent: Case) -> Case:
    """Merge a duplicate into a parent: the child's reporter follows and rates the parent."""
    if child.pk == parent.pk:
        raise ValidationError({"parent": _("Merge: a case cannot be merged into itself.")})
    if not (_is_dispatcher(scope, child) and _is_dispatcher(scope, parent)):
        raise OutOfScope(_("Only the dispatcher merges cases."))
    if parent.parent_id or parent.state in (State.MERGED, State.CLOSED):
        raise ValidationError({"parent": _("Merge: the parent must be an open case that is not itself merged.")})
    from_state = child.state
    _transition(child, Case.OPEN_STATES, state=State.MERGED, parent=parent)
    Case.objects.filter(parent=child).update(parent=parent)
    _event(child, scope, Action.MERGE, from_state=from_state, note=parent.number, data={"parent": parent.number})
    event = _event(parent, scope, Action.MERGE, from_state=parent.state, note=child.number, data={"child": child.number})
    if child.reporter_id:
        _notify(parent, event, [child.reporter], _("Your report is followed as case %(n)s") % {"n": parent.number})
    return parent


# ---------------------------------------------------------------- sweeps (called by the worker)

def escalate_overdue(case_id: int, now) -> bool:
    """Escalate one overdue case exactly once; False when it is no longer overdue (someone else did it)."""
    with transaction.atomic():
        case = Case.objects.select_related("category", "building").filter(pk=case_id).first()
        if case is None or case.state not in (State.ASSIGNED, State.ACCEPTED, State.TRIAGE) or case.overdue:
            return False
        late_response = case.responded_at is None and case.response_due and case.response_due <= now
        late_handling = case.resolved_at is None and case.handling_due and case.handling_due <= now
        if not (late_response or late_handling):
            return False
        what = _("response") if late_response else _("handling")
        try:
            _escalate(case, None, _("The %(what)s deadline passed.") % {"what": what}, auto=True)
        except Conflict:
            return False
        return True


def mark_missing_report_in(summons_id: int, now) -> bool:
    with transaction.atomic():
        updated = Summons.objects.filter(pk=summons_id, status=Summons.Status.WAITING, whistle__report_in_due__lte=now).update(status=Summons.Status.MISSING)
        if not updated:
            return False
        s = Summons.objects.select_related("whistle__case", "department").get(pk=summons_id)
        _event(s.whistle.case, None, Action.REPORT_IN, from_state=s.whistle.case.state, public=False,
               note=_("%(dept)s did not report in by the deadline.") % {"dept": s.department.name},
               data={"department": s.department.name, "status": Summons.Status.MISSING})
        return True


def close_unrated(case_id: int, now) -> bool:
    with transaction.atomic():
        case = Case.objects.filter(pk=case_id, state=State.RESOLVED, rating_due__lte=now).first()
        if case is None:
            return False
        rule = _settings_for(case.community_id).no_verdict
        verdict = Case.Verdict.SATISFIED if rule == CaseSettings.NoVerdict.SATISFIED else Case.Verdict.DEFAULT
        try:
            _close(case, None, verdict, note=_("No verdict within the time allowed."))
        except Conflict:
            return False
        return True


# ---------------------------------------------------------------- 召开会议 / 落实决议

@transaction.atomic
def hold_whistle_meeting(scope: Scope, case: Case, *, starts_at, place: str, chair: Person, attendees, minutes: str,
                         resolutions, title: str = ""):
    """召开会议: the meeting of the summoned departments; its resolutions become tracked actions."""
    from linli.meetings import services as meetings

    if not _is_dispatcher(scope, case):
        raise OutOfScope(_("Only community or subdistrict staff convene the whistle meeting."))
    if case.state != State.WHISTLED:
        raise ValidationError({"case": _("Meeting: blow the whistle before convening the meeting.")})
    meeting = meetings.record_meeting(scope, kind="whistle", title=title or _("Whistle meeting on case %(n)s") % {"n": case.number},
                                      community=case.community, starts_at=starts_at, place=place, chair=chair,
                                      attendees=attendees, minutes=minutes, resolutions=resolutions, case=case)
    _transition(case, [State.WHISTLED])
    _event(case, scope, Action.MEETING, from_state=case.state, note=minutes[:500],
           data={"meeting": meeting.pk, "actions": meeting.actions.count(), "attended": meeting.attendances.exclude(status="absent").count()})
    return meeting


@transaction.atomic
def carry_out(scope: Scope, action, note: str, percent: int = 100, done: bool = True):
    """落实决议: progress on (or completion of) a resolution of the case's meeting, on the case's timeline."""
    from linli.meetings import services as meetings

    action = meetings.report_progress(scope, action, note, percent, done=done)
    case = action.meeting.case
    if case is not None:
        _transition(case, [State.WHISTLED, State.ACCEPTED])
        _event(case, scope, Action.ACTION_DONE if done else Action.NOTE, from_state=case.state, note=f"{action.text}: {note}",
               data={"action": action.pk, "done": done, "percent": percent})
    return action
