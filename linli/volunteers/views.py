"""Volunteer pages. Thin: scope → query or service → render. A service's ValidationError comes back as a
message naming the field and the page is shown again; OutOfScope is a 403; ids outside the scope are 404."""

import datetime
import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import excel, pdf
from linli.core.errors import OutOfScope
from linli.people.models import Organization, Person
from linli.people.scopes import for_request
from linli.places.models import Community

from . import queries, services
from .models import (Activity, Award, LedgerAccount, MenuItem, PlanItem, Posting, Redemption, ServiceOrder, ServiceRecord, ShopItem, SignUp,
                     StockTake, TargetGroup, Team, TeamMembership, Volunteer, Wish)


# ---------------------------------------------------------------- helpers

def _errors(request, exc: ValidationError) -> None:
    for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]):
        for m in msgs:
            messages.error(request, m)


def _run(request, call, ok: str = ""):
    """Call a service; a refusal becomes an error message. Returns the result or None."""
    try:
        result = call()
    except ValidationError as exc:
        _errors(request, exc)
        return None
    if ok:
        messages.success(request, ok)
    return result


def _person(request):
    return getattr(request.user, "person", None)


def _community(request):
    """The community a page is about: where the user works as staff, else where they live."""
    scope = for_request(request)
    wanted = request.GET.get("community") or request.POST.get("community")
    if wanted and str(wanted).isdigit():
        c = Community.objects.filter(pk=int(wanted)).first()
        if c and (services.is_staff(scope, c) or getattr(_person(request), "community_id", None) == c.pk):
            return c
    for cid in sorted(scope.community_ids):
        c = Community.objects.filter(pk=cid).first()
        if c and services.is_staff(scope, c):
            return c
    person = _person(request)
    if person and person.community_id:
        return person.community
    if scope.everything:
        return Community.objects.order_by("pk").first()
    return None


def _staff_or_403(request, community):
    if not services.is_staff(for_request(request), community):
        raise PermissionDenied(_("Only the community's staff may do this."))


def _community_staff_or_403(request, community):
    if not services.is_community_staff(for_request(request), community):
        raise PermissionDenied(_("Only the community's staff may do this."))


def _my_volunteer(request, community):
    person = _person(request)
    if person is None or community is None:
        return None
    return Volunteer.objects.filter(person=person, community=community).first()


def _dt(value):
    if not value:
        return None
    dt = parse_datetime(value)
    if dt is not None and timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    return dt


# ---------------------------------------------------------------- home and registration

@login_required
def home(request):
    scope = for_request(request)
    community = _community(request)
    staff = bool(community) and services.is_staff(scope, community)
    me = _my_volunteer(request, community)
    ctx = {"community": community, "staff": staff, "me": me, "TargetGroup": TargetGroup,
           "community_staff": bool(community) and services.is_community_staff(scope, community)}
    if me is not None and me.status == Volunteer.Status.APPROVED:
        account = services.account_of(me)
        ctx.update(balance=account.balance, hours=queries.hours_of(me),
                   my_signups=SignUp.objects.filter(person=me.person).exclude(status=SignUp.Status.CANCELLED)
                   .filter(activity__ends_at__gte=timezone.now() - datetime.timedelta(days=1)).select_related("activity"))
    ctx["co_organised"] = queries.co_organised(scope)[:8]
    if community is not None:
        ctx["activities"] = queries.upcoming(community)[:8]
        ctx["open_wishes"] = queries.open_wishes(community).count()
    if staff:
        ctx.update(pending=queries.pending(scope, community).count(),
                   to_certify=ServiceRecord.objects.filter(community=community, certified_at__isnull=True).count(),
                   reservations=Redemption.objects.filter(community=community, status=Redemption.Status.RESERVED).count(),
                   party=queries.party_counts(community),
                   volunteer_count=Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED).count())
    return render(request, "volunteers/home.html", ctx)


