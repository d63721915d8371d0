"""Meetings: the list, a meeting with its agenda, minutes and PDF record, standing committees, the support threshold,
cancelling."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.people.models import Organization
from linli.people.scopes import for_request

from .. import queries, services
from ..models import Action, Meeting, StandingCommittee
from .council import _action_rows
from .common import _date, _dt, _errors, _my_community, _owner_orgs

LIST_PAGE = 50  # meetings a page


# ---------------------------------------------------------------- meetings

@login_required
def meeting_list(request):
    scope = for_request(request)
    community = _my_community(scope)
    staff = queries.is_staff(scope)
    page = Paginator(queries.meetings(scope), LIST_PAGE).get_page(request.GET.get("page"))
    ctx = {"meetings": page.object_list, "page_obj": page, "staff": staff, "kinds": [k for k in Meeting.Kind.choices if k[0] != "whistle"],
           "committees": list(queries.committees(scope)), "values": {}, "errors": [],
           "chairs": queries.meeting_people_choices(community) if staff else [],
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
    chairs = queries.committee_chair_choices(community)
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
    # the same list of people in each of the six seats: its <option>s built once, not rendered six times by the template
    chair_options = format_html_join("", '<option value="{}">{}</option>', ((c.pk, c.name) for c in chairs))
    return render(request, "meetings/committees.html", {"rows": rows, "start": start, "end": end, "orgs": orgs, "chair_options": chair_options,
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
