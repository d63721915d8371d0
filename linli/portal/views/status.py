"""/healthz for a load balancer (no sign-in: does this process reach its database?) and /status/ for superusers:
every check of linli.core.health — the database, the background workers, the outbox, jobs, the read replica and
the classifier — with its level, its figures and what to do. Neither shows personal data."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linli.core import health


@never_cache
@require_GET
def healthz(request):
    if health.alive():
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "unavailable"}, status=503)


@never_cache
@login_required
@require_GET
def status(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    checks = health.run()
    return render(request, "portal/status.html", {"checks": checks, "level": health.worst(checks), "now": timezone.now()})