@login_required
def register(request):
    person = _person(request)
    if person is None:
        raise PermissionDenied(_("Only a signed-in resident can do this."))
    community = person.community
    units = Organization.objects.filter(kind__in=[Organization.Kind.CO_BUILDING, Organization.Kind.SOCIAL, Organization.Kind.PROPERTY_COMPANY],
                                        community=community, active=True) if community else Organization.objects.none()
    party_orgs = Organization.objects.filter(kind=Organization.Kind.PARTY, community=community) if community else Organization.objects.none()
    if request.method == "POST":
        p = request.POST
        v = _run(request, lambda: services.register(
            for_request(request), person=person, community=community, skills=p.get("skills", ""), availability=p.get("availability", ""),
            target_groups=p.getlist("target_groups"), party_member=p.get("party_member") == "on",
            party_org=party_orgs.filter(pk=p.get("party_org") or 0).first(),
            organization=units.filter(pk=p.get("organization") or 0).first()), _("Registered: the community will review it."))
        if v is not None:
            return redirect("volunteers:home")
    return render(request, "volunteers/register.html", {"groups": TargetGroup.choices, "units": units, "party_orgs": party_orgs,
                                                        "me": _my_volunteer(request, community), "post": request.POST})


@login_required
def approvals(request):
    community = _community(request)
    _community_staff_or_403(request, community)
    scope = for_request(request)
    if request.method == "POST":  # the desk registers a resident who has no phone (then approves as usual)
        person = _desk_candidates(scope, community).filter(pk=request.POST.get("person") or 0).first()
        if person is None:
            messages.error(request, _("Resident: choose a resident of this community who is not registered yet."))
        else:
            _run(request, lambda: services.register(scope, person=person, community=community, skills=request.POST.get("skills", "")),
                 _("%(name)s is registered and awaits approval.") % {"name": person.name})
        return redirect("volunteers:approvals")
    q = request.GET.get("q", "").strip()
    return render(request, "volunteers/approvals.html", {"community": community, "pending": queries.pending(scope, community),
                                                         "volunteers": queries.volunteers(scope, community).exclude(status="pending")[:200],
                                                         "q": q, "candidates": _desk_candidates(scope, community).filter(name__contains=q)[:20] if q else []})


def _desk_candidates(scope, community):
    """Residents of the community the caller may read who hold no registration here yet."""
    return (scope.filter(Person.objects.filter(community=community, status=Person.Status.LIVING_HERE), "read")
            .exclude(volunteerships__community=community).select_related("dwelling__building__compound", "dwelling__entrance")
            .order_by("name", "pk"))


@login_required
def register_xlsx(request):
    """The volunteer register as an Excel workbook (communities keep their registers in Excel)."""
    community = _community(request)
    _staff_or_403(request, community)
    headers = [_("Name"), _("Status"), _("Skills"), _("Availability"), _("Groups served"), _("Party organisation"), _("Co-building unit"),
               _("Hours"), _("Services"), _("Balance"), _("Registered on")]
    body = excel.write_xlsx(headers, queries.register_rows(community), title=_("Volunteers"))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="volunteers-{community.pk}.xlsx"'
    return response


@login_required
@require_POST
def decide(request, pk):
    v = get_object_or_404(for_request(request).filter(Volunteer.objects.all(), "write"), pk=pk)
    approve = request.POST.get("decision") == "approve"
    _run(request, lambda: services.decide(for_request(request), v, approve=approve, note=request.POST.get("note", "")),
         _("Approved.") if approve else _("Rejected."))
    return redirect("volunteers:approvals")


