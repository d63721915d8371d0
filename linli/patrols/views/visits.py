"""Pages: care visits (关爱走访) due and done, recording one, the visit rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people import queries as people_queries
from linli.people.scopes import for_request
from linli.volunteers import queries as volunteer_queries

from .. import queries, services
from ..models import CareVisit, VisitRule
from ._common import _community, _fail, _is_staff

LIST_PAGE = 50  # due visits a page


@login_required
def visits(request):
    scope = for_request(request)
    today = timezone.localdate()
    qs = queries.visit_list(scope).filter(done_at__isnull=True)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        qs = qs.filter(due_on__lt=today)
    done = queries.visit_list(scope).filter(done_at__isnull=False).order_by("-done_at")[:20]
    page = Paginator(qs.order_by("due_on", "id"), LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "patrols/visits.html", {"visits": page.object_list, "page_obj": page, "done": done, "overdue": overdue, "today": today,
                                                    "overdue_count": queries.visits(scope).filter(done_at__isnull=True, due_on__lt=today).count()})


@login_required
def visit_record(request, pk):
    scope = for_request(request)
    visit = queries.get(scope, CareVisit, pk, qs=CareVisit.objects.select_related("person", "rule", "case", "wish", "service_order__item"))
    menu = volunteer_queries.service_menu(visit.community)
    status = 200
    if request.method == "POST":
        try:
            item_id = request.POST.get("menu_item") or ""
            menu_item = menu.filter(pk=int(item_id)).first() if item_id.isdigit() else None
            done = services.record_visit(scope, visit, method=request.POST.get("method", ""), situation=request.POST.get("situation", ""),
                                         needs=request.POST.get("needs", ""), open_case=request.POST.get("open_case") == "1",
                                         care=request.POST.get("care", ""), menu_item=menu_item)
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": visit.person.name})
            if done.wish_id:
                messages.success(request, _("The need is posted as a micro-wish for volunteers to claim."))
            if done.service_order_id:
                messages.success(request, _("The need is ordered from the service menu: %(t)s.") % {"t": done.service_order.item.title})
            return redirect("patrols:visits")
    history = (CareVisit.objects.filter(person=visit.person, done_at__isnull=False).select_related("case", "wish", "service_order__item")
               .order_by("-done_at")[:10])
    return render(request, "patrols/visit.html", {"visit": visit, "history": history, "methods": VisitRule.Method.choices,
                                                   "menu": menu, "may_request_care": services.may_request_care(scope, visit.person),
                                                   "post": request.POST}, status=status)


@login_required
def visit_rules(request):
    scope = for_request(request)
    community = _community(scope)
    if request.method == "POST" and request.POST.get("action") == "defaults":
        if not _is_staff(scope) or community is None:
            raise PermissionDenied(_("Only the community's staff edit visit rules."))
        services.seed_visit_rules(community)
        messages.success(request, _("Visit rule saved."))
        return redirect("patrols:rules")
    if request.method == "POST":
        rule = None
        if request.POST.get("rule"):
            rule = queries.get(scope, VisitRule, request.POST["rule"])
        try:
            def level(name):
                v = request.POST.get(name)
                return int(v) if v and v.isdigit() else None
            services.save_visit_rule(scope, rule.community if rule else community, rule=rule, name=request.POST.get("name", ""),
                                     tag=request.POST.get("tag", ""), also_tag=request.POST.get("also_tag", ""),
                                     min_level=level("min_level"), max_level=level("max_level"),
                                     interval_days=request.POST.get("interval_days"), method=request.POST.get("method", "door"),
                                     active=request.POST.get("active") == "1")
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Visit rule saved."))
            return redirect("patrols:rules")
    labels = people_queries.tag_labels()
    rules = list(queries.rules(scope))
    for r in rules:  # tags by their names, never their codes
        r.tag_label = labels.get(r.tag, r.tag)
        r.also_tag_label = labels.get(r.also_tag, r.also_tag) if r.also_tag else ""
    return render(request, "patrols/rules.html", {"rules": rules, "is_staff": _is_staff(scope),
                                                   "tags": [(t, labels.get(t, t)) for t in services.TAG_CHOICES],
                                                   "methods": VisitRule.Method.choices})
