"""议事厅 council hall, the matters: 民事民提 raise and support, 民事民议 deliberate (replies, moderation, options),
民事民办 carry out (actions), 民事民评 evaluate. The vote (民事民决) is in votes.py."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope, StateConflict
from linli.core import roles
from linli.people.models import Account, Person
from linli.people.scopes import Scope

from ..models import Action, CouncilSettings, Evaluation, Matter, MatterEvent, Option, Reply, Support
from .common import (_actor, _clean_resolutions, _require_staff, _resident_of, _scope_residents_accounts, _staff_accounts,
                     in_matter_scope, is_staff_of, person_of)


def settings_for(community_id: int) -> CouncilSettings:
    return CouncilSettings.objects.filter(community_id=community_id).first() or CouncilSettings(community_id=community_id)


@transaction.atomic
def set_support_threshold(scope: Scope, community, threshold: int) -> CouncilSettings:
    _require_staff(scope, community.pk)
    try:
        threshold = int(threshold)
    except (TypeError, ValueError):
        raise ValidationError({"support_threshold": _("Support threshold: a whole number.")})
    if not 1 <= threshold <= 1000:
        raise ValidationError({"support_threshold": _("Support threshold: between 1 and 1000.")})
    obj, _created = CouncilSettings.objects.update_or_create(community=community, defaults={"support_threshold": threshold})
    return obj


def _mevent(matter: Matter, scope_or_actor, kind: str, note: str = "", **data) -> MatterEvent:
    actor = _actor(scope_or_actor) if isinstance(scope_or_actor, Scope) else scope_or_actor
    return MatterEvent.objects.create(matter=matter, actor=actor, kind=kind, note=note, data=data)


def _move(matter: Matter, allowed, to: str, **extra) -> bool:
    """Conditional status change: True if this call moved the matter (exactly one racer does)."""
    moved = Matter.objects.filter(pk=matter.pk, status__in=list(allowed)).update(status=to, **extra)
    if moved:
        matter.status = to
        for k, v in extra.items():
            setattr(matter, k, v)
    return bool(moved)



# ==================================================================== 民事民提: raise and support

LEVELS = ("building", "compound", "community")


@transaction.atomic
def raise_matter(scope: Scope, *, title: str, what: str, why: str = "", place: str = "", level: str = "compound",
                 raised_for: Person | None = None, cases=()) -> Matter:
    """A resident raises a matter for their building, compound or community (a building leader may raise for a resident
    of their building; staff may raise one from cases). The raiser's support is the first."""
    from linli.cases.models import Case

    me = person_of(scope)
    if me is None and not scope.everything:
        raise OutOfScope(_("Only a signed-in resident raises a matter."))
    title, what = (title or "").strip(), (what or "").strip()
    if not title:
        raise ValidationError({"title": _("Title: say in a few words what the matter is.")})
    if len(title) > 200:
        raise ValidationError({"title": _("Title: at most 200 characters.")})
    if len(what) < 4:
        raise ValidationError({"what": _("What: describe the matter (at least 4 characters).")})
    if level not in LEVELS:
        raise ValidationError({"level": _("For whom: choose the building, the compound or the community.")})
    cases = list(cases or [])
    subject = raised_for or me
    if raised_for is not None and raised_for != me:
        building_id = raised_for.dwelling.building_id if raised_for.dwelling_id else None
        leads = building_id and any(a.role in (roles.BUILDING_LEADER, roles.ENTRANCE_LEADER) and
                                    (a.building_id == building_id or (a.entrance_id and a.entrance.building_id == building_id))
                                    for a in scope.appointments)
        if not (leads or scope.everything or (raised_for.community_id and is_staff_of(scope, raised_for.community_id))):
            raise OutOfScope(_("Raised for: only the building leader of the resident's building (or staff) raises a matter for them."))
    if subject is not None and subject.status == Person.Status.LIVING_HERE and subject.dwelling_id:
        building = subject.dwelling.building
    elif cases and cases[0].building_id:
        building = cases[0].building
    else:
        raise StateConflict({"level": _("For whom: the resident has no registered home here, so the matter has no area.")})
    for c in cases:
        if not isinstance(c, Case) or c.community_id != building.community_id:
            raise ValidationError({"cases": _("Cases: every case must lie in the matter's community.")})
        if not (scope.everything or is_staff_of(scope, c.community_id) or (me and c.reporter_person_id == me.pk)):
            raise OutOfScope(_("Cases: you may group only your own reports (staff may group any)."))
    if level == "compound" and not building.compound_id:
        level = "community"
    matter = Matter.objects.create(
        community_id=building.community_id, compound_id=building.compound_id if level in ("compound", "building") else None,
        building=building if level == "building" else None, title=title, what=what, why=(why or "").strip(), place=(place or "").strip()[:200],
        raised_by=me or subject, raised_for=raised_for if raised_for != me else None)
    if cases:
        matter.cases.set(cases)
    _mevent(matter, scope, "raised", what[:500], cases=[c.number for c in cases])
    notify.notify(f"matter:{matter.pk}:raised", _staff_accounts(matter.community_id), subject=_("New council matter: %(t)s") % {"t": title},
                  body=what[:500], link=f"/meetings/matters/{matter.pk}/", payload={"matter": matter.pk})
    supporter = subject if in_matter_scope(subject, matter) else None
    if supporter is not None:
        _add_support(scope, matter, supporter)
    return matter