@login_required
def volunteer(request, pk):
    """Staff: one volunteer's registration, teams, hours and points book, with corrections (new postings, never edits)."""
    scope = for_request(request)
    v = get_object_or_404(scope.filter(Volunteer.objects.select_related("person", "party_org", "organization"), "read"), pk=pk)
    staff = services.is_community_staff(scope, v.community)
    if request.method == "POST":
        _community_staff_or_403(request, v.community)
        p = request.POST
        if p.get("what") == "correct":
            posting = get_object_or_404(Posting, pk=p.get("posting") or 0, community=v.community)
            _run(request, lambda: services.correct(scope, posting, amount=p.get("amount") or 0, reason=p.get("reason", "")),
                 _("Correction posted."))
        elif p.get("what") == "suspend":
            _run(request, lambda: services.suspend(scope, v, note=p.get("note", "")), _("Suspended."))
        return redirect("volunteers:volunteer", v.pk)
    account = LedgerAccount.objects.filter(volunteer=v).first()
    return render(request, "volunteers/volunteer.html", {
        "v": v, "staff": staff, "account": account, "hours": queries.hours_of(v),
        "postings": queries.postings_of(account)[:200] if account else [],
        "memberships": v.memberships.select_related("team"), "records": v.service_records.select_related("activity", "order__item")[:50]})


@login_required
def teams(request):
    community = _community(request)
    _staff_or_403(request, community)
    scope = for_request(request)
    if request.method == "POST":
        p = request.POST
        what = p.get("what")
        approved = Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED)
        if what == "create":
            _run(request, lambda: services.create_team(scope, community, name=p.get("name", ""), lead=approved.filter(pk=p.get("lead") or 0).first(),
                                                       services=p.get("services", ""), channel=p.get("channel", "")), _("Team created."))
        elif what == "join":
            team = get_object_or_404(Team, pk=p.get("team") or 0, community=community)
            v = get_object_or_404(Volunteer, pk=p.get("volunteer") or 0, community=community)
            _run(request, lambda: services.join_team(scope, team, v), _("Added to the team."))
        elif what == "leave":
            m = get_object_or_404(TeamMembership, pk=p.get("membership") or 0, team__community=community)
            _run(request, lambda: services.leave_team(scope, m), _("Membership ended."))
        return redirect("volunteers:teams")
    return render(request, "volunteers/teams.html", {
        "community": community, "teams": Team.objects.filter(community=community).select_related("lead__person", "organization")
        .prefetch_related("memberships__volunteer__person"),
        "volunteers": Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED).select_related("person")})


# ---------------------------------------------------------------- activities

@login_required
def activities(request):
    community = _community(request)
    if community is None:
        raise Http404
    staff = services.is_staff(for_request(request), community)
    if request.method == "POST":
        _staff_or_403(request, community)
        p = request.POST
        a = _run(request, lambda: services.create_activity(
            for_request(request), community, title=p.get("title", ""), place=p.get("place", ""), starts_at=_dt(p.get("starts_at")),
            ends_at=_dt(p.get("ends_at")), capacity=p.get("capacity") or 0, kind=p.get("kind", "other"), audience=p.get("audience", "volunteers"),
            points_per_hour=p.get("points_per_hour") or 0, target_group=p.get("target_group", "everyone"),
            waitlist_size=p.get("waitlist_size") or 0, description=p.get("description", ""),
            organisers=services.co_organiser_choices(community).filter(pk__in=[x for x in p.getlist("organisers") if x.isdigit()]),
            team=Team.objects.filter(community=community, pk=p.get("team") or 0).first()),
            _("Activity created."))
        if a is not None:
            return redirect("volunteers:activity", a.pk)
    return render(request, "volunteers/activities.html", {
        "community": community, "staff": staff, "activities": queries.upcoming(community, days_back=30),
        "kinds": Activity.Kind.choices, "audiences": Activity.Audience.choices, "groups": TargetGroup.choices,
        "orgs": services.co_organiser_choices(community), "teams": Team.objects.filter(community=community), "post": request.POST,
        "chosen": request.POST.getlist("organisers")})


