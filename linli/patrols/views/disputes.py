"""Pages: disputes (矛盾纠纷), registering one, mediation sessions, agreements and follow-ups."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people.scopes import for_request

from .. import queries, services
from ..models import Agreement, Dispute, Mediation
from ._common import _date, _datetime, _fail


LIST_PAGE = 50

@login_required
def disputes(request):
    scope = for_request(request)
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("from") or "")
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = datetime.date.fromisoformat(request.GET.get("until") or "")
    except ValueError:
        end = today
    qs = queries.disputes(scope)
    stats = services.dispute_statistics(qs, start, end)
    stats["kinds"] = [(label, stats["by_kind"][k]) for k, label in Dispute.Kind.choices]
    stats["statuses"] = [(label, stats["by_status"][k]) for k, label in Dispute.Status.choices]
    page = Paginator(qs, LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "patrols/disputes.html", {"disputes": page.object_list, "page_obj": page, "stats": stats, "start": start, "end": end})


@login_required
def dispute_new(request):
    scope = for_request(request)
    grids = list(queries.worker_grids(scope))
    status = 200
    if request.method == "POST":
        try:
            grid = next((g for g in grids if str(g.pk) == request.POST.get("grid")), None)
            if grid is None:
                raise ValidationError({"grid": _("Grid: choose the grid.")})
            parties = [line for line in (request.POST.get("parties") or "").splitlines() if line.strip()]
            d = services.register_dispute(scope, grid=grid, kind=request.POST.get("kind", ""), risk=request.POST.get("risk", "low"),
                                          description=request.POST.get("description", ""), parties=parties)
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Dispute %(n)s registered.") % {"n": d.number})
            return redirect("patrols:dispute", d.pk)
    return render(request, "patrols/dispute_new.html", {"grids": grids, "kinds": Dispute.Kind.choices, "risks": Dispute.Risk.choices,
                                                         "post": request.POST}, status=status)


@login_required
def dispute_detail(request, pk):
    scope = for_request(request)
    d = queries.get(scope, Dispute, pk)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "mediation":
                mediators = []
                for kind in Mediation.MediatorKind.values:
                    for name in (request.POST.get(f"med_{kind}") or "").split("，"):
                        for n in name.split(","):
                            if n.strip():
                                mediators.append({"kind": kind, "name": n.strip()})
                services.record_mediation(scope, d, at=_datetime(request.POST.get("at"), "at", _("When")), mediators=mediators,
                                          notes=request.POST.get("notes", ""), outcome=request.POST.get("outcome", ""))
            elif action == "agreement":
                services.attach_agreement(scope, d, file=request.FILES.get("file"), summary=request.POST.get("summary", ""),
                                          signed_on=_date(request.POST.get("signed_on"), "signed_on", _("Signed on")))
            elif action == "follow_up":
                services.follow_up(scope, d, note=request.POST.get("note", ""), settled=request.POST.get("settled") == "1")
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("patrols:dispute", d.pk)
    d.refresh_from_db()
    return render(request, "patrols/dispute.html", {
        "d": d, "parties": d.parties.all(), "sessions": d.mediations.all(), "agreements": d.agreements.all(), "follow_ups": d.follow_ups.all(),
        "kinds": Mediation.MediatorKind.choices, "outcomes": Mediation.Outcome.choices, "today": timezone.localdate(),
        "may_write": scope.filter(Dispute.objects.filter(pk=d.pk), "write").exists()}, status=status)


@login_required
def agreement_file(request, pk):
    scope = for_request(request)
    a = get_object_or_404(Agreement, pk=pk)
    queries.get(scope, Dispute, a.dispute_id)
    return FileResponse(a.file.open("rb"), content_type=a.content_type)
