"""Page: the service menu (点单式服务), its orders and the hours to certify."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from linli.people.scopes import for_request

from .. import queries, services
from ..models import MenuItem, ServiceOrder, ServiceRecord, TargetGroup
from ._common import _community, _person, _run


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