def _desk_people(act):
    """Whom the desk may sign up: approved volunteers for a volunteer activity, residents of the community otherwise."""
    if act.audience == Activity.Audience.VOLUNTEERS:
        return Person.objects.filter(volunteerships__community=act.community,
                                     volunteerships__status=Volunteer.Status.APPROVED).order_by("name", "pk")
    return Person.objects.filter(community=act.community, status=Person.Status.LIVING_HERE).order_by("name", "pk")


def _activity(request, pk):
    return get_object_or_404(queries.visible_activities(for_request(request)), pk=pk)


@login_required
def activity(request, pk):
    act = _activity(request, pk)
    staff = services.is_staff(for_request(request), act.community)
    person = _person(request)
    mine = SignUp.objects.filter(activity=act, person=person).first() if person else None
    if act.audience == Activity.Audience.VOLUNTEERS:
        can_sign_up = services.approved_volunteer(person, act.community_id) is not None
    else:
        can_sign_up = person is not None and person.community_id == act.community_id
    ctx = {"a": act, "staff": staff, "mine": mine, "att": queries.attendance(act), "organisers": act.organisers.all(),
           "may_certify": staff and services.may_certify_activity(for_request(request), act),
           "over": act.ends_at <= timezone.now(), "can_sign_up": can_sign_up and act.ends_at > timezone.now() and not act.cancelled}
    if staff:
        ctx.update(**_code_box(request, act), desk_people=_desk_people(act).exclude(activity_signups__activity=act)[:300],
                   desk_volunteers=act.community.volunteers.filter(status=Volunteer.Status.APPROVED).select_related("person").order_by("person__name")[:300],
                   signups=act.signups.exclude(status=SignUp.Status.CANCELLED).select_related("person"),
                   records=act.service_records.select_related("volunteer__person"))
    return render(request, "volunteers/activity.html", ctx)


@login_required
def activity_code(request, pk):
    """The organiser's rotating code (the page reloads it every few seconds)."""
    act = get_object_or_404(Activity, pk=pk)
    _staff_or_403(request, act.community)
    return render(request, "volunteers/_code.html", {"a": act, **_code_box(request, act)})


def _code_box(request, act) -> dict:
    """The current code, its seconds left, and a QR of the check-in link carrying it (a volunteer's camera opens the
    activity page with the code filled in)."""
    from linli.core.qr import svg

    code = services.code_at(act)
    link = request.build_absolute_uri(f"{reverse('volunteers:activity', args=[act.pk])}?code={code}")
    return {"code": code, "seconds": services.seconds_left(), "code_link": link, "qr": svg(link, title=str(_("Scan to check in")))}


@login_required
@require_POST
def activity_action(request, pk, action):
    act = _activity(request, pk)
    scope = for_request(request)
    code = request.POST.get("code", "")
    calls = {
        "signup": (lambda: services.sign_up(scope, act), None),
        "checkin": (lambda: services.check_in(scope, act, code), _("Checked in.")),
        "checkout": (lambda: services.check_out(scope, act, code), _("Checked out: the organiser will certify your hours.")),
    }
    if action == "desk-signup":  # staff sign up a resident at the desk
        person = _desk_people(act).filter(pk=request.POST.get("person") or 0).first()
        result = _run(request, lambda: services.sign_up(scope, act, person=person), None) if person else None
        if person is None:
            messages.error(request, _("Person: choose someone from the list."))
        elif result is not None:
            messages.success(request, _("%(name)s has a place.") % {"name": person.name} if result.status == SignUp.Status.CONFIRMED
                             else _("%(name)s is on the waiting list.") % {"name": person.name})
    elif action == "paper-hours":  # hours from the paper sign-in sheet (补录)
        v = Volunteer.objects.filter(community=act.community, pk=request.POST.get("volunteer") or 0).first()
        if v is None:
            messages.error(request, _("Volunteer: choose someone from the list."))
        else:
            _run(request, lambda: services.record_hours(scope, act, v, minutes=request.POST.get("minutes")),
                 _("Hours recorded; certify them below."))
    elif action == "call-off":
        _run(request, lambda: services.cancel_activity(scope, act, reason=request.POST.get("reason", "")), _("The activity is called off."))
    elif action == "cancel":
        mine = get_object_or_404(SignUp, activity=act, person=_person(request))
        _run(request, lambda: services.cancel_signup(scope, mine), _("Sign-up cancelled."))
    elif action in calls:
        result = _run(request, calls[action][0], calls[action][1])
        if action == "signup" and result is not None:
            messages.success(request, _("You have a place.") if result.status == SignUp.Status.CONFIRMED else _("The activity is full: you are on the waiting list."))
    else:
        raise Http404
    return redirect("volunteers:activity", act.pk)


