"""民事民决: open a vote on a matter (its roll fixed then), cast online or enter paper ballots, close, count exactly,
recount from the anonymous choices."""

import datetime
from collections import Counter
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.core import notify
from linli.core.errors import OutOfScope, StateConflict
from linli.people.models import Person
from linli.people.scopes import Scope
from linli.places.models import Building

from ..models import Ballot, Choice, Matter, Option, RollEntry, Vote
from .common import _actor, _require_staff, _scope_residents_accounts, _staff_accounts, in_matter_scope, person_of
from .council import _mevent, _move


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
        raise StateConflict({"vote": _("Vote: voting closed at %(t)s.") % {"t": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")}})
    if now < vote.opens_at:
        raise StateConflict({"vote": _("Vote: voting opens at %(t)s.") % {"t": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")}})


def _cast(scope: Scope, vote: Vote, entry: RollEntry, option, voter: Person | None, channel: str) -> Ballot:
    entry = RollEntry.objects.select_for_update().get(pk=entry.pk)  # one household at a time
    vote = Vote.objects.get(pk=vote.pk)
    _check_open(vote, timezone.now())
    if not isinstance(option, Option) or option.matter_id != vote.matter_id:
        raise ValidationError({"option": _("Option: choose one of this vote's options.")})
    done = Ballot.objects.filter(entry=entry).first()
    if done is not None:
        raise StateConflict({"vote": _("Vote: %(who)s has already voted (%(how)s).")
                               % {"who": _("this household") if vote.unit == Vote.Unit.HOUSEHOLD else _("this voter"),
                                  "how": done.get_channel_display()}})
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(vote=vote, entry=entry, voter=voter, channel=channel,
                                           entered_by=_actor(scope) if channel == Ballot.Channel.PAPER else None)
    except IntegrityError:
        raise StateConflict({"vote": _("Vote: %(who)s has already voted (%(how)s).")
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
