"""Council-hall pages (议事厅): matters from raise to evaluation, votes with the ballot list, meetings with their
record and PDF, standing committees, the secretary's reception day. Thin: scope → query or service → render.

A service's ValidationError re-renders the page with its message beside the form (400); OutOfScope is a 403;
records outside the caller's scope are 404."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.people.models import Account, Organization, Person
from linli.people.scopes import for_request
from linli.places.models import Community

from . import queries, services
from .models import Action, Ballot, Booking, Evaluation, Meeting, Option, Reply, RollEntry, StandingCommittee, Vote

STEPS = [("raise", gettext_lazy("Raise")), ("deliberate", gettext_lazy("Deliberate")), ("decide", gettext_lazy("Decide")),
         ("do", gettext_lazy("Do")), ("evaluate", gettext_lazy("Evaluate"))]
EVENT_LABELS = {
    "raised": gettext_lazy("Raised"), "on_agenda": gettext_lazy("Reached the support threshold: on the agenda"),
    "deliberating": gettext_lazy("Discussion opened"), "moderation": gettext_lazy("A reply was hidden by the moderator"),
    "option": gettext_lazy("Option added"), "vote_opened": gettext_lazy("Vote opened"), "decided": gettext_lazy("Decided by the vote"),
    "rejected": gettext_lazy("Rejected by the vote"), "vote_failed": gettext_lazy("The vote reached no decision"),
    "in_progress": gettext_lazy("Actions planned"), "actions_added": gettext_lazy("Actions added"), "done": gettext_lazy("Done"),
    "evaluated": gettext_lazy("Evaluated by residents"),
}
STEP_OF = {"raised": 0, "on_agenda": 1, "deliberating": 1, "voting": 2, "decided": 3, "rejected": 2, "in_progress": 3, "done": 4, "evaluated": 4}


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _dt(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        d = datetime.datetime.fromisoformat(value)
    except ValueError:
        return "bad"
    return timezone.make_aware(d) if timezone.is_naive(d) else d


def _date(value: str):
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _frac(value: str, default):
    try:
        n, d = (value or "").split("/")
        return int(n), int(d)
    except ValueError:
        return default


def _owner_orgs(community_id: int) -> list:
    """Who can own an action: the community's organisations (not the party groups below the committee) and the
    subdistrict's departments."""
    community = Community.objects.get(pk=community_id)
    return list(Organization.objects.filter(active=True).filter(Q(community_id=community_id) | Q(subdistrict_id=community.subdistrict_id,
                                                                                                 kind=Organization.Kind.DEPARTMENT))
                .exclude(kind=Organization.Kind.PARTY, party_level__in=["compound_branch", "grid_group", "member_household"]))


def _my_community(scope):
    ids = queries.staff_communities(scope)
    if ids:
        return Community.objects.get(pk=ids[0])
    person = services.person_of(scope)
    return person.community if person is not None and person.community_id else None


# ---------------------------------------------------------------- home and matters