@login_required
@require_POST
def certify(request, pk):
    rec = get_object_or_404(ServiceRecord, pk=pk)
    _staff_or_403(request, rec.community)
    try:
        _run(request, lambda: services.certify(for_request(request), rec, minutes=request.POST.get("minutes"), rating=request.POST.get("rating")),
             _("Hours certified; the points were posted."))
    except OutOfScope as exc:  # a team lead of another team: told why on the page they came from
        messages.error(request, str(exc))
    if rec.activity_id:
        return redirect("volunteers:activity", rec.activity_id)
    return redirect("volunteers:menu")


@login_required
def plan(request):
    community = _community(request)
    if community is None:
        raise Http404
    staff = services.is_staff(for_request(request), community)
    year = int(request.GET.get("year") or timezone.localdate().year)
    if request.method == "POST":
        _staff_or_403(request, community)
        p = request.POST
        if p.get("link"):
            item = get_object_or_404(PlanItem, pk=p.get("link"), community=community)
            act = get_object_or_404(Activity, pk=p.get("activity") or 0, community=community)
            _run(request, lambda: services.link_plan_item(for_request(request), item, act), _("Linked."))
        else:
            _run(request, lambda: services.add_plan_item(for_request(request), community, year=p.get("year") or year, month=p.get("month") or 0,
                                                        title=p.get("title", ""), kind=p.get("kind", "other")), _("Added to the plan."))
        return redirect(reverse("volunteers:plan") + f"?year={year}")
    return render(request, "volunteers/plan.html", {"community": community, "staff": staff, "year": year, "kinds": Activity.Kind.choices,
                                                    "months": range(1, 13), **queries.plan(community, year),
                                                    "acts": Activity.objects.filter(community=community, starts_at__year=year)})


# ---------------------------------------------------------------- points and shop

@login_required
def points(request):
    community = _community(request)
    me = _my_volunteer(request, community)
    if me is None or me.status != Volunteer.Status.APPROVED:
        messages.info(request, _("Register as a volunteer first: points are kept for approved volunteers."))
        return redirect("volunteers:home")
    account = services.account_of(me)
    return render(request, "volunteers/points.html", {"me": me, "account": account, "hours": queries.hours_of(me),
                                                      "postings": queries.postings_of(account)[:200],
                                                      "records": me.service_records.select_related("activity", "order__item")[:50],
                                                      "awards": me.awards.all()})


def _points_book_pdf(v: Volunteer) -> HttpResponse:
    """The volunteer's points book (积分簿) as PDF: every posting oldest first with the running balance."""
    account = services.account_of(v)
    running, rows = 0, []
    for p in reversed(list(queries.postings_of(account))):
        signed = p.amount if p.to_account_id == account.pk else -p.amount
        running += signed
        rows.append([timezone.localtime(p.at).strftime("%Y-%m-%d %H:%M"), str(p.get_kind_display()), p.reason,
                     f"{signed:+d}", str(running)])
    table = [[_("Time"), _("Kind"), _("Reason"), _("Points"), _("Balance")]] + rows
    sections = [pdf.Section(_("Summary"), rows=[(_("Community"), v.community.name), (_("Balance"), str(account.balance)),
                                                (_("Hours served"), str(queries.hours_of(v)))]),
                pdf.Section(_("Postings"), table=table)]
    body = pdf.render(_("Points book of %(name)s") % {"name": v.person.name}, sections,
                      subtitle=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                      footer=_("Every line is a posting between two accounts; corrections are new lines, never edits."))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="points-{v.pk}.pdf"'
    return response


