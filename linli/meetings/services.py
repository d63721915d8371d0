"""Meetings: schedule, record attendance and minutes, turn resolutions into actions and carry them out."""

import datetime
from collections import Counter
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Person
from linli.people.scopes import Scope
from linli.places.models import Building

from .models import (Action, ActionProgress, AgendaItem, Attendance, Ballot, Booking, Choice, CommitteeMember, CouncilSettings,
                     Evaluation, Matter, MatterEvent, Meeting, Option, ReceptionSlot, Reply, RollEntry, StandingCommittee, Support,
                     Vote)


def _actor(scope: Scope):
    return scope.account if getattr(scope.account, "pk", None) else None


def _require_staff(scope: Scope, community_id: int) -> None:
    if scope.everything:
        return
    for a in scope.appointments:
        if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id == community_id:
            return
        if a.role == roles.SUBDISTRICT_STAFF and a.subdistrict.communities.filter(pk=community_id).exists():
            return
    raise OutOfScope(_("Only the community's staff organise its meetings."))


def _clean_attendees(attendees) -> list[dict]:
    """attendees: dicts with person or organization or name, status, substitute_name."""
    cleaned = []
    for i, a in enumerate(attendees or [], 1):
        person, org, name = a.get("person"), a.get("organization"), (a.get("name") or "").strip()
        if person is None and org is None and not name:
            raise ValidationError({"attendees": _("Attendee %(i)d: name a person, an organisation or a guest.") % {"i": i}})
        status = a.get("status", Attendance.Status.INVITED)
        if status not in Attendance.Status.values:
            raise ValidationError({"attendees": _("Attendee %(i)d: unknown attendance %(s)s.") % {"i": i, "s": status}})
        substitute = (a.get("substitute_name") or "").strip()
        if status == Attendance.Status.SUBSTITUTE and not substitute:
            raise ValidationError({"attendees": _("Attendee %(i)d: name the substitute.") % {"i": i}})
        cleaned.append({"person": person, "organization": org, "name": name, "status": status, "substitute_name": substitute})
    return cleaned


def _clean_resolutions(resolutions) -> list[dict]:
    cleaned = []
    for i, r in enumerate(resolutions or [], 1):
        text = (r.get("text") or "").strip()
        if not text:
            raise ValidationError({"resolutions": _("Resolution %(i)d: write what was decided.") % {"i": i}})
        owner, owner_org = r.get("owner"), r.get("owner_org")
        if owner is None and owner_org is None:
            raise ValidationError({"resolutions": _("Resolution %(i)d: an action needs an owner (a person or an organisation).") % {"i": i}})
        due = r.get("due_on")
        if not isinstance(due, datetime.date):
            raise ValidationError({"resolutions": _("Resolution %(i)d: a due date is required.") % {"i": i}})
        if due < timezone.localdate():
            raise ValidationError({"resolutions": _("Resolution %(i)d: the due date lies in the past.") % {"i": i}})
        cleaned.append({"text": text, "owner": owner, "owner_org": owner_org, "due_on": due, "owner_kind": r.get("owner_kind") or ""})
    return cleaned


@transaction.atomic
def record_meeting(scope: Scope, *, kind: str, title: str, community, starts_at: datetime.datetime, place: str,
                   chair: Person | None, attendees=(), minutes: str = "", resolutions=(), case=None, held: bool = True) -> Meeting:
    """A meeting with its attendance, minutes and resolutions (each resolution becomes an action)."""
    _require_staff(scope, community.pk)
    if kind not in Meeting.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown meeting kind %(k)s.") % {"k": kind}})
    if not (title or "").strip():
        raise ValidationError({"title": _("Title: required.")})
    if not (place or "").strip():
        raise ValidationError({"place": _("Place: where is the meeting held?")})
    if chair is None:
        raise ValidationError({"chair": _("Chair: a meeting needs a chair.")})
    if held and not (minutes or "").strip():
        raise ValidationError({"minutes": _("Minutes: a held meeting needs minutes.")})
    attendees = _clean_attendees(attendees)
    resolutions = _clean_resolutions(resolutions)
    meeting = Meeting.objects.create(kind=kind, title=title.strip(), community=community, case=case, starts_at=starts_at,
                                     place=place.strip(), chair=chair, minutes=minutes, held=held, created_by=_actor(scope))
    for a in attendees:
        Attendance.objects.create(meeting=meeting, **a)
    for r in resolutions:
        Action.objects.create(meeting=meeting, **r)
    if kind != Meeting.Kind.WHISTLE:
        build_agenda(meeting)
    return meeting


def may_act_on(scope: Scope, action: Action) -> bool:
    if scope.everything or (action.owner_id and action.owner_id == getattr(scope.account, "pk", None)):
        return True
    if action.owner_org_id and any(a.organization_id == action.owner_org_id for a in scope.appointments):
        return True
    return any(a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id == action.community_id
               for a in scope.appointments)


@transaction.atomic
def report_progress(scope: Scope, action: Action, note: str, percent: int, done: bool = False) -> Action:
    action = Action.objects.select_for_update(of=("self",)).select_related("meeting", "matter").get(pk=action.pk)
    if not may_act_on(scope, action):
        raise OutOfScope(_("Only the owner reports on this action."))
    if action.status == Action.Status.DONE:
        raise ValidationError({"status": _("Status: the action is already done.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Note: say what was done.")})
    if not 0 <= int(percent) <= 100:
        raise ValidationError({"percent": _("Progress: between 0 and 100.")})
    ActionProgress.objects.create(action=action, by=_actor(scope), percent=100 if done else percent, note=note)
    if done:
        action.status, action.done_at = Action.Status.DONE, timezone.now()
        action.save(update_fields=["status", "done_at"])
        _finish_matter_if_done(scope, action)
    return action


def open_actions(community_id: int, overdue_on: datetime.date | None = None):
    qs = Action.objects.filter(Q(meeting__community_id=community_id) | Q(matter__community_id=community_id), status=Action.Status.OPEN)
    if overdue_on:
        qs = qs.filter(due_on__lt=overdue_on)
    return qs.select_related("meeting", "matter", "owner__person", "owner_org")



