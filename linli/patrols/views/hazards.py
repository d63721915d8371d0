"""Pages: hazards, rectification notices (整改通知书, printable and as PDF) with their re-inspection, photos."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.cases.models import Category
from linli.people.models import Organization
from linli.people.scopes import for_request

from .. import queries, services
from ..models import Hazard, PatrolStop, Photo, RectificationNotice, Reinspection
from ._common import _community, _date, _fail, _place_from


LIST_PAGE = 50  # hazards and notices a page (the shared pager: portal/_pager.html)

@login_required
def hazard_new(request):
    scope = for_request(request)
    stop = None
    if request.GET.get("stop") or request.POST.get("stop"):
        stop = queries.get(scope, PatrolStop, request.GET.get("stop") or request.POST.get("stop"),
                           qs=PatrolStop.objects.select_related("building", "venue", "dwelling__building", "patrol"))
    status = 200
    if request.method == "POST":
        try:
            place = stop.place if stop else _place_from(request.POST, scope)
            org = None
            if request.POST.get("responsible_org"):
                org = Organization.objects.filter(pk=request.POST["responsible_org"]).first()
            hazard = services.record_hazard(scope, stop=stop, place=place, title=request.POST.get("title", ""),
                                            description=request.POST.get("description", ""), category_code=request.POST.get("category_code", ""),
                                            responsible_org=org, responsible_name=request.POST.get("responsible_name", ""),
                                            photos=request.FILES.getlist("photos"))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Hazard recorded: %(t)s.") % {"t": hazard.title})
            return redirect(f"{_url('patrols:notice_new')}?hazard={hazard.pk}")
    community = stop.community if stop else _community(scope)
    orgs = Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, active=True)
    if community:
        orgs = orgs.filter(community=community) | Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, serves__community=community)
    categories = Category.objects.filter(parent__code__in=["fire", "housing", "construction", "roads", "market"], active=True).select_related("parent")
    grid = None if stop else queries.worker_grids(scope).first()
    places = queries.places_for_worker(scope, grid) if grid else {}
    return render(request, "patrols/hazard_new.html", {"stop": stop, "orgs": orgs.distinct(), "categories": categories, "post": request.POST,
                                                        "places": places}, status=status)


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


@login_required
def hazards(request):
    scope = for_request(request)
    qs = queries.hazards(scope)
    status = request.GET.get("status") or ""
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "patrols/hazards.html", {"hazards": page.object_list, "page_obj": page, "status": status,
                                                    "statuses": Hazard.Status.choices})


@login_required
def notice_new(request):
    scope = for_request(request)
    ids = request.POST.getlist("hazards") if request.method == "POST" else request.GET.getlist("hazard")
    chosen = list(queries.hazards(scope).filter(pk__in=[int(i) for i in ids if str(i).isdigit()]))
    status = 200
    if request.method == "POST":
        try:
            notice = services.issue_notice(scope, chosen, requirements=request.POST.get("requirements", ""),
                                           deadline=_date(request.POST.get("deadline"), "deadline", _("Deadline")))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Rectification notice %(n)s issued.") % {"n": notice.number})
            return redirect("patrols:notice", notice.pk)
    open_hazards = queries.hazards(scope).filter(status=Hazard.Status.OPEN)[:100]
    default_deadline = timezone.localdate() + datetime.timedelta(days=7)
    return render(request, "patrols/notice_new.html", {"chosen": chosen, "open_hazards": open_hazards, "post": request.POST,
                                                        "default_deadline": default_deadline}, status=status)


def _notice_sections(notice):
    from linli.core.pdf import Section

    hazards = list(notice.hazards.all())
    return [
        Section(pgettext("notice", "To"), rows=[(_("Responsible party"), notice.responsible_name), (_("Number"), notice.number),
                               (_("Issued"), timezone.localtime(notice.issued_at).strftime("%Y-%m-%d")),
                               (_("Grid"), str(notice.grid))]),
        Section(_("Hazards found"), table=[[_("Hazard"), _("Place"), _("Description")]] +
                [[h.title, str(h.place or ""), h.description or "—"] for h in hazards]),
        Section(_("Requirements"), paragraphs=[notice.requirements,
                                               _("Rectify before %(d)s. A re-inspection follows on that date; a hazard not rectified is handed to the competent department.") % {"d": notice.deadline.isoformat()}]),
    ]


@login_required
def notice_detail(request, pk):
    scope = for_request(request)
    notice = queries.notice_for(scope, pk, qs=RectificationNotice.objects.select_related("grid", "community", "issued_by__person"))
    r = Reinspection.objects.filter(notice=notice).select_related("case").first()
    status = 200
    if request.method == "POST" and r is not None:
        outcome = request.POST.get("outcome")
        try:
            if outcome not in ("fixed", "not_fixed"):
                raise ValidationError({"outcome": _("Outcome: fixed or not fixed.")})
            r = services.record_reinspection(scope, r, fixed=outcome == "fixed", note=request.POST.get("note", ""),
                                             photos=request.FILES.getlist("photos"))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            if r.case_id:
                messages.warning(request, _("Not fixed: case %(n)s opened and sent to %(to)s.") % {
                    "n": r.case.number, "to": r.case.assignee_org or r.case.get_tier_display()})
            else:
                messages.success(request, _("Re-inspection recorded: fixed."))
            return redirect("patrols:notice", notice.pk)
    hazard_list = list(notice.hazards.select_related("building", "venue", "dwelling__building", "case__assignee_org").prefetch_related("photos"))
    may_write = scope.filter(RectificationNotice.objects.filter(pk=notice.pk), "write").exists()
    return render(request, "patrols/notice.html", {"notice": notice, "r": r, "hazards": hazard_list, "today": timezone.localdate(),
                                                    "may_write": may_write,
                                                    "print": request.GET.get("print") == "1"}, status=status)


@login_required
def notice_pdf(request, pk):
    from linli.core.pdf import render as render_pdf

    scope = for_request(request)
    notice = queries.notice_for(scope, pk, qs=RectificationNotice.objects.select_related("grid", "community"))
    pdf = render_pdf(_("Rectification notice"), _notice_sections(notice), subtitle=f"{notice.community} · {notice.number}",
                     footer=_("Issued by the %(c)s residents' committee (community grid)") % {"c": notice.community})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.number}.pdf"'
    return response


@login_required
def notices(request):
    scope = for_request(request)
    page = Paginator(queries.notices(scope), LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "patrols/notices.html", {"notices": page.object_list, "page_obj": page,
                                                     "due": list(queries.reinspections_due(scope))})


@login_required
def photo(request, pk):
    scope = for_request(request)
    p = get_object_or_404(Photo.objects.select_related("stop", "hazard"), pk=pk)
    owner = p.stop or p.hazard
    if owner is None or not (scope.allows(owner) or _handles_case_of(scope, p.hazard)):
        raise Http404
    response = FileResponse(p.file.open("rb"), content_type=p.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _handles_case_of(scope, hazard) -> bool:
    """The handler of the case a hazard escalated into sees its photos (see queries.notice_for)."""
    from linli.cases.services import may_handle

    return hazard is not None and hazard.case_id is not None and may_handle(scope, hazard.case)