@login_required
def points_pdf(request):
    me = _my_volunteer(request, _community(request))
    if me is None or me.status != Volunteer.Status.APPROVED:
        raise Http404
    return _points_book_pdf(me)


@login_required
def volunteer_pdf(request, pk):
    v = get_object_or_404(for_request(request).filter(Volunteer.objects.select_related("person", "community"), "read"), pk=pk)
    return _points_book_pdf(v)


@login_required
def shop(request):
    community = _community(request)
    if community is None:
        raise Http404
    me = _my_volunteer(request, community)
    if request.method == "POST":
        item = get_object_or_404(ShopItem, pk=request.POST.get("item") or 0, community=community)
        if me is None:
            messages.error(request, _("Volunteer: you are not an approved volunteer of this community."))
        else:
            _run(request, lambda: services.redeem(for_request(request), me, item, quantity=request.POST.get("quantity") or 1,
                                                  token=request.POST.get("token", "")), _("Reserved: collect it at the charity shop."))
        return redirect("volunteers:shop")
    ctx = {"community": community, "me": me, "items": ShopItem.objects.filter(community=community, active=True),
           "token": secrets.token_hex(12), "staff": services.is_staff(for_request(request), community)}
    if me is not None and me.status == Volunteer.Status.APPROVED:
        ctx.update(balance=services.account_of(me).balance, mine=me.redemptions.select_related("item")[:30])
    return render(request, "volunteers/shop.html", ctx)


@login_required
@require_POST
def cancel_reservation(request, pk):
    r = get_object_or_404(Redemption, pk=pk)
    person = _person(request)
    if not (person and r.volunteer.person_id == person.pk) and not services.is_staff(for_request(request), r.volunteer.community):
        raise Http404
    _run(request, lambda: services.cancel_redemption(for_request(request), r), _("Reservation cancelled; the points are back."))
    return redirect(request.POST.get("next") or "volunteers:shop")


@login_required
def counter(request):
    community = _community(request)
    _staff_or_403(request, community)
    scope = for_request(request)
    if request.method == "POST":
        p = request.POST
        what = p.get("what")
        if what == "redeem":
            v = get_object_or_404(Volunteer, pk=p.get("volunteer") or 0, community=community)
            item = get_object_or_404(ShopItem, pk=p.get("item") or 0, community=community)
            _run(request, lambda: services.redeem(scope, v, item, quantity=p.get("quantity") or 1, channel="counter", token=p.get("token", "")),
                 _("Handed over."))
        elif what == "collect":
            r = get_object_or_404(Redemption, pk=p.get("redemption") or 0, community=community)
            _run(request, lambda: services.collect(scope, r), _("Collected."))
        elif what == "stock":
            item = get_object_or_404(ShopItem, pk=p.get("item") or 0, community=community)
            _run(request, lambda: services.stock_take(scope, item, counted=p.get("counted"), note=p.get("note", "")), _("Stock counted."))
        elif what == "add":
            _run(request, lambda: services.add_item(scope, community, name=p.get("name", ""), price=p.get("price"), stock=p.get("stock") or 0,
                                                    kind=p.get("kind", "goods")), _("Item added."))
        return redirect("volunteers:counter")
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    return render(request, "volunteers/counter.html", {
        "community": community, "day": day, "today": queries.day_redemptions(community, day),
        "reserved": Redemption.objects.filter(community=community, status=Redemption.Status.RESERVED).select_related("item", "volunteer__person"),
        "items": ShopItem.objects.filter(community=community), "kinds": ShopItem.Kind.choices, "token": secrets.token_hex(12),
        "volunteers": Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED).select_related("person"),
        "takes": StockTake.objects.filter(item__community=community).select_related("item")[:20],
        "shop_balance": services.house_account(community, LedgerAccount.Kind.SHOP).balance})