@login_required
def home(request):
    scope = for_request(request)
    status = request.GET.get("status", "open")
    rows = list(queries.matters(scope, status)[:200])
    person = services.person_of(scope)
    return render(request, "meetings/home.html", {
        "matters": rows, "status": status, "is_staff": queries.is_staff(scope),
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
    return render(request, "meetings/ballots.html", {"vote": vote, "matter": vote.matter, "roll": roll, "errors": errors or [],
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


# ---------------------------------------------------------------- meetings

@login_required
def meeting_list(request):
    scope = for_request(request)
    community = _my_community(scope)
    staff = queries.is_staff(scope)
    ctx = {"meetings": list(queries.meetings(scope)[:100]), "staff": staff, "kinds": [k for k in Meeting.Kind.choices if k[0] != "whistle"],
           "committees": list(queries.committees(scope)), "values": {}, "errors": [],
           "chairs": list(Person.objects.filter(appointments__home_community=community).distinct()[:200]) if staff and community else [],
           "invitable_orgs": _owner_orgs(community.pk)[:100] if staff and community else []}
    if request.method == "POST":
        if not staff:
            raise PermissionDenied
        v = request.POST
        ctx["values"] = v
        committee = StandingCommittee.objects.filter(pk=v.get("committee") or 0, community=community).first()
        chair = next((p for p in ctx["chairs"] if str(p.pk) == v.get("chair")), None)
        starts = _dt(v.get("starts_at"))
        try:
            if starts in (None, "bad"):
                raise ValidationError({"starts_at": _("Time: required.")})
            invited = set(v.getlist("persons"))
            orgs = set(v.getlist("orgs"))
            m = services.schedule_meeting(scope, kind=v.get("kind", ""), community=community, title=v.get("title", ""), starts_at=starts,
                                          place=v.get("place", ""), chair=chair, committee=committee,
                                          persons=[p for p in ctx["chairs"] if str(p.pk) in invited],
                                          organizations=[o for o in ctx["invitable_orgs"] if str(o.pk) in orgs])
        except ValidationError as exc:
            ctx["errors"] = _errors(exc)
            return render(request, "meetings/meetings.html", ctx, status=400)
        messages.success(request, _("Meeting called; the agenda is built and the invitations are sent."))
        return redirect("meetings:meeting", m.pk)
    return render(request, "meetings/meetings.html", ctx)


@login_required
def meeting_detail(request, pk, errors=None, status=200):
    scope = for_request(request)
    m = queries.meeting(scope, pk)
    staff = services.is_staff_of(scope, m.community_id)
    services.refresh_agenda(m)  # what became overdue or reached the agenda since the meeting was called (until it is held)
    return render(request, "meetings/meeting.html", {
        "meeting": m, "staff": staff, "errors": errors or [], "agenda": list(m.agenda.select_related("matter", "case", "action")),
        "attendances": list(m.attendances.select_related("person", "organization")), "actions": list(m.actions.select_related("owner__person", "owner_org")),
        "statuses": [s for s in Meeting._meta.apps.get_model("meetings", "Attendance").Status.choices if s[0] != "invited"],
        "orgs": _owner_orgs(m.community_id) if staff else [],
        "staff_accounts": services._staff_accounts(m.community_id) if staff else [], "owner_kinds": Action.OwnerKind.choices,
    }, status=status)


@login_required
@require_POST
def meeting_minutes(request, pk):
    scope = for_request(request)
    m = queries.meeting(scope, pk)
    p = request.POST
    attendees = []
    for a in m.attendances.all():
        status = p.get(f"att_{a.pk}")
        if status:
            attendees.append({"person": a.person, "organization": a.organization, "name": a.name, "status": status,
                              "substitute_name": p.get(f"sub_{a.pk}", "")})
    try:
        services.record_minutes(scope, m, attendees=attendees, minutes=p.get("minutes", ""), resolutions=_action_rows(p, m.community_id))
    except ValidationError as exc:
        return meeting_detail(request, pk, errors=_errors(exc), status=400)
    messages.success(request, _("The meeting's record is saved."))
    return redirect("meetings:meeting", m.pk)


@login_required
@require_POST
def meeting_agenda_item(request, pk):
    scope = for_request(request)
    m = queries.meeting(scope, pk)
    try:
        services.add_agenda_item(scope, m, request.POST.get("title", ""))
    except ValidationError as exc:
        return meeting_detail(request, pk, errors=_errors(exc), status=400)
    messages.success(request, _("Agenda item added."))
    return redirect(reverse("meetings:meeting", args=[m.pk]) + "#agenda")


@login_required
def meeting_pdf(request, pk):
    m = queries.meeting(for_request(request), pk)
    resp = HttpResponse(services.meeting_pdf(m), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="meeting-{m.pk}.pdf"'
    return resp


@login_required
def committee_list(request):
    scope = for_request(request)
    if not queries.is_staff(scope):
        raise PermissionDenied
    community = _my_community(scope)
    errors = []
    orgs = list(Organization.objects.filter(active=True, community=community).exclude(kind=Organization.Kind.PARTY, party_level__in=[
        "compound_branch", "grid_group", "member_household"]))
    chairs = list(Person.objects.filter(Q(appointments__home_community=community) | Q(community=community, dwelling__isnull=False))
                  .distinct().order_by("name")[:500]) if community else []
    if request.method == "POST":
        p = request.POST
        members = []
        for i in range(1, 7):
            org = next((o for o in orgs if str(o.pk) == p.get(f"org_{i}")), None)
            if org is not None:
                members.append((org, next((c for c in chairs if str(c.pk) == p.get(f"chair_{i}")), None)))
        try:
            services.create_committee(scope, community=community, name=p.get("name", ""), members=members)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Standing committee created."))
            return redirect("meetings:committees")
    today = timezone.localdate()
    start = _date(request.GET.get("from")) or today.replace(month=1, day=1)
    end = _date(request.GET.get("to")) or today
    rows = []
    for c in queries.committees(scope):
        nxt = services.next_chair(c)
        rows.append({"committee": c, "members": list(c.members.select_related("organization", "chair_person")), "next": nxt,
                     "stats": services.committee_stats(c, start, end)})
    return render(request, "meetings/committees.html", {"rows": rows, "start": start, "end": end, "orgs": orgs, "chairs": chairs,
                                                         "errors": errors, "seats": range(1, 7)}, status=400 if errors else 200)


@login_required
@require_POST
def set_threshold(request):
    scope = for_request(request)
    community = _my_community(scope)
    if community is None or not services.is_staff_of(scope, community.pk):
        raise PermissionDenied
    try:
        services.set_support_threshold(scope, community, request.POST.get("support_threshold"))
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return redirect("meetings:home")
    messages.success(request, _("Support threshold saved."))
    return redirect("meetings:home")


@login_required
@require_POST
def meeting_cancel(request, pk):
    scope = for_request(request)
    m = queries.meeting(scope, pk)
    try:
        services.cancel_meeting(scope, m)
    except ValidationError as exc:
        return meeting_detail(request, pk, errors=_errors(exc), status=400)
    messages.success(request, _("The meeting is cancelled; it does not use up a turn of the rotation."))
    return redirect("meetings:meeting", m.pk)


# ---------------------------------------------------------------- reception day

@login_required
def reception(request, errors=None, status=200):
    scope = for_request(request)
    staff = queries.is_staff(scope)
    now = timezone.now()
    slots = list(queries.reception_slots(scope).filter(ends_at__gte=now - datetime.timedelta(days=30))[:100])
    person = services.person_of(scope)
    for s in slots:
        live = [b for b in s.bookings.all() if b.status != "cancelled"]
        s.free = s.capacity - len(live)
        s.mine = next((b for b in live if person is not None and b.person_id == person.pk), None)
        s.live = live
    return render(request, "meetings/reception.html", {"slots": slots, "staff": staff, "errors": errors or [], "now": now,
                                                       "may_book": person is not None and person.dwelling_id is not None}, status=status)


@login_required
@require_POST
def reception_publish(request):
    scope = for_request(request)
    community = _my_community(scope)
    p = request.POST
    try:
        starts, ends = _dt(p.get("starts_at")), _dt(p.get("ends_at"))
        if starts in (None, "bad") or ends in (None, "bad"):
            raise ValidationError({"starts_at": _("Time: required.")})
        if community is None:
            raise PermissionDenied
        services.publish_slot(scope, community=community, starts_at=starts, ends_at=ends, place=p.get("place", ""), capacity=p.get("capacity") or 1)
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("Reception slot published."))
    return redirect("meetings:reception")


@login_required
@require_POST
def reception_book(request, slot_id):
    scope = for_request(request)
    slot = get_object_or_404(queries.reception_slots(scope), pk=slot_id)
    try:
        services.book(scope, slot, request.POST.get("topic", ""))
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("Booked. The secretary will see you then."))
    return redirect("meetings:reception")


@login_required
@require_POST
def reception_cancel(request, booking_id):
    scope = for_request(request)
    booking = get_object_or_404(Booking.objects.filter(slot__in=queries.reception_slots(scope)), pk=booking_id)
    try:
        services.cancel_booking(scope, booking)
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("The booking is cancelled; the seat is free again."))
    return redirect("meetings:reception")


@login_required
@require_POST
def reception_outcome(request, booking_id):
    scope = for_request(request)
    booking = get_object_or_404(Booking.objects.filter(slot__in=queries.reception_slots(scope)), pk=booking_id)
    p = request.POST
    try:
        services.record_outcome(scope, booking, p.get("outcome", ""), open_case=p.get("open_case") == "on", open_matter=p.get("open_matter") == "on")
    except ValidationError as exc:
        return reception(request, errors=_errors(exc), status=400)
    messages.success(request, _("Outcome recorded."))
    return redirect("meetings:reception")
