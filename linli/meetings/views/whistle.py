"""The whistle meeting on the case page (召开会议 / 落实决议, the meeting step of 吹哨报到): this app owns it and joins the
case page through linli.cases.hooks — `case_panel` adds the meetings held on the case, the progress forms of their
resolutions and the meeting form; `record_meeting` and `report_progress` handle their POSTs, mounted by cases/urls.py
under the names they always had (cases:meeting, cases:action). Registered in apps.py.

Errors as on every case page: a service's ValidationError shows the case page again with the field's message (400);
Conflict reloads the case with "someone else acted first"; ids outside the scope 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import queries as case_queries
from linli.cases import services as cases
from linli.cases.hooks import CasePanel, ShowAgain
from linli.cases.models import Case
from linli.core import roles
from linli.people.models import Account, Appointment, Organization, Person

from .. import services
from ..forms import MEETING_ROWS, MeetingForm, ProgressForm, apply_errors
from ..models import Action


def _summoned_orgs(case):
    return Organization.objects.filter(summonses__whistle__case=case).distinct().order_by("name")


def _staff_people(case):
    today = timezone.localdate()
    appts = Appointment.objects.filter(
        Q(role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY], community=case.community_id)
        | Q(role=roles.SUBDISTRICT_STAFF, subdistrict=case.subdistrict_id)).filter(
        starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    return Person.objects.filter(pk__in=appts.values("person_id")).order_by("name")


def case_panel(page) -> dict:
    """The case page's meeting part: the meetings held on the case with their resolutions, a progress form on each open
    resolution the caller may act on, and the meeting form for the dispatcher of a whistled case."""
    case, scope = page.case, page.scope
    meetings = list(case.meetings.prefetch_related("attendances__person", "attendances__organization", "actions__owner__person",
                                                   "actions__owner_org", "actions__progress"))
    action_forms = {}
    for m in meetings:
        for a in m.actions.all():
            if a.status == Action.Status.OPEN and services.may_act_on(scope, a):
                action_forms[a.pk] = page.bound.get(f"action_{a.pk}") or ProgressForm()
    forms = {}
    if case.state == Case.State.WHISTLED and case_queries.is_dispatcher(scope, case):
        forms["meeting"] = MeetingForm(people=_staff_people(case), orgs=_summoned_orgs(case))
    return {"meetings": meetings, "action_forms": action_forms, "forms": forms}


def record_meeting(request, scope, case):
    """POST cases/<pk>/meeting/: attendance, minutes and up to three resolutions of the whistle meeting."""
    people, orgs = list(_staff_people(case)), list(_summoned_orgs(case))
    form = MeetingForm(request.POST, people=people, orgs=orgs)
    if not form.is_valid():
        raise ShowAgain({"meeting": form})
    d = form.cleaned_data
    by_person = {str(p.pk): p for p in people}
    by_org = {str(o.pk): o for o in orgs}
    attendees = []
    for kind, item, name in form.attendance_rows:
        status = d.get(name)
        if status:
            row = {"status": status, "substitute_name": d.get(name + "_sub", "")}
            row["organization" if kind == "org" else "person"] = item
            attendees.append(row)
    resolutions = []
    for i in range(1, MEETING_ROWS + 1):
        text, owner, due = d.get(f"res_{i}_text", "").strip(), d.get(f"res_{i}_owner", ""), d.get(f"res_{i}_due")
        if not text:
            continue
        row = {"text": text, "due_on": due, "owner": None, "owner_org": None}
        if owner.startswith("org:"):
            row["owner_org"] = by_org.get(owner[4:])
        elif owner.startswith("person:"):
            p = by_person.get(owner[7:])
            row["owner"] = Account.objects.filter(person=p).first() if p else None
        resolutions.append(row)
    try:
        services.hold_whistle_meeting(scope, case, starts_at=d["starts_at"], place=d["place"], chair=by_person.get(d["chair"]),
                                      attendees=attendees, minutes=d["minutes"], resolutions=resolutions)
    except ValidationError as exc:
        apply_errors(form, exc)
        raise ShowAgain({"meeting": form})
    except cases.Conflict:
        messages.error(request, _("Someone else acted on this case first. The page shows it as it is now."))
        return redirect("cases:case", case.pk)
    messages.success(request, _("Saved."))
    return redirect(reverse("cases:case", args=[case.pk]) + "#meeting")


def report_progress(request, scope, case, action_id):
    """POST cases/<pk>/actions/<action_id>/: progress on (or completion of) a resolution of the case's meeting."""
    action = get_object_or_404(Action, pk=action_id, meeting__case=case)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        raise ShowAgain({f"action_{action.pk}": form})
    d = form.cleaned_data
    try:
        services.carry_out(scope, action, d["note"], d["percent"] if d["percent"] is not None else 100, done=d["done"])
    except ValidationError as exc:
        apply_errors(form, exc)
        raise ShowAgain({f"action_{action.pk}": form})
    except cases.Conflict:
        messages.error(request, _("Someone else acted on this case first. The page shows it as it is now."))
        return redirect("cases:case", case.pk)
    messages.success(request, _("Saved."))
    return redirect("cases:case", case.pk)


PANEL = CasePanel(name="meetings", context=case_panel, actions=(
    ("meeting/", "meeting", record_meeting),
    ("actions/<int:action_id>/", "action", report_progress),
))
