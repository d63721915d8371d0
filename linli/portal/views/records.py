"""The import pages (upload a register sheet, follow its job, download its errors) and the audit log page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.core import roles
from linli.core.models import AuditLog, Job
from linli.people import queries as pq
from linli.people.scopes import for_request, may_audit, writes
from linli.portal.forms import ImportForm

PAGE_SIZE = 25


# ---------------------------------------------------------------------------- audit log
@login_required
def audit(request):
    scope = for_request(request)
    if not may_audit(scope):
        raise PermissionDenied
    action = request.GET.get("action", "")
    if action not in AuditLog.Action.values:
        action = ""
    page = Paginator(pq.audit_log(scope, action=action), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/audit.html", {"page_obj": page, "actions": AuditLog.Action.choices, "action": action})


# ---------------------------------------------------------------------------- imports and jobs
IMPORT_KINDS = {"residents": roles.PEOPLE, "buildings": roles.PLACES, "venues": roles.PLACES}


def _allowed_import_kinds(scope) -> list[str]:
    return [kind for kind, domain in IMPORT_KINDS.items() if writes(scope, domain)]


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    scope = for_request(request)
    allowed = _allowed_import_kinds(scope)
    if not allowed:
        raise PermissionDenied
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, allowed_kinds=allowed)
        if form.is_valid():
            from linli.core import jobs

            kind = form.cleaned_data["kind"]
            try:
                job = jobs.enqueue(f"import.{kind}", owner=request.user, params={"dry_run": bool(form.cleaned_data["dry_run"])},
                                   input_file=form.cleaned_data["file"])
            except ValueError:
                form.add_error(None, _("Imports of this kind are not available on this server."))
            else:
                return redirect("portal:job", pk=job.pk)
    else:
        form = ImportForm(allowed_kinds=allowed)
    recent = Job.objects.filter(owner=request.user, kind__startswith="import.")[:10]
    return render(request, "portal/import.html", {"form": form, "recent": recent})


def _own_job(request, pk) -> Job:
    """A job the user started (any other id answers 404, like a missing one)."""
    qs = Job.objects.all() if request.user.is_superuser else Job.objects.filter(owner=request.user)
    return get_object_or_404(qs, pk=pk)


@login_required
def job(request, pk):
    return render(request, "portal/job.html", {"job": _own_job(request, pk)})


@login_required
def job_progress(request, pk):
    return render(request, "portal/_job_progress.html", {"job": _own_job(request, pk)})


@login_required
def job_download(request, pk):
    j = _own_job(request, pk)
    if not j.result_file:
        raise Http404
    name = f"{j.kind.replace('.', '-')}-{j.pk}-errors.xlsx"
    return FileResponse(j.result_file.open("rb"), as_attachment=True, filename=name)