# ---------------------------------------------------------------- wishes, menus, awards

@login_required
def wishes(request):
    community = _community(request)
    if community is None:
        raise Http404
    scope = for_request(request)
    in_need = _residents_in_need(scope, community)
    if request.method == "POST":
        for_person = in_need.filter(pk=request.POST.get("person") or 0).first() if request.POST.get("person") else None
        if request.POST.get("person") and for_person is None:
            messages.error(request, _("Resident: not one you may post a wish for."))
            return redirect("volunteers:wishes")
        w = _run(request, lambda: services.post_wish(scope, text=request.POST.get("text", ""), person=for_person), _("Your micro-wish is posted."))
        if w is not None:
            return redirect("volunteers:wish", w.pk)
        return redirect("volunteers:wishes")
    person = _person(request)
    return render(request, "volunteers/wishes.html", {
        "community": community, "open": queries.open_wishes(community),
        "mine": Wish.objects.filter(person=person) if person else [],
        "claimed": Wish.objects.filter(claimed_by__person=person).exclude(status=Wish.Status.OPEN) if person else [],
        "staff": services.is_staff(scope, community), "in_need": in_need})


def _residents_in_need(scope, community):
    """For grid workers and staff posting a wish for someone: residents they may write with a care tag or aged 60+."""
    if not scope.can_write_anything(Person):
        return Person.objects.none()
    old = timezone.localdate().replace(year=timezone.localdate().year - 60)
    qs = Person.objects.filter(community=community, status=Person.Status.LIVING_HERE).filter(Q(tags__isnull=False) | Q(birth_date__lte=old))
    return scope.filter(qs, "write").distinct().order_by("name", "pk").select_related("dwelling__building__compound", "dwelling__entrance")


@login_required
def wish(request, pk):
    w = get_object_or_404(Wish.objects.select_related("person", "claimed_by__person", "claimed_org"), pk=pk)
    scope = for_request(request)
    person = _person(request)
    own = person is not None and person.pk == w.person_id
    staff = services.is_staff(scope, w.community)
    member = person is not None and (person.community_id == w.community_id or Volunteer.objects.filter(person=person, community=w.community).exists())
    if not (own or staff or member or scope.allows(w)):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "claim":
            org = Organization.objects.filter(pk=request.POST.get("organization") or 0, community=w.community).first()
            _run(request, lambda: services.claim_wish(scope, w, organization=org), _("Claimed: thank you."))
        elif action == "fulfil":
            _run(request, lambda: services.fulfil_wish(scope, w, note=request.POST.get("note", ""), photo=request.FILES.get("photo")),
                 _("Marked as fulfilled."))
        elif action == "thank":
            _run(request, lambda: services.thank_wish(scope, w, text=request.POST.get("thanks", "")), _("Thank you sent."))
        return redirect("volunteers:wish", w.pk)
    return render(request, "volunteers/wish.html", {
        "w": w, "own": own, "staff": staff, "show_name": own or staff or scope.allows(w),
        "volunteer": services.approved_volunteer(person, w.community_id),
        "may_fulfil": services._may_fulfil(scope, w), "orgs": Organization.objects.filter(community=w.community, kind=Organization.Kind.CO_BUILDING)})


