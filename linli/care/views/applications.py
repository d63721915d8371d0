"""Pages: assistance applications — the list (by scope), filing one, and one application with each level's form."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from linli.people import queries as people_queries
from linli.people.models import Person
from linli.people.scopes import for_request
from linli.places.models import Subdistrict

from .. import queries, services
from ..models import Application
from ._common import run

LIST_PAGE = 50  # applications a page


@login_required
def applications(request):
    scope = for_request(request)
    if request.method == "POST":
        p = request.POST
        if p.get("batch"):
            sub = Subdistrict.objects.filter(pk=p.get("batch") or 0).first()
            if sub:
                run(request, lambda: services.submit_batch(scope, sub), _("The quarter's batch is filed."))
            return redirect("care:applications")
        person = scope.filter(Person.objects.all(), "write").filter(pk=p.get("person") or 0).first()
        if person is None:
            run(request, lambda: (_ for _ in ()).throw(services.ValidationError(_("Choose the applicant."))), "")
            return redirect("care:applications")
        app = run(request, lambda: services.submit_application(scope, person=person, kind=p.get("kind", ""), reason=p.get("reason", ""),
                                                              centralised=bool(p.get("centralised")),
                                                              documents=[t for t in p.get("documents", "").splitlines() if t.strip()]),
                  _("Application filed."))
        return redirect("care:application", app.pk) if app else redirect("care:applications")
    apps = queries.applications(scope)
    own = Application.objects.filter(person__account=request.user)
    subdistricts = Subdistrict.objects.filter(pk__in=apps.filter(state=Application.State.BATCHED).values("subdistrict_id"))
    people = scope.filter(Person.objects.filter(status=Person.Status.LIVING_HERE), "write")
    who = request.GET.get("who", "")
    page = Paginator((apps | own).distinct(), LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "care/applications.html", {
        "apps": page.object_list, "page_obj": page, "kinds": Application.Kind.choices, "subdistricts": subdistricts,
        "may_file": people.exists(), "who": who, "candidates": people_queries.resident_candidates(people, who),
        "max_candidates": people_queries.CANDIDATES})


@login_required
def application(request, pk):
    scope = for_request(request)
    app = get_object_or_404(Application.objects.select_related("person", "community", "batch"), pk=pk)
    own = getattr(request.user, "person_id", None) == app.person_id
    if not (own or scope.allows(app) or _civil_affairs(scope)):
        raise Http404
    if request.method == "POST":
        p = request.POST
        action, opinion = p.get("action", ""), p.get("opinion", "")
        calls = {
            "community_approve": lambda: services.community_review(scope, app, approve=True, opinion=opinion),
            "community_reject": lambda: services.community_review(scope, app, approve=False, opinion=opinion),
            "subdistrict": lambda: services.subdistrict_review(scope, app, decision=p.get("decision", ""), opinion=opinion),
            "urgent": lambda: services.urgent_submit(scope, app, approved_by=p.get("approved_by", ""), approval=opinion),
            "civil_approve": lambda: services.civil_affairs_decide(scope, app, approve=True, opinion=opinion),
            "civil_reject": lambda: services.civil_affairs_decide(scope, app, approve=False, opinion=opinion),
        }
        if action in calls:
            run(request, calls[action], _("Recorded."))
        return redirect("care:application", app.pk)
    levels = {"community": _("Community"), "subdistrict": _("Subdistrict"), "civil_affairs": _("Civil affairs (民政)")}
    steps = list(app.steps.select_related("actor"))
    for s in steps:
        s.level_label = levels.get(s.level, s.level)
        s.state_label = Application.State(s.to_state).label if s.to_state in Application.State.values else s.to_state
        s.urgent = s.use_case == "urgent_submit"
    return render(request, "care/application.html", {"app": app, "steps": steps, "docs": app.documents.all(),
                                                     "own": own, "staff": not own})


def _civil_affairs(scope) -> bool:
    try:
        services.applications._civil_affairs_level(scope)
        return True
    except Exception:
        return False
