"""Handling (办理): categorise, accept, note, transfer, escalate (by hand and by the deadline sweep), plan, resolve, merge."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope, StateConflict
from linli.people.models import Account, Organization
from linli.people.scopes import Scope

from .. import routing
from ..models import Case, CaseEvent, Plan, Tier
from .base import (Action, Conflict, State, _actor, _deadlines, _event, _handlers, _is_dispatcher, _notify, _reporters,
                   _require_handler, _save_photos, _settings_for, _transition, clean_photos)
from .intake import _category


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
    previous = case.assignee_id
    _transition(case, [State.ASSIGNED], state=State.ACCEPTED, assignee=_actor(scope) or case.assignee,
                responded_at=case.responded_at or now)
    # a case routed to one person and accepted by another (a grid worker taking a building-tier case) changes hands:
    # the timeline says so (the case page shows "… took over from …")
    took_over = {"took_over_from": previous} if previous and previous != case.assignee_id else {}
    event = _event(case, scope, Action.ACCEPT, from_state=State.ASSIGNED, note=note, data=took_over)
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
        if to_tier not in (Tier.DEPARTMENT, Tier.SUBDISTRICT):
            raise ValidationError({"to_tier": _("Tier: only the dispatcher sends a case to a department or the subdistrict.")})
        if not _is_dispatcher(scope, case):  # who the caller is: a permission matter
            raise OutOfScope(_("Tier: only the dispatcher sends a case to a department or the subdistrict."))
    elif routing.next_tier(case.tier) is None:
        raise StateConflict({"tier": _("Tier: the case is already at the top tier.")})
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
def resolve(scope: Scope, case: Case, result: str, photos=()) -> Case:
    _require_handler(scope, case)
    result = (result or "").strip()
    if len(result) < 2:
        raise ValidationError({"result": _("Result: say what was done (at least 2 characters).")})
    photos = clean_photos(photos)
    open_actions = case.meetings.filter(actions__status="open").exists()
    if open_actions:
        raise StateConflict({"result": _("Result: the meeting's resolutions are not all carried out yet.")})
    now = timezone.now()
    from_state = case.state
    rating_days = _settings_for(case.community_id).rating_days
    _transition(case, [State.ACCEPTED, State.WHISTLED], state=State.RESOLVED, result=result, resolved_at=now,
                responded_at=case.responded_at or now, rating_due=now + datetime.timedelta(days=rating_days))
    event = _event(case, scope, Action.RESOLVE, from_state=from_state, note=result)
    _save_photos(case, photos, scope, event)
    _notify(case, event, _reporters(case), _("Your report %(n)s has been handled: please rate it") % {"n": case.number})
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