def _add_support(scope: Scope, matter: Matter, person: Person) -> Matter:
    try:
        with transaction.atomic():
            Support.objects.create(matter=matter, person=person)
    except IntegrityError:
        raise StateConflict({"support": _("Support: you already support this matter.")})
    Matter.objects.filter(pk=matter.pk).update(support_count=F("support_count") + 1)
    matter.support_count = Matter.objects.values_list("support_count", flat=True).get(pk=matter.pk)
    threshold = settings_for(matter.community_id).support_threshold
    if matter.support_count >= threshold and _move(matter, [Matter.Status.RAISED], Matter.Status.ON_AGENDA):
        _mevent(matter, scope, "on_agenda", _("%(n)d residents support it (threshold %(t)d): on the council's agenda.")
                % {"n": matter.support_count, "t": threshold}, supports=matter.support_count, threshold=threshold)
        notify.notify(f"matter:{matter.pk}:on_agenda", _staff_accounts(matter.community_id) +
                      list(Account.objects.filter(person=matter.raised_by)),
                      subject=_("On the agenda: %(t)s") % {"t": matter.title}, link=f"/meetings/matters/{matter.pk}/", payload={"matter": matter.pk})
    return matter


@transaction.atomic
def support(scope: Scope, matter: Matter) -> Matter:
    matter = Matter.objects.get(pk=matter.pk)
    person = _resident_of(scope, matter, _("Support"))
    if matter.status not in (Matter.Status.RAISED, Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING):
        raise StateConflict({"support": _("Support: the matter is past the stage of collecting support.")})
    return _add_support(scope, matter, person)


# ==================================================================== 民事民议: deliberate

DISCUSSION_STATES = (Matter.Status.RAISED, Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING, Matter.Status.VOTING)


