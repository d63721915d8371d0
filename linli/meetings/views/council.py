"""The council hall's matters: home, raise, the matter page and its steps (support, reply, options, the vote,
actions, evaluation), the ballot list and paper ballots."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people.models import Account, Person
from linli.people.scopes import for_request

from .. import queries, services
from ..models import Action, Ballot, Evaluation, Option, Reply, RollEntry, Vote
from .common import EVENT_LABELS, STEP_OF, STEPS, _date, _dt, _errors, _frac, _owner_orgs


# ---------------------------------------------------------------- home and matters

MATTERS_PAGE = 30

@login_required
def home(request):
    scope = for_request(request)
    status = request.GET.get("status", "open")
    page = Paginator(queries.matter_list(scope, status), MATTERS_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    person = services.person_of(scope)
    return render(request, "meetings/home.html", {
        "matters": rows, "page_obj": page, "status": status, "is_staff": queries.is_staff(scope),
        "may_raise": person is not None and person.dwelling_id is not None,
        "threshold": services.settings_for(person.community_id).support_threshold if person and person.community_id else None,
        "staff_threshold": services.settings_for(queries.staff_communities(scope)[0]).support_threshold if queries.is_staff(scope) else None,
    })


@login_required
def raise_matter(request):
    scope = for_request(request)
    person = services.person_of(scope)
    if person is None:
        raise PermissionDenied
    leads = [a.building_id or (a.entrance.building_id if a.entrance_id else None) for a in scope.appointments if a.role in ("building_leader", "entrance_leader")]
    neighbours = list(Person.objects.filter(dwelling__building_id__in=[b for b in leads if b], status="living_here").exclude(pk=person.pk)
                      .select_related("dwelling__building")[:300]) if leads else []
    # ?cases=<number>&title=… lets a case page offer "raise this as a council matter"
    ctx = {"values": {k: request.GET.get(k, "") for k in ("cases", "title", "what")}, "errors": [], "neighbours": neighbours, "home": person.dwelling}
    if request.method == "POST":
        v = request.POST
        ctx["values"] = v
        from linli.cases.models import Case

        numbers = [n for n in v.get("cases", "").replace("，", ",").replace(" ", ",").split(",") if n.strip()]
        cases = list(Case.objects.filter(number__in=numbers))
        raised_for = None
        if v.get("raised_for"):
            raised_for = next((p for p in neighbours if str(p.pk) == v["raised_for"]), None)
        try:
            if len(cases) != len(set(numbers)):
                raise ValidationError({"cases": _("Cases: no case numbered %(n)s.") % {"n": ", ".join(sorted(set(numbers) - {c.number for c in cases}))}})
            m = services.raise_matter(scope, title=v.get("title", ""), what=v.get("what", ""), why=v.get("why", ""), place=v.get("place", ""),
                                      level=v.get("level", "compound"), raised_for=raised_for, cases=cases)
        except ValidationError as exc:
            ctx["errors"] = _errors(exc)
            return render(request, "meetings/raise.html", ctx, status=400)
        messages.success(request, _("Your matter is raised. Neighbours can now support it."))
        return redirect("meetings:matter", m.pk)
    return render(request, "meetings/raise.html", ctx)


def _matter_context(request, matter, errors=None):
    scope = for_request(request)
    person = services.person_of(scope)
    staff = services.is_staff_of(scope, matter.community_id)
    resident = services.in_matter_scope(person, matter)
    vote = matter.votes.order_by("-id").first()
    vote_ctx = None
    if vote is not None:
        entry = services._entry_for(vote, person) if person is not None else None
        my_ballot = Ballot.objects.filter(entry=entry).first() if entry is not None else None
        options = list(matter.options.all())
        counts = {int(k): v for k, v in (vote.result or {}).get("counts", {}).items()}
        vote_ctx = {
            "vote": vote, "rule": services.vote_rule(vote), "entry": entry, "my_ballot": my_ballot,
            "may_cast": entry is not None and my_ballot is None and vote.status == "open" and vote.opens_at <= timezone.now() < vote.closes_at,
            "not_yet": vote.status == "open" and timezone.now() < vote.opens_at,
            "options": options, "results": [(o, counts.get(o.pk, 0)) for o in options] if vote.status == "closed" else None,
            "buildings": [(b.number, (vote.result or {}).get("buildings", {}).get(str(b.pk))) for b in
                          _buildings(vote)] if vote.status == "closed" else None,
        }
    actions = list(matter.actions.select_related("owner__person", "owner_org").prefetch_related("progress"))
    return {
        "matter": matter, "errors": errors or {}, "staff": staff, "resident": resident, "person": person,
        "organiser": queries.is_staff(scope),  # the nav's committees tab: subdistrict staff are staff of the matter, not organisers
        "supported": person is not None and matter.supports.filter(person=person).exists(),
        "threshold": services.settings_for(matter.community_id).support_threshold,
        "replies": list(matter.replies.select_related("author", "hidden_by__person")),
        "options": list(matter.options.all()), "may_add_option": services.may_add_option(scope, matter),
        "vote": vote_ctx, "actions": [(a, services.may_act_on(scope, a)) for a in actions],
        "evaluated": person is not None and matter.evaluations.filter(person=person).exists(),
        "summary": services.evaluation_summary(matter), "events": [(e, EVENT_LABELS.get(e.kind, e.kind)) for e in matter.events.all()],
        "steps": STEPS, "step": STEP_OF.get(matter.status, 0), "cases": list(matter.cases.all()),
        "orgs": _owner_orgs(matter.community_id) if staff else [],
        "owner_kinds": Action.OwnerKind.choices, "ratings": Evaluation.Rating.choices, "levels": Vote.Level.choices,
        "default_close": (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "staff_accounts": services._staff_accounts(matter.community_id) if staff else [],
    }


def _buildings(vote):
    from linli.places.models import Building

    return Building.objects.filter(pk__in=vote.roll.values("building_id")).order_by("id")


@login_required
def matter_detail(request, pk):
    matter = queries.matter(for_request(request), pk)
    return render(request, "meetings/matter.html", _matter_context(request, matter))


def _matter_post(request, pk, key, call, success):
    scope = for_request(request)
    matter = queries.matter(scope, pk)
    try:
        call(scope, matter, request.POST)
    except ValidationError as exc:
        return render(request, "meetings/matter.html", _matter_context(request, matter, {key: _errors(exc)}), status=400)
    messages.success(request, success)
    return redirect(reverse("meetings:matter", args=[matter.pk]) + f"#{key}")


@login_required
@require_POST
def matter_support(request, pk):
    return _matter_post(request, pk, "support", lambda s, m, p: services.support(s, m), _("Thank you for your support."))


@login_required
@require_POST
def matter_reply(request, pk):
    return _matter_post(request, pk, "replies", lambda s, m, p: services.reply(s, m, p.get("text", "")), _("Your reply is posted."))


@login_required
@require_POST
def matter_hide(request, pk, reply_id):
    def call(s, m, p):
        services.hide_reply(s, get_object_or_404(Reply, pk=reply_id, matter=m), p.get("reason", ""))
    return _matter_post(request, pk, "replies", call, _("The reply is hidden; the reason is in the log."))


@login_required
@require_POST
def matter_option(request, pk):
    return _matter_post(request, pk, "options", lambda s, m, p: services.add_option(s, m, p.get("label", ""), p.get("cost") or None),
                        _("Option added."))


@login_required
@require_POST
def matter_open_vote(request, pk):
    def call(s, m, p):
        opens, closes = _dt(p.get("opens_at")), _dt(p.get("closes_at"))
        if opens == "bad":
            raise ValidationError({"opens_at": _("Opens: a date and time, such as 2025-07-01 08:00.")})
        if closes == "bad":
            raise ValidationError({"closes_at": _("Closes: a date and time, such as 2025-07-01 18:00.")})
        services.open_vote(s, m, level=p.get("level", ""), unit=p.get("unit", ""), quorum=_frac(p.get("quorum"), (0, 0)),
                           by_building=p.get("by_building") == "on", majority=_frac(p.get("majority"), (0, 0)),
                           strict=p.get("strict", "more") == "more", opens_at=opens, closes_at=closes)
    return _matter_post(request, pk, "vote", call, _("The vote is open; residents are notified."))


@login_required
@require_POST
def matter_cast(request, pk):
    def call(s, m, p):
        vote = m.votes.order_by("-id").first()
        option = Option.objects.filter(matter=m, pk=p.get("option") or 0).first()
        if vote is None:
            raise ValidationError({"vote": _("Vote: there is no vote on this matter.")})
        if option is None:
            raise ValidationError({"option": _("Option: choose one of this vote's options.")})
        services.cast(s, vote, option)
    return _matter_post(request, pk, "vote", call, _("Your vote is counted. How you voted is secret."))


@login_required
@require_POST
def matter_close_vote(request, pk):
    def call(s, m, p):
        vote = m.votes.filter(status="open").order_by("-id").first()
        if vote is None:
            raise ValidationError({"vote": _("Vote: there is no open vote.")})
        services.close_vote(s, vote, early=True)
    return _matter_post(request, pk, "vote", call, _("The vote is closed and the result published."))


def _action_rows(p, community_id) -> list[dict]:
    """The action rows of a form (text_i, owner_i = "org:<id>" or "acc:<id>", kind_i, due_i; up to three)."""
    rows = []
    for i in range(1, 4):
        text = p.get(f"text_{i}", "").strip()
        if not text:
            continue
        owner = p.get(f"owner_{i}", "")
        row = {"text": text, "due_on": _date(p.get(f"due_{i}")), "owner_kind": p.get(f"kind_{i}", ""), "owner": None, "owner_org": None}
        if owner.startswith("org:"):
            row["owner_org"] = next((o for o in _owner_orgs(community_id) if str(o.pk) == owner[4:]), None)
        elif owner.startswith("acc:"):
            row["owner"] = Account.objects.filter(pk=owner[4:] or 0).first()
        rows.append(row)
    return rows


@login_required
@require_POST
def matter_actions(request, pk):
    def call(s, m, p):
        services.plan_actions(s, m, _action_rows(p, m.community_id))
    return _matter_post(request, pk, "actions", call, _("Actions planned."))


@login_required
@require_POST
def matter_progress(request, pk, action_id):
    def call(s, m, p):
        action = get_object_or_404(Action, pk=action_id, matter=m)
        try:
            percent = int(p.get("percent") or 0)
        except ValueError:
            percent = -1
        services.report_progress(s, action, p.get("note", ""), percent, done=p.get("done") == "on")
    return _matter_post(request, pk, "actions", call, _("Progress reported."))


@login_required
@require_POST
def matter_evaluate(request, pk):
    return _matter_post(request, pk, "evaluate", lambda s, m, p: services.evaluate(s, m, p.get("rating"), p.get("comment", "")),
                        _("Thank you for your evaluation."))


# ---------------------------------------------------------------- ballot list and paper ballots

@login_required
def ballots(request, pk, errors=None, status=200):
    scope = for_request(request)
    vote = queries.vote(scope, pk)
    if not services.is_staff_of(scope, vote.matter.community_id):
        raise PermissionDenied
    voted = {b.entry_id: b for b in vote.ballots.select_related("entered_by__person")}
    roll = [(e, voted.get(e.pk)) for e in vote.roll.select_related("building")]
    return render(request, "meetings/ballots.html", {"organiser": queries.is_staff(scope), "vote": vote, "matter": vote.matter, "roll": roll, "errors": errors or [],
                                                      "options": list(vote.matter.options.all()), "rule": services.vote_rule(vote),
                                                      "recount": services.recount(vote) if vote.status == "closed" else None}, status=status)


@login_required
@require_POST
def paper_ballot(request, pk):
    scope = for_request(request)
    vote = queries.vote(scope, pk)
    entry = get_object_or_404(RollEntry, pk=request.POST.get("entry") or 0, vote=vote)
    option = Option.objects.filter(matter=vote.matter, pk=request.POST.get("option") or 0).first()
    try:
        if option is None:
            raise ValidationError({"option": _("Option: choose one of this vote's options.")})
        services.enter_paper_ballot(scope, vote, entry, option)
    except ValidationError as exc:
        return ballots(request, pk, errors=[f"{entry.label}: {m}" for m in _errors(exc)], status=400)
    messages.success(request, _("Paper ballot of %(who)s entered.") % {"who": entry.label})
    return redirect(reverse("meetings:ballots", args=[vote.pk]) + f"#e{entry.pk}")