# ==================================================================== council hall: who lives where

def person_of(scope: Scope) -> Person | None:
    """The person acting (an account's person; the demo generator acts for residents without accounts)."""
    return getattr(scope.account, "person", None) if scope.account is not None else None


def lives_in(person: Person | None, *, community_id: int, compound_id: int | None = None, building_id: int | None = None) -> bool:
    """A resident living in the area (Person.dwelling → building → compound → community)."""
    if person is None or person.status != Person.Status.LIVING_HERE or not person.dwelling_id:
        return False
    b = Building.objects.filter(pk=person.dwelling.building_id).values("id", "compound_id", "community_id").first()
    if b is None or b["community_id"] != community_id:
        return False
    if compound_id and b["compound_id"] != compound_id:
        return False
    if building_id and b["id"] != building_id:
        return False
    return True


def in_matter_scope(person: Person | None, matter: Matter) -> bool:
    return lives_in(person, community_id=matter.community_id, compound_id=matter.compound_id, building_id=matter.building_id)


def _resident_of(scope: Scope, matter: Matter, what: str) -> Person:
    person = person_of(scope)
    if not in_matter_scope(person, matter):
        raise OutOfScope(_("%(what)s: only residents living in the matter's area (%(area)s) may do this.")
                         % {"what": what, "area": matter.scope_place})
    return person


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


def _scope_residents_accounts(matter: Matter) -> list:
    qs = Account.objects.filter(is_active=True, person__status=Person.Status.LIVING_HERE, person__dwelling__building__community_id=matter.community_id)
    if matter.compound_id:
        qs = qs.filter(person__dwelling__building__compound_id=matter.compound_id)
    if matter.building_id:
        qs = qs.filter(person__dwelling__building_id=matter.building_id)
    return list(qs)


def _staff_accounts(community_id: int) -> list:
    today = timezone.localdate()
    return list(Account.objects.filter(is_active=True, person__appointments__community_id=community_id,
                                       person__appointments__role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY],
                                       person__appointments__starts_on__lte=today)
                .filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())


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
        raise ValidationError({"level": _("For whom: the resident has no registered home here, so the matter has no area.")})
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
        raise ValidationError({"support": _("Support: you already support this matter.")})
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
        raise ValidationError({"support": _("Support: the matter is past the stage of collecting support.")})
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
        raise ValidationError({"text": _("Reply: the discussion of this matter is closed.")})
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

def _fraction(num, den, field: str, label: str, allow_one: bool = True) -> Fraction:
    try:
        num, den = int(num), int(den)
    except (TypeError, ValueError):
        raise ValidationError({field: _("%(l)s: a fraction of whole numbers, such as 2/3.") % {"l": label}})
    if den <= 0 or num <= 0 or num > den or (num == den and not allow_one):
        raise ValidationError({field: _("%(l)s: a fraction above 0 and at most 1, such as 2/3.") % {"l": label}})
    return Fraction(num, den)


def electorate(level: str, unit: str, matter: Matter, on: datetime.date) -> list[dict]:
    """Eligible units now: households (with someone living there) or adults (18+) living in the area."""
    buildings = Building.objects.filter(community_id=matter.community_id)
    if level == Vote.Level.BUILDING:
        buildings = buildings.filter(pk=matter.building_id)
    elif level == Vote.Level.COMPOUND:
        buildings = buildings.filter(compound_id=matter.compound_id)
    people = (Person.objects.filter(status=Person.Status.LIVING_HERE, dwelling__building__in=buildings)
              .select_related("dwelling__building", "household"))
    rows = {}
    if unit == Vote.Unit.HOUSEHOLD:
        for p in people.filter(household__isnull=False, household__closed_on__isnull=True).order_by("household_id"):
            rows.setdefault(p.household_id, {"household": p.household, "person": None, "building": p.dwelling.building,
                                             "label": f"{p.dwelling.building.number} {p.dwelling.room}"})
    else:
        cutoff = on.replace(year=on.year - 18) if not (on.month == 2 and on.day == 29) else on.replace(year=on.year - 18, day=28)
        for p in people.filter(birth_date__isnull=False, birth_date__lte=cutoff).order_by("id"):
            rows[p.pk] = {"household": None, "person": p, "building": p.dwelling.building,
                          "label": f"{p.dwelling.building.number} {p.dwelling.room} {p.name}"}
    return list(rows.values())


