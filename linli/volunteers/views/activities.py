"""Pages: activities, the check-in desk and rotating code, certifying hours, the yearly plan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import OutOfScope
from linli.people import queries as people_queries
from linli.people.models import Person
from linli.people.scopes import for_request

from .. import queries, services
from ..models import Activity, PlanItem, ServiceRecord, SignUp, TargetGroup, Team, Volunteer
from ._common import _community, _dt, _person, _run, _staff_or_403


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


def _desk_people(act, volunteers_only=False):
    """Whom the desk may sign up: approved volunteers for a volunteer activity, residents of the community otherwise."""
    if volunteers_only or act.audience == Activity.Audience.VOLUNTEERS:
        return Person.objects.filter(volunteerships__community=act.community,
                                     volunteerships__status=Volunteer.Status.APPROVED).order_by("name", "pk")
    return Person.objects.filter(community=act.community, status=Person.Status.LIVING_HERE).order_by("name", "pk")


def _paper_choices(request, act) -> dict:
    """Whom the paper sheet's hours may go to: the approved volunteers signed up for the activity, and those the desk
    found by name, mobile or ID number (`vwho`). A community may have thousands: no select of them all."""
    approved = act.community.volunteers.filter(status=Volunteer.Status.APPROVED).select_related("person").order_by("person__name", "pk")
    vwho = request.GET.get("vwho", "")
    found = people_queries.resident_candidates(_desk_people(act, volunteers_only=True), vwho)
    signed = act.signups.exclude(status=SignUp.Status.CANCELLED).values("person_id")
    return {"vwho": vwho, "paper_found": list(approved.filter(person__in=[p.pk for p in found])),
            "paper_signed": list(approved.filter(person__in=signed))}


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
        who = request.GET.get("who", "")
        ctx.update(**_code_box(request, act), who=who, max_candidates=people_queries.CANDIDATES,
                   candidates=people_queries.resident_candidates(_desk_people(act).exclude(activity_signups__activity=act), who),
                   **_paper_choices(request, act),
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
    if action == "desk-signup":  # staff sign up a resident at the desk: choose, then confirm on a page naming them
        _staff_or_403(request, act.community)
        person = _desk_people(act).filter(pk=request.POST.get("person") or 0).first()
        if person is not None and request.POST.get("confirm") != "yes":
            return render(request, "volunteers/desk_confirm.html", {"a": act, "person": person})
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