@transaction.atomic
def reply(scope: Scope, matter: Matter, text: str) -> Reply:
    matter = Matter.objects.get(pk=matter.pk)
    person = _resident_of(scope, matter, _("Reply"))
    text = (text or "").strip()
    if len(text) < 2:
        raise ValidationError({"text": _("Reply: write at least 2 characters.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("Reply: at most 2000 characters.")})
    if matter.status not in DISCUSSION_STATES:
        raise StateConflict({"text": _("Reply: the discussion of this matter is closed.")})
    r = Reply.objects.create(matter=matter, author=person, text=text)
    if _move(matter, [Matter.Status.ON_AGENDA], Matter.Status.DELIBERATING):
        _mevent(matter, scope, "deliberating", _("Discussion opened."))
    return r


@transaction.atomic
def hide_reply(scope: Scope, reply_obj: Reply, reason: str) -> Reply:
    r = Reply.objects.select_for_update().select_related("matter").get(pk=reply_obj.pk)
    _require_staff(scope, r.matter.community_id)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Reason: say why the reply is hidden.")})
    if r.hidden:
        raise ValidationError({"reason": _("Reason: the reply is already hidden.")})
    r.hidden, r.hidden_reason, r.hidden_by, r.hidden_at = True, reason[:300], _actor(scope), timezone.now()
    r.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    _mevent(r.matter, scope, "moderation", reason[:300], reply=r.pk)
    return r


def may_add_option(scope: Scope, matter: Matter) -> bool:
    me = person_of(scope)
    return scope.everything or is_staff_of(scope, matter.community_id) or (me is not None and me.pk in (matter.raised_by_id, matter.raised_for_id))


@transaction.atomic
def add_option(scope: Scope, matter: Matter, label: str, cost=None) -> Option:
    matter = Matter.objects.get(pk=matter.pk)
    if not may_add_option(scope, matter):
        raise OutOfScope(_("Options: only the proposer and the community's staff attach options."))
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Option: say what the option is.")})
    if cost not in (None, ""):
        try:
            cost = Decimal(str(cost))
        except InvalidOperation:
            raise ValidationError({"cost": _("Cost: a number of yuan.")})
        if cost < 0 or cost >= Decimal("1e10"):
            raise ValidationError({"cost": _("Cost: between 0 and 9,999,999,999 yuan.")})
    else:
        cost = None
    if matter.status not in (Matter.Status.RAISED, Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING):
        raise ValidationError({"label": _("Option: options are fixed once the vote opens.")})
    option = Option.objects.create(matter=matter, label=label[:200], cost=cost, added_by=_actor(scope))
    _mevent(matter, scope, "option", label[:200], option=option.pk, cost=str(cost) if cost is not None else None)
    return option


# ==================================================================== 民事民决: vote


# ==================================================================== 民事民办, 民事民评: do and evaluate

@transaction.atomic
def plan_actions(scope: Scope, matter: Matter, actions) -> list[Action]:
    """A decided matter becomes actions with owners and due dates."""
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    _require_staff(scope, matter.community_id)
    if matter.status not in (Matter.Status.DECIDED, Matter.Status.IN_PROGRESS):
        raise ValidationError({"matter": _("Actions: only a decided matter is carried out (now: %(s)s).") % {"s": matter.get_status_display()}})
    cleaned = _clean_resolutions(actions)
    if not cleaned:
        raise ValidationError({"resolutions": _("Actions: name at least one action.")})
    for r in cleaned:
        if r["owner_kind"] and r["owner_kind"] not in Action.OwnerKind.values:
            raise ValidationError({"resolutions": _("Owner kind: unknown kind %(k)s.") % {"k": r["owner_kind"]}})
    made = [Action.objects.create(matter=matter, **r) for r in cleaned]
    if _move(matter, [Matter.Status.DECIDED], Matter.Status.IN_PROGRESS):
        _mevent(matter, scope, "in_progress", _("Carried out by %(n)d action(s).") % {"n": len(made)}, actions=[a.pk for a in made])
    else:
        _mevent(matter, scope, "actions_added", "", actions=[a.pk for a in made])
    return made


def _finish_matter_if_done(scope: Scope, action: Action) -> None:
    if not action.matter_id:
        return
    matter = action.matter
    if matter.actions.filter(status=Action.Status.OPEN).exists():
        return
    if _move(matter, [Matter.Status.IN_PROGRESS], Matter.Status.DONE, done_at=timezone.now()):
        _mevent(matter, scope, "done", _("All actions are done: residents may now evaluate the result."))
        notify.notify(f"matter:{matter.pk}:done", _scope_residents_accounts(matter), subject=_("Done: %(t)s — tell us how it went") % {"t": matter.title},
                      link=f"/meetings/matters/{matter.pk}/", payload={"matter": matter.pk})


@transaction.atomic
def evaluate(scope: Scope, matter: Matter, rating: int, comment: str = "") -> Evaluation:
    matter = Matter.objects.get(pk=matter.pk)
    person = _resident_of(scope, matter, pgettext("council", "Evaluation"))
    if matter.status not in (Matter.Status.DONE, Matter.Status.EVALUATED):
        raise StateConflict({"rating": _("Evaluation: the matter is not done yet.")})
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in Evaluation.Rating.values:
        raise ValidationError({"rating": _("Satisfaction: choose from 1 (very dissatisfied) to 5 (very satisfied).")})
    try:
        with transaction.atomic():
            ev = Evaluation.objects.create(matter=matter, person=person, rating=rating, comment=(comment or "").strip()[:1000])
    except IntegrityError:
        raise StateConflict({"rating": _("Evaluation: you have already evaluated this matter.")})
    if _move(matter, [Matter.Status.DONE], Matter.Status.EVALUATED):
        _mevent(matter, scope, "evaluated", _("Residents' evaluations are coming in."))
    return ev


def evaluation_summary(matter: Matter) -> dict:
    rows = list(matter.evaluations.values_list("rating", flat=True))
    n = len(rows)
    satisfied = sum(1 for r in rows if r >= 4)
    return {"count": n, "average": round(sum(rows) / n, 2) if n else None, "satisfied": satisfied,
            "satisfied_rate": round(100 * satisfied / n) if n else None,
            "by_rating": {r: rows.count(r) for r in (5, 4, 3, 2, 1)}}