@transaction.atomic
def open_vote(scope: Scope, matter: Matter, *, level: str, unit: str = "household", quorum=(2, 3), by_building: bool = False,
              majority=(1, 2), strict: bool = True, opens_at: datetime.datetime | None = None,
              closes_at: datetime.datetime | None = None) -> Vote:
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    _require_staff(scope, matter.community_id)
    if matter.status not in (Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING):
        raise ValidationError({"matter": _("Vote: only a matter on the agenda or under discussion goes to the vote (now: %(s)s).")
                               % {"s": matter.get_status_display()}})
    if level not in Vote.Level.values:
        raise ValidationError({"level": _("Who votes: the building, the compound or the community.")})
    if level == Vote.Level.BUILDING and not matter.building_id:
        raise ValidationError({"level": _("Who votes: the matter concerns more than one building; choose the compound or the community.")})
    if level == Vote.Level.COMPOUND and not matter.compound_id:
        raise ValidationError({"level": _("Who votes: the matter concerns the whole community; the community votes.")})
    if unit not in Vote.Unit.values:
        raise ValidationError({"unit": _("Unit: one vote per household or per adult.")})
    q = _fraction(*quorum, "quorum", _("Quorum"))
    m = _fraction(*majority, "majority", _("Majority"))
    if strict and m == 1:
        raise ValidationError({"majority": _("Majority: more than all the votes is impossible; use 'at least'.")})
    now = timezone.now()
    if opens_at is not None and not isinstance(opens_at, datetime.datetime):
        raise ValidationError({"opens_at": _("Opens: a date and time, such as 2025-07-01 08:00.")})
    opens_at = max(opens_at or now, now)  # a time already past opens the vote now: a voting period never starts before the vote exists
    if closes_at is None:
        raise ValidationError({"closes_at": _("Closes: when does the vote close?")})
    if closes_at <= now:
        raise ValidationError({"closes_at": _("Closes: the time lies in the past.")})
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("Closes: the vote must close after it opens.")})
    roll = electorate(level, unit, matter, timezone.localdate())
    if not roll:
        raise ValidationError({"level": _("Who votes: nobody eligible lives in this area.")})
    options = list(matter.options.all())
    if len(options) < 2:
        if not options:
            options.append(Option.objects.create(matter=matter, label=_("Agree"), added_by=_actor(scope)))
        options.append(Option.objects.create(matter=matter, label=_("Disagree"), rejects=True, added_by=_actor(scope)))
    vote = Vote.objects.create(matter=matter, level=level, unit=unit, quorum_num=q.numerator, quorum_den=q.denominator, by_building=bool(by_building),
                               majority_num=m.numerator, majority_den=m.denominator, majority_strict=bool(strict), opens_at=opens_at,
                               closes_at=closes_at, eligible=len(roll), opened_by=_actor(scope))
    RollEntry.objects.bulk_create([RollEntry(vote=vote, **r) for r in roll])
    _move(matter, [Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING], Matter.Status.VOTING)
    _mevent(matter, scope, "vote_opened", vote_rule(vote), vote=vote.pk, eligible=len(roll))
    subject = (_("Vote open: %(t)s") % {"t": matter.title} if opens_at <= now else
               _("Vote on %(t)s opens at %(when)s") % {"t": matter.title, "when": timezone.localtime(opens_at).strftime("%Y-%m-%d %H:%M")})
    notify.notify(f"vote:{vote.pk}:open", _scope_residents_accounts(matter), subject=subject,
                  body=vote_rule(vote), link=f"/meetings/matters/{matter.pk}/", payload={"vote": vote.pk})
    return vote


def vote_rule(vote: Vote) -> str:
    quorum = _("quorum %(q)s of %(u)s") % {"q": f"{vote.quorum_num}/{vote.quorum_den}",
                                           "u": pgettext("council", "households") if vote.unit == Vote.Unit.HOUSEHOLD else _("adults")}
    if vote.by_building:
        quorum += _(" in every building")
    majority = (_("more than %(m)s of the votes cast") if vote.majority_strict else _("at least %(m)s of the votes cast")) % {"m": f"{vote.majority_num}/{vote.majority_den}"}
    return f"{vote.get_level_display()} · {vote.get_unit_display()} · {quorum} · {majority}"


def _entry_for(vote: Vote, person: Person) -> RollEntry | None:
    if vote.unit == Vote.Unit.HOUSEHOLD:
        return vote.roll.filter(household_id=person.household_id).first() if person.household_id else None
    return vote.roll.filter(person=person).first()