@login_required
def menu(request):
    community = _community(request)
    if community is None:
        raise Http404
    scope = for_request(request)
    person = _person(request)
    staff = services.is_staff(scope, community)
    if request.method == "POST":
        p = request.POST
        action = p.get("action")
        if action == "order":
            item = get_object_or_404(MenuItem, pk=p.get("item") or 0, community=community)
            _run(request, lambda: services.order_service(scope, item, note=p.get("note", "")), _("Ordered: a volunteer will contact you through the community."))
        elif action == "claim":
            order = get_object_or_404(ServiceOrder, pk=p.get("order") or 0, community=community)
            _run(request, lambda: services.claim_order(scope, order), _("The task is yours."))
        elif action == "done":
            order = get_object_or_404(ServiceOrder, pk=p.get("order") or 0, community=community)
            _run(request, lambda: services.complete_order(scope, order, minutes=p.get("minutes")), _("Done: the community will certify your hours."))
        elif action == "add":
            _run(request, lambda: services.add_menu_item(scope, community, target_group=p.get("target_group", ""), title=p.get("title", ""),
                                                         description=p.get("description", "")), _("Added to the menu."))
        return redirect("volunteers:menu")
    groups = []
    items = list(queries.service_menu(community))
    for value, label in TargetGroup.choices:
        these = [i for i in items if i.target_group == value]
        if these:
            groups.append((label, these))
    volunteer = services.approved_volunteer(person, community.pk)
    return render(request, "volunteers/menu.html", {
        "community": community, "groups": groups, "staff": staff, "volunteer": volunteer, "TargetGroup": TargetGroup.choices,
        "my_orders": ServiceOrder.objects.filter(person=person).select_related("item") if person else [],
        "open_orders": ServiceOrder.objects.filter(community=community, status=ServiceOrder.Status.REQUESTED).select_related("item") if (volunteer or staff) else [],
        "my_tasks": ServiceOrder.objects.filter(volunteer=volunteer).select_related("item", "person") if volunteer else [],
        "to_certify": ServiceRecord.objects.filter(community=community, order__isnull=False, certified_at__isnull=True).select_related("order__item", "volunteer__person")
        if services.is_community_staff(scope, community) else []})


@login_required
def awards(request):
    community = _community(request)
    _community_staff_or_403(request, community)
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today.replace(month=1, day=1)
    end = parse_date(request.GET.get("end") or "") or today
    measure = request.GET.get("by") or "score"
    if request.method == "POST":
        p = request.POST
        v = get_object_or_404(Volunteer, pk=p.get("volunteer") or 0, community=community)
        _run(request, lambda: services.give_award(for_request(request), v, title=p.get("title", ""), level=p.get("level", ""),
                                                  period_start=parse_date(p.get("start") or ""), period_end=parse_date(p.get("end") or ""),
                                                  points=p.get("points") or 0), _("Awarded; the points were posted."))
        return redirect(reverse("volunteers:awards") + "?" + urlencode({"start": start, "end": end, "by": measure}))
    try:
        rows = queries.ranking(community, start, end, measure)
    except ValidationError as exc:  # an unknown measure in the address: say so, rank by the composite score
        _errors(request, exc)
        measure, rows = "score", queries.ranking(community, start, end)
    return render(request, "volunteers/awards.html", {
        "community": community, "start": start, "end": end, "rows": rows,
        "measure": measure, "measures": [(k, label) for k, (label, _rule) in queries.MEASURES.items()], "rule": queries.MEASURES[measure][1],
        "levels": Award.Level.choices, "given": Award.objects.filter(community=community).select_related("volunteer__person")[:50]})


# ---------------------------------------------------------------- public disclosure

def public(request, community_id):
    """No sign-in: the community's volunteer teams and the channels residents can use. No personal data."""
    community = get_object_or_404(Community, pk=community_id)
    wish_counts = {s: Wish.objects.filter(community=community, status=s).count() for s in (Wish.Status.OPEN, Wish.Status.THANKED)}
    return render(request, "volunteers/public.html", {
        "community": community, "teams": queries.public_teams(community),
        "volunteer_count": Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED).count(),
        "menu": queries.service_menu(community),
        "activities": queries.upcoming(community).filter(starts_at__gte=timezone.now() - datetime.timedelta(hours=12))[:10],
        "open_wishes": wish_counts[Wish.Status.OPEN], "thanked_wishes": wish_counts[Wish.Status.THANKED]})
