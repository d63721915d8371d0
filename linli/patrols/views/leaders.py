"""Pages: building leaders (楼栋长): a leader's duty list and points, the ranking and the point rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people.models import Person
from linli.people.scopes import for_request

from .. import queries, services
from ..models import DutyItem, PointEvent
from ._common import _community, _date, _fail, _is_staff, _may_see_ranking


@login_required
def leader(request, person_id=None):
    """A leader's list, points and history (their own, or any leader's for staff)."""
    scope = for_request(request)
    me = getattr(request.user, "person", None)
    if person_id is None:
        if me is None:
            raise Http404
        person = me
    else:
        person = get_object_or_404(Person, pk=person_id)
    items = queries.duty_items(scope).filter(leader=person) if person != me else DutyItem.objects.filter(leader=person)
    if person != me and not items.exists() and not _is_staff(scope):
        raise Http404
    if request.method == "POST" and person == me:
        item = get_object_or_404(DutyItem, pk=request.POST.get("item"), leader=me)
        try:
            services.complete_duty(scope, item, request.POST.get("note", ""))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Done: %(t)s.") % {"t": item.title})
            return redirect("patrols:my_list")
    events = PointEvent.objects.filter(leader=person).select_related("rule", "case", "duty_item")[:100]
    return render(request, "patrols/leader.html", {
        "person": person, "mine": person == me, "open_items": items.filter(done_at__isnull=True).order_by("due_on"),
        "done_items": items.filter(done_at__isnull=False).order_by("-done_at")[:30], "events": events,
        "points": services.points_of(person), "today": timezone.localdate()})


@login_required
def leaders(request):
    scope = for_request(request)
    community = _community(scope)
    if not _may_see_ranking(scope, community):
        raise PermissionDenied(_("The leaders' ranking is for the community's staff."))
    if request.method == "POST" and request.POST.get("action") == "defaults":
        if not _is_staff(scope):
            raise PermissionDenied(_("Only the community's staff publish point rules."))
        services.seed_point_rules(community, timezone.localdate())
        messages.success(request, _("Rule published."))
        return redirect("patrols:leaders")
    if request.method == "POST":
        try:
            services.publish_rule(scope, community, code=request.POST.get("code", ""), description=request.POST.get("description", ""),
                                  points=request.POST.get("points"),
                                  effective_from=_date(request.POST.get("effective_from"), "effective_from", _("Effective from")))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Rule published."))
            return redirect("patrols:leaders")
    # a leader's page opens for staff, for the leader, and for whoever reads that leader's duty items (the same rule
    # as `leader` above): only those names are links
    me = getattr(request.user, "person", None)
    openable = None if _is_staff(scope) else (set(queries.duty_items(scope).values_list("leader_id", flat=True).distinct())
                                               | ({me.pk} if me is not None else set()))
    return render(request, "patrols/leaders.html", {"community": community, "rows": queries.leader_ranking(community.pk),
                                                     "openable": openable,
                                                     "rules": queries.rules_in_force(community.pk), "is_staff": _is_staff(scope),
                                                     "today": timezone.localdate()})