def _check_open(vote: Vote, now) -> None:
    if vote.status != Vote.Status.OPEN or now >= vote.closes_at:
        raise ValidationError({"vote": _("Vote: voting closed at %(t)s.") % {"t": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")}})
    if now < vote.opens_at:
        raise ValidationError({"vote": _("Vote: voting opens at %(t)s.") % {"t": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")}})


def _cast(scope: Scope, vote: Vote, entry: RollEntry, option, voter: Person | None, channel: str) -> Ballot:
    entry = RollEntry.objects.select_for_update().get(pk=entry.pk)  # one household at a time
    vote = Vote.objects.get(pk=vote.pk)
    _check_open(vote, timezone.now())
    if not isinstance(option, Option) or option.matter_id != vote.matter_id:
        raise ValidationError({"option": _("Option: choose one of this vote's options.")})
    done = Ballot.objects.filter(entry=entry).first()
    if done is not None:
        raise ValidationError({"vote": _("Vote: %(who)s has already voted (%(how)s).")
                               % {"who": _("this household") if vote.unit == Vote.Unit.HOUSEHOLD else _("this voter"),
                                  "how": done.get_channel_display()}})
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(vote=vote, entry=entry, voter=voter, channel=channel,
                                           entered_by=_actor(scope) if channel == Ballot.Channel.PAPER else None)
    except IntegrityError:
        raise ValidationError({"vote": _("Vote: %(who)s has already voted (%(how)s).")
                               % {"who": _("this household") if vote.unit == Vote.Unit.HOUSEHOLD else _("this voter"), "how": "—"}})
    Choice.objects.create(vote=vote, option=option)
    Vote.objects.filter(pk=vote.pk).update(cast=F("cast") + 1)
    return ballot


@transaction.atomic
def cast(scope: Scope, vote: Vote, option: Option) -> Ballot:
    """An online vote by the signed-in resident, for their household (or themselves)."""
    vote = Vote.objects.select_related("matter").get(pk=vote.pk)
    person = person_of(scope)
    entry = _entry_for(vote, person) if person is not None else None
    if entry is None:
        if in_matter_scope(person, vote.matter):
            raise OutOfScope(_("Voter: you are not on this vote's roll (it was fixed when the vote opened)."))
        raise OutOfScope(_("Voter: only residents of %(area)s vote on this matter.") % {"area": vote.matter.scope_place})
    return _cast(scope, vote, entry, option, person, Ballot.Channel.ONLINE)


@transaction.atomic
def enter_paper_ballot(scope: Scope, vote: Vote, entry: RollEntry, option: Option) -> Ballot:
    """Staff enter a paper ballot against the roll (the ballot list)."""
    vote = Vote.objects.select_related("matter").get(pk=vote.pk)
    _require_staff(scope, vote.matter.community_id)
    if entry.vote_id != vote.pk:
        raise ValidationError({"entry": _("Voter: not on this vote's roll.")})
    return _cast(scope, vote, entry, option, entry.person, Ballot.Channel.PAPER)


def decide(*, eligible_by_building: dict, cast_by_building: dict, counts: dict, quorum: Fraction, by_building: bool,
           majority: Fraction, strict: bool) -> dict:
    """Pure, exact arithmetic: the quorum (overall or in every building) and the majority of the votes cast."""
    eligible, cast_total = sum(eligible_by_building.values()), sum(cast_by_building.values())
    buildings = {}
    for b, n in eligible_by_building.items():
        got = cast_by_building.get(b, 0)
        buildings[b] = {"eligible": n, "cast": got, "met": n > 0 and Fraction(got, n) >= quorum}
    quorum_met = eligible > 0 and Fraction(cast_total, eligible) >= quorum
    if by_building:
        quorum_met = quorum_met and all(v["met"] for v in buildings.values())
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    top = ranked[0][1] if ranked else 0
    tie = len([1 for _k, v in ranked if v == top]) > 1
    winner = ranked[0][0] if ranked and not tie and top > 0 else None
    share = Fraction(top, cast_total) if cast_total else Fraction(0)
    majority_met = winner is not None and (share > majority if strict else share >= majority)
    return {"eligible": eligible, "cast": cast_total, "quorum_met": bool(quorum_met), "buildings": buildings, "tie": tie,
            "winner": winner if majority_met else None, "majority_met": bool(majority_met), "passed": bool(quorum_met and majority_met)}


def tally(vote: Vote) -> dict:
    """Counts per option from the anonymous choices."""
    counts = {o.pk: 0 for o in vote.matter.options.all()}
    for row in Choice.objects.filter(vote=vote).values("option_id").annotate(n=Count("id")):
        counts[row["option_id"]] = row["n"]
    return counts


def _result(vote: Vote) -> dict:
    counts = tally(vote)
    eligible = dict(Counter(vote.roll.values_list("building_id", flat=True)))
    cast_b = dict(Counter(vote.ballots.values_list("entry__building_id", flat=True)))
    return decide(eligible_by_building=eligible, cast_by_building=cast_b, counts=counts,
                  quorum=Fraction(vote.quorum_num, vote.quorum_den), by_building=vote.by_building,
                  majority=Fraction(vote.majority_num, vote.majority_den), strict=vote.majority_strict) | {"counts": counts}


def close_vote(scope: Scope | None, vote: Vote, *, early: bool = False) -> Vote:
    """Close, count and publish. Staff may close early; the worker closes votes whose time is up."""
    with transaction.atomic():
        vote = Vote.objects.select_for_update().select_related("matter").get(pk=vote.pk)
        matter = vote.matter
        now = timezone.now()
        if scope is not None:
            _require_staff(scope, matter.community_id)
        if vote.status != Vote.Status.OPEN:
            raise ValidationError({"vote": _("Vote: already closed.")})
        if now < vote.closes_at and not early:
            raise ValidationError({"vote": _("Vote: it closes at %(t)s; close it early only on purpose.")
                                   % {"t": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")}})
        res = _result(vote)
        winner = Option.objects.filter(pk=res["winner"]).first() if res["winner"] else None
        vote.status, vote.closed_at, vote.passed, vote.winner = Vote.Status.CLOSED, now, res["passed"], winner if res["passed"] else None
        vote.result = {"counts": {str(k): v for k, v in res["counts"].items()}, "eligible": res["eligible"], "cast": res["cast"],
                       "quorum_met": res["quorum_met"], "majority_met": res["majority_met"], "tie": res["tie"],
                       "buildings": {str(k): v for k, v in res["buildings"].items()}, "early": bool(early and now < vote.closes_at)}
        vote.save(update_fields=["status", "closed_at", "passed", "winner", "result"])
        actor = scope if scope is not None else None
        if res["passed"] and not winner.rejects:
            _move(matter, [Matter.Status.VOTING], Matter.Status.DECIDED, decision=winner.label)
            note = _("Decided: %(o)s (%(n)d of %(c)d votes, %(e)d eligible).") % {"o": winner.label, "n": res["counts"][winner.pk], "c": res["cast"], "e": res["eligible"]}
            kind = "decided"
        elif res["passed"]:
            _move(matter, [Matter.Status.VOTING], Matter.Status.REJECTED, decision=winner.label)
            note = _("Rejected by the vote (%(n)d of %(c)d votes).") % {"n": res["counts"][winner.pk], "c": res["cast"]}
            kind = "rejected"
        else:
            _move(matter, [Matter.Status.VOTING], Matter.Status.DELIBERATING)
            note = (_("No decision: the quorum was not reached.") if not res["quorum_met"]
                    else _("No decision: no option won the required majority."))
            kind = "vote_failed"
        _mevent(matter, actor, kind, note, vote=vote.pk, cast=res["cast"], eligible=res["eligible"])
        notify.notify(f"vote:{vote.pk}:result", _scope_residents_accounts(matter) + _staff_accounts(matter.community_id),
                      subject=_("Vote result: %(t)s") % {"t": matter.title}, body=note, link=f"/meetings/matters/{matter.pk}/",
                      payload={"vote": vote.pk, "passed": res["passed"]})
    return vote


def recount(vote: Vote) -> dict:
    """Recount from the anonymous choices; `matches` tells whether it equals the published result and the ballot list."""
    counts = tally(vote)
    published = {int(k): v for k, v in (vote.result or {}).get("counts", {}).items()}
    ballots = vote.ballots.count()
    return {"counts": counts, "ballots": ballots, "choices": sum(counts.values()),
            "matches": counts == published and sum(counts.values()) == ballots == vote.cast}


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
    person = _resident_of(scope, matter, _("Evaluation"))
    if matter.status not in (Matter.Status.DONE, Matter.Status.EVALUATED):
        raise ValidationError({"rating": _("Evaluation: the matter is not done yet.")})
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
        raise ValidationError({"rating": _("Evaluation: you have already evaluated this matter.")})
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


# ==================================================================== 书记接待日: reception day

@transaction.atomic
def publish_slot(scope: Scope, *, community, starts_at: datetime.datetime, ends_at: datetime.datetime, place: str,
                 capacity: int = 1, host=None) -> ReceptionSlot:
    _require_staff(scope, community.pk)
    host = host or _actor(scope)
    if host is None:
        raise ValidationError({"host": _("Host: who receives the residents?")})
    if not isinstance(starts_at, datetime.datetime) or not isinstance(ends_at, datetime.datetime):
        raise ValidationError({"starts_at": _("Time: required.")})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Starts: the time lies in the past.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Ends: after it starts.")})
    if not (place or "").strip():
        raise ValidationError({"place": _("Place: where is the reception?")})
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= 50:
        raise ValidationError({"capacity": _("Seats: between 1 and 50.")})
    return ReceptionSlot.objects.create(community=community, host=host, starts_at=starts_at, ends_at=ends_at, place=place.strip(), capacity=capacity)


@transaction.atomic
def book(scope: Scope, slot: ReceptionSlot, topic: str) -> Booking:
    slot = ReceptionSlot.objects.select_for_update().get(pk=slot.pk)  # one booking at a time per slot
    person = person_of(scope)
    if not lives_in(person, community_id=slot.community_id):
        raise OutOfScope(_("Booking: only residents of the community book its reception day."))
    topic = (topic or "").strip()
    if len(topic) < 4:
        raise ValidationError({"topic": _("Topic: say what you want to talk about (at least 4 characters).")})
    if slot.starts_at <= timezone.now():
        raise ValidationError({"slot": _("Slot: this reception has already begun.")})
    taken = list(slot.bookings.exclude(status=Booking.Status.CANCELLED).values_list("seat", "person_id"))
    if any(pid == person.pk for _s, pid in taken):
        raise ValidationError({"slot": _("Slot: you have already booked this reception.")})
    if len(taken) >= slot.capacity:
        raise ValidationError({"slot": _("Slot: fully booked; choose another time.")})
    seat = next(i for i in range(1, slot.capacity + 1) if i not in {s for s, _p in taken})
    try:
        with transaction.atomic():
            b = Booking.objects.create(slot=slot, seat=seat, person=person, account=_actor(scope), topic=topic[:2000])
    except IntegrityError:
        raise ValidationError({"slot": _("Slot: fully booked; choose another time.")})
    notify.notify(f"booking:{b.pk}", [slot.host], subject=_("Reception booked: %(n)s — %(t)s") % {"n": person.name, "t": topic[:60]},
                  link="/meetings/reception/", payload={"booking": b.pk})
    return b


def may_cancel_booking(scope: Scope, booking: Booking) -> bool:
    """The resident who booked, the host, or the community's staff."""
    me = person_of(scope)
    return ((me is not None and me.pk == booking.person_id) or booking.slot.host_id == getattr(scope.account, "pk", None)
            or is_staff_of(scope, booking.slot.community_id))


@transaction.atomic
def cancel_booking(scope: Scope, booking: Booking) -> Booking:
    """The resident (before the reception begins) or the host or staff call a booking off: its seat is free again, for
    someone else or for the same resident."""
    slot = ReceptionSlot.objects.select_for_update().get(pk=booking.slot_id)  # the same lock as booking a seat
    booking = Booking.objects.select_related("slot", "person").get(pk=booking.pk)
    if not may_cancel_booking(scope, booking):
        raise OutOfScope(_("Cancel: only the resident who booked, the host or the community's staff cancel a booking."))
    if booking.status == Booking.Status.CANCELLED:
        raise ValidationError({"booking": _("Cancel: the booking is already cancelled.")})
    if booking.status == Booking.Status.DONE:
        raise ValidationError({"booking": _("Cancel: the conversation has taken place; its outcome is recorded.")})
    staff = booking.slot.host_id == getattr(scope.account, "pk", None) or is_staff_of(scope, slot.community_id)
    if not staff and slot.starts_at <= timezone.now():
        raise ValidationError({"booking": _("Cancel: the reception has already begun; ask the host.")})
    booking.status, booking.cancelled_at, booking.cancelled_by = Booking.Status.CANCELLED, timezone.now(), _actor(scope)
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    recipients = [a for a in (slot.host, booking.account) if a is not None and a.pk != getattr(scope.account, "pk", None)]
    notify.notify(f"booking:{booking.pk}:cancelled", recipients,
                  subject=_("Reception booking cancelled: %(n)s, %(when)s") % {"n": booking.person.name,
                                                                              "when": timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")},
                  body=booking.topic[:200], link="/meetings/reception/", payload={"booking": booking.pk})
    return booking


@transaction.atomic
def record_outcome(scope: Scope, booking: Booking, outcome: str, *, open_case: bool = False, open_matter: bool = False,
                   category=None) -> Booking:
    """What came of the conversation; it may open a case (hotline intake) or a council matter for the resident."""
    from linli.cases import services as cases

    booking = Booking.objects.select_for_update().select_related("slot", "person").get(pk=booking.pk)
    if not (is_staff_of(scope, booking.slot.community_id) or booking.slot.host_id == getattr(scope.account, "pk", None)):
        raise OutOfScope(_("Outcome: only the host or the community's staff record it."))
    outcome = (outcome or "").strip()
    if len(outcome) < 2:
        raise ValidationError({"outcome": _("Outcome: say what was agreed.")})
    if booking.status == Booking.Status.DONE:
        raise ValidationError({"outcome": _("Outcome: already recorded.")})
    if booking.status == Booking.Status.CANCELLED:
        raise ValidationError({"outcome": _("Outcome: the booking was cancelled; there was no conversation to record.")})
    if open_case:
        if not booking.person.dwelling_id:
            raise ValidationError({"outcome": _("Case: the resident has no registered home to locate the case.")})
        booking.case = cases.submit(scope, source="hotline", description=f"{booking.topic}\n{outcome}", title=booking.topic[:40], category=category,
                                    dwelling=booking.person.dwelling, reporter_person=booking.person, reporter_name=booking.person.name)
    if open_matter:
        booking.matter = raise_matter(scope, title=booking.topic[:60], what=f"{booking.topic}\n{outcome}", level="compound",
                                      raised_for=booking.person)
    booking.outcome, booking.outcome_at, booking.status = outcome, timezone.now(), Booking.Status.DONE
    booking.save(update_fields=["outcome", "outcome_at", "status", "case", "matter"])
    return booking


# ==================================================================== meetings: agenda, rotation, minutes

def is_staff_of(scope: Scope, community_id: int) -> bool:
    try:
        _require_staff(scope, community_id)
    except OutOfScope:
        return False
    return True


def rotation(committee: StandingCommittee) -> list[CommitteeMember]:
    return list(committee.members.filter(rotates=True).select_related("organization", "chair_person").order_by("position", "id"))


def chair_for(committee: StandingCommittee, starts_at: datetime.datetime) -> CommitteeMember | None:
    """The member whose turn it is to chair a meeting starting at `starts_at`.

    Rule (documented in the design notes of issue 6): the members chair in their rotation order, one turn per
    meeting that takes place. The turn of a meeting is the number of the committee's earlier meetings that were not
    cancelled; so a month without a meeting, or a meeting called off, does not use up anyone's turn.
    """
    members = rotation(committee)
    if not members:
        return None
    turn = committee.meetings.filter(cancelled=False, starts_at__lt=starts_at).count()
    return members[turn % len(members)]


def next_chair(committee: StandingCommittee) -> CommitteeMember | None:
    """Who chairs the next meeting, after every meeting already scheduled."""
    members = rotation(committee)
    if not members:
        return None
    return members[committee.meetings.filter(cancelled=False).count() % len(members)]


@transaction.atomic
def create_committee(scope: Scope, *, community, name: str, members) -> StandingCommittee:
    """members: (organization, chair_person) in rotation order."""
    _require_staff(scope, community.pk)
    if not (name or "").strip():
        raise ValidationError({"name": pgettext("council", "Name: required.")})
    members = list(members or [])
    if len(members) < 2:
        raise ValidationError({"members": _("Members: a standing committee needs at least two member organisations.")})
    orgs = [m[0] for m in members]
    if len({o.pk for o in orgs}) != len(orgs):
        raise ValidationError({"members": _("Members: an organisation sits on the committee once.")})
    committee = StandingCommittee.objects.create(community=community, name=name.strip())
    for i, (org, person) in enumerate(members, 1):
        CommitteeMember.objects.create(committee=committee, organization=org, position=i, chair_person=person)
    return committee


def _overdue_actions(community_id: int, on: datetime.date, before: datetime.datetime | None = None):
    qs = (Action.objects.filter(status=Action.Status.OPEN, due_on__lt=on)
          .filter(Q(meeting__community_id=community_id) | Q(matter__community_id=community_id)))
    if before is not None:
        qs = qs.filter(Q(meeting__isnull=True) | Q(meeting__starts_at__lt=before))
    return qs.select_related("meeting", "matter", "owner_org", "owner__person").order_by("due_on", "id")


def _agenda_key(item: AgendaItem):
    return (item.kind, item.matter_id or item.case_id or item.action_id)


def hard_cases(community_id):
    """The community's hard and hot cases (难点热点) for a meeting: open cases that are overdue at the top tier, under a
    whistle, reopened by an unsatisfied resident, sent up to the subdistrict, or escalated from the tier below. A case
    the dispatcher simply holds at the community tier is the daily queue, not a meeting's business."""
    from linli.cases.models import Case, CaseEvent

    escalated = CaseEvent.objects.filter(action=CaseEvent.Action.ESCALATE).values("case_id")
    return (Case.objects.filter(community_id=community_id, state__in=Case.OPEN_STATES)
            .filter(Q(overdue=True) | Q(state=Case.State.WHISTLED) | Q(rework_count__gt=0) | Q(tier="subdistrict")
                    | Q(pk__in=escalated)))


def _automatic_items(meeting: Meeting) -> list[AgendaItem]:
    """The agenda the community's state gives now (unsaved, in order): matters on the agenda, under discussion or
    decided; the community's hard cases (`hard_cases`); every open action overdue by the meeting day (from earlier meetings or matters)."""
    items = []
    day = timezone.localtime(meeting.starts_at).date()
    for m in Matter.objects.filter(community_id=meeting.community_id, status__in=[Matter.Status.ON_AGENDA, Matter.Status.DELIBERATING,
                                                                                  Matter.Status.DECIDED]).order_by("created_at", "id"):
        items.append(AgendaItem(meeting=meeting, kind=AgendaItem.Kind.MATTER, matter=m, title=m.title[:300]))
    for c in hard_cases(meeting.community_id).order_by("created_at", "id")[:20]:
        items.append(AgendaItem(meeting=meeting, kind=AgendaItem.Kind.CASE, case=c, title=f"{c.number} {c.title}"[:300]))
    for a in _overdue_actions(meeting.community_id, day, before=meeting.starts_at):
        items.append(AgendaItem(meeting=meeting, kind=AgendaItem.Kind.OVERDUE_ACTION, action=a,
                                title=(_("Overdue since %(d)s: %(t)s (%(o)s)") % {"d": a.due_on.isoformat(), "t": a.text, "o": a.owner_label})[:300]))
    return items


def build_agenda(meeting: Meeting) -> list[AgendaItem]:
    """The agenda of a meeting being called (see `_automatic_items`); a meeting that has one keeps it."""
    if meeting.agenda.exists():
        return list(meeting.agenda.all())
    items = _automatic_items(meeting)
    for pos, item in enumerate(items, 1):
        item.position = pos
    AgendaItem.objects.bulk_create(items, ignore_conflicts=True)
    return list(meeting.agenda.all())


def refresh_agenda(meeting: Meeting) -> list[AgendaItem]:
    """Bring a meeting's agenda up to date while it is not yet held: the matters, hard cases and overdue actions that
    qualify now and are not listed yet are added after the listed items. Nothing listed is dropped (a matter that
    moved on, or an action done meanwhile, stays on: the meeting may still report on it), hand-written items keep
    their place, and nothing is listed twice (one row per matter, case or action, also when two people open the page
    at once). Called when the meeting page is opened and before the minutes are recorded."""
    def missing(m):
        listed = list(m.agenda.all())
        keys = {_agenda_key(i) for i in listed}
        return listed, [i for i in _automatic_items(m) if _agenda_key(i) not in keys]

    meeting = Meeting.objects.get(pk=meeting.pk)
    if meeting.held or meeting.cancelled or meeting.kind == Meeting.Kind.WHISTLE or not missing(meeting)[1]:
        return list(meeting.agenda.all())  # a page view that finds nothing new writes nothing
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.held or meeting.cancelled:
            return list(meeting.agenda.all())
        listed, new = missing(meeting)
        pos = max((i.position for i in listed), default=0)
        for i, item in enumerate(new, 1):
            item.position = pos + i
        AgendaItem.objects.bulk_create(new, ignore_conflicts=True)  # the unique constraints catch a racing refresh
    return list(meeting.agenda.all())


@transaction.atomic
def add_agenda_item(scope: Scope, meeting: Meeting, title: str) -> AgendaItem:
    """A hand-written line on the agenda of a meeting not yet held (refreshing the agenda keeps it)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_staff(scope, meeting.community_id)
    title = (title or "").strip()
    if len(title) < 2:
        raise ValidationError({"title": _("Agenda item: say what is to be discussed (at least 2 characters).")})
    if len(title) > 300:
        raise ValidationError({"title": _("Agenda item: at most 300 characters.")})
    if meeting.held or meeting.cancelled:
        raise ValidationError({"title": _("Agenda item: the agenda of a held or cancelled meeting is fixed.")})
    pos = max(meeting.agenda.values_list("position", flat=True), default=0)
    return AgendaItem.objects.create(meeting=meeting, kind=AgendaItem.Kind.OTHER, title=title, position=pos + 1)


def _invitees_accounts(persons, orgs) -> list:
    accounts = list(Account.objects.filter(person__in=[p for p in persons if p is not None], is_active=True))
    org_ids = [o.pk for o in orgs if o is not None]
    if org_ids:
        today = timezone.localdate()
        accounts += list(Account.objects.filter(person__appointments__organization_id__in=org_ids, person__appointments__starts_on__lte=today)
                         .filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())
    return accounts


@transaction.atomic
def schedule_meeting(scope: Scope, *, kind: str, community, title: str, starts_at: datetime.datetime, place: str,
                     chair: Person | None = None, committee: StandingCommittee | None = None, persons=(), organizations=()) -> Meeting:
    """Call a meeting: the chair (from the rotation for a standing committee), its agenda, and the invitations."""
    _require_staff(scope, community.pk)
    if kind not in Meeting.Kind.values or kind == Meeting.Kind.WHISTLE:
        raise ValidationError({"kind": _("Kind: unknown meeting kind %(k)s.") % {"k": kind}})
    if not (title or "").strip():
        raise ValidationError({"title": _("Title: required.")})
    if not (place or "").strip():
        raise ValidationError({"place": _("Place: where is the meeting held?")})
    if not isinstance(starts_at, datetime.datetime):
        raise ValidationError({"starts_at": _("Time: required.")})
    chair_org = None
    if kind == Meeting.Kind.COMMITTEE:
        if committee is None:
            raise ValidationError({"committee": _("Committee: a standing-committee meeting names its committee.")})
        if committee.community_id != community.pk:
            raise ValidationError({"committee": _("Committee: belongs to another community.")})
        member = chair_for(committee, starts_at)
        if member is None:
            raise ValidationError({"chair": _("Chair: the committee has no member organisation to take the chair.")})
        chair_org = member.organization
        chair = chair or member.chair_person
        if chair is None:
            raise ValidationError({"chair": _("Chair: it is %(org)s's turn to chair, but nobody is named to chair for it.") % {"org": chair_org.name}})
        organizations = list(organizations) or [m.organization for m in committee.members.all()]
    elif committee is not None:
        raise ValidationError({"committee": _("Committee: only a standing-committee meeting names a committee.")})
    if chair is None:
        raise ValidationError({"chair": _("Chair: a meeting needs a chair.")})
    meeting = Meeting.objects.create(kind=kind, title=title.strip(), community=community, starts_at=starts_at, place=place.strip(),
                                     chair=chair, chair_org=chair_org, committee=committee, held=False, created_by=_actor(scope))
    persons = [p for p in dict.fromkeys([chair, *persons]) if p is not None]
    organizations = [o for o in dict.fromkeys(organizations) if o is not None]
    for p in persons:
        Attendance.objects.create(meeting=meeting, person=p)
    for o in organizations:
        Attendance.objects.create(meeting=meeting, organization=o)
    if committee is not None:  # called before meetings already scheduled: they move down one turn
        _rechair_later(committee, starts_at)
    build_agenda(meeting)
    notify.notify(f"meeting:{meeting.pk}:invite", _invitees_accounts(persons, organizations),
                  subject=_("Invitation: %(t)s, %(when)s, %(place)s") % {"t": meeting.title, "when": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"), "place": meeting.place},
                  body=meeting.title, link=f"/meetings/{meeting.pk}/", payload={"meeting": meeting.pk})
    return meeting


@transaction.atomic
def record_minutes(scope: Scope, meeting: Meeting, *, attendees=(), minutes: str, resolutions=()) -> Meeting:
    """Hold a scheduled meeting: attendance (present/absent/substitute), minutes, resolutions → tracked actions."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_staff(scope, meeting.community_id)
    if meeting.held:
        raise ValidationError({"minutes": _("Minutes: this meeting's record is already taken.")})
    if meeting.cancelled:
        raise ValidationError({"minutes": _("Minutes: the meeting was cancelled.")})
    if meeting.chair_id is None:
        raise ValidationError({"chair": _("Chair: a meeting needs a chair.")})
    if not (minutes or "").strip():
        raise ValidationError({"minutes": _("Minutes: a held meeting needs minutes.")})
    attendees = _clean_attendees(attendees)
    resolutions = _clean_resolutions(resolutions)
    refresh_agenda(meeting)  # the record keeps the agenda as it stood when the meeting met
    for a in attendees:
        row = None
        if a["person"] is not None:
            row = meeting.attendances.filter(person=a["person"]).first()
        elif a["organization"] is not None:
            row = meeting.attendances.filter(organization=a["organization"], person__isnull=True).first()
        if row is None:
            Attendance.objects.create(meeting=meeting, **a)
        else:
            row.status, row.substitute_name = a["status"], a["substitute_name"]
            row.save(update_fields=["status", "substitute_name"])
    for r in resolutions:
        Action.objects.create(meeting=meeting, owner_kind=r.get("owner_kind", ""), **{k: r[k] for k in ("text", "owner", "owner_org", "due_on")})
    meeting.minutes, meeting.held = minutes.strip(), True
    meeting.save(update_fields=["minutes", "held"])
    return meeting


def _rechair_later(committee: StandingCommittee, after: datetime.datetime) -> list[Meeting]:
    """The committee's meetings after `after` that are neither held nor cancelled take the chair the rotation gives them
    now (a meeting cancelled, or one scheduled before them, shifts their turn). A meeting whose turn passes to another
    member organisation gets that organisation's chair; refused (ValidationError) if it names nobody to chair."""
    changed = []
    later = (committee.meetings.select_for_update(of=("self",)).filter(cancelled=False, held=False, starts_at__gt=after)
             .select_related("chair_org").order_by("starts_at", "id"))
    for m in later:
        member = chair_for(committee, m.starts_at)
        if member is None or member.organization_id == m.chair_org_id:
            continue
        if member.chair_person_id is None:
            raise ValidationError({"chair": _("Chair: it becomes %(org)s's turn to chair %(t)s (%(when)s), but nobody is named to chair for it.")
                                   % {"org": member.organization.name, "t": m.title, "when": timezone.localtime(m.starts_at).strftime("%Y-%m-%d")}})
        m.chair_org, m.chair = member.organization, member.chair_person
        m.save(update_fields=["chair_org", "chair"])
        if not m.attendances.filter(person=m.chair).exists():
            Attendance.objects.create(meeting=m, person=m.chair)
        changed.append(m)
    for m in changed:
        notify.notify(f"meeting:{m.pk}:chair:{m.chair_id}", _invitees_accounts([m.chair], []),
                      subject=_("You chair: %(t)s, %(when)s (%(org)s's turn)") % {"t": m.title, "org": m.chair_org.name,
                                                                               "when": timezone.localtime(m.starts_at).strftime("%Y-%m-%d %H:%M")},
                      body=m.title, link=f"/meetings/{m.pk}/", payload={"meeting": m.pk})
    return changed


@transaction.atomic
def cancel_meeting(scope: Scope, meeting: Meeting) -> Meeting:
    """Call a meeting off. Its turn of the rotation is not used up: the committee's later meetings not yet held
    move up one turn, and their chairs are recomputed."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_staff(scope, meeting.community_id)
    if meeting.held:
        raise ValidationError({"meeting": _("Meeting: a held meeting cannot be cancelled.")})
    if meeting.cancelled:
        raise ValidationError({"meeting": _("Meeting: already cancelled.")})
    Meeting.objects.filter(pk=meeting.pk).update(cancelled=True)
    meeting.cancelled = True
    if meeting.committee_id:
        _rechair_later(meeting.committee, meeting.starts_at)
    return meeting


def committee_stats(committee: StandingCommittee, start: datetime.date, end: datetime.date) -> dict:
    """Per period [start, end]: meetings held, suggestions collected (matters raised), problems solved
    (matters done, and the committee's resolution actions done)."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    held = committee.meetings.filter(held=True, starts_at__gte=lo, starts_at__lt=hi).count()
    suggestions = Matter.objects.filter(community_id=committee.community_id, created_at__gte=lo, created_at__lt=hi).count()
    matters_solved = Matter.objects.filter(community_id=committee.community_id, done_at__gte=lo, done_at__lt=hi).count()
    actions_done = Action.objects.filter(meeting__committee=committee, status=Action.Status.DONE, done_at__gte=lo, done_at__lt=hi).count()
    return {"start": start, "end": end, "meetings_held": held, "suggestions": suggestions, "matters_solved": matters_solved,
            "actions_done": actions_done, "solved": matters_solved + actions_done}


def meeting_pdf(meeting: Meeting) -> bytes:
    from linli.core import pdf

    meeting = Meeting.objects.select_related("community", "chair", "chair_org", "committee").get(pk=meeting.pk)
    rows = [(_("Kind"), meeting.get_kind_display()), (_("Time"), timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")),
            (_("Place"), meeting.place), (_("Chair"), f"{meeting.chair or '—'}{' · ' + meeting.chair_org.name if meeting.chair_org_id else ''}")]
    if meeting.committee_id:
        rows.append((_("Standing committee"), meeting.committee.name))
    attendance = [[_("Attendee"), _("Attendance")]] + [
        [a.person.name if a.person_id else a.organization.name if a.organization_id else a.name,
         str(a.get_status_display()) + (f" ({a.substitute_name})" if a.substitute_name else "")] for a in meeting.attendances.all()]
    agenda = [f"{i}. {item.title}" for i, item in enumerate(meeting.agenda.all(), 1)] or [_("No agenda items.")]
    actions = [[_("Resolution"), pgettext("council", "Owner"), pgettext("council", "Due"), _("Status")]] + [
        [a.text, a.owner_label, a.due_on.isoformat(), str(a.get_status_display())] for a in meeting.actions.all()]
    sections = [pdf.Section(_("Meeting"), rows=rows), pdf.Section(_("Agenda"), paragraphs=agenda),
                pdf.Section(_("Attendance"), table=attendance if len(attendance) > 1 else [], paragraphs=[] if len(attendance) > 1 else ["—"]),
                pdf.Section(pgettext("council", "Minutes"), paragraphs=[meeting.minutes or "—"]),
                pdf.Section(pgettext("council", "Resolutions"), table=actions if len(actions) > 1 else [], paragraphs=[] if len(actions) > 1 else ["—"])]
    return pdf.render(meeting.title, sections, subtitle=meeting.community.name)
