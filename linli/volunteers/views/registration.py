"""Pages: the volunteers home, registration, approvals and the register (xlsx), a volunteer, teams."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext
from django.views.decorators.http import require_POST

from linli.core import excel
from linli.people.models import Organization, Person
from linli.people.scopes import for_request

from .. import queries, services
from ..models import LedgerAccount, Posting, Redemption, ServiceRecord, SignUp, TargetGroup, Team, TeamMembership, Volunteer
from ._common import _community, _community_staff_or_403, _my_volunteer, _person, _postings_page, _run, _staff_or_403


REGISTER_PAGE = 50  # registered volunteers a page on the approvals desk (the whole register: the Excel export)

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
    page = Paginator(queries.volunteers(scope, community).exclude(status="pending"), REGISTER_PAGE).get_page(request.GET.get("page"))
    return render(request, "volunteers/approvals.html", {"community": community, "pending": queries.pending(scope, community),
                                                         "volunteers": page.object_list, "page_obj": page,
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
               _("Hours"), _("Services"), _("Balance"), pgettext("volunteers", "Registered on")]
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
        **_postings_page(request, account),
        "memberships": v.memberships.select_related("team")})


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
