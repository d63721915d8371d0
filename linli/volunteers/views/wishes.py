"""Pages: micro-wishes (微心愿), posting one for a resident in need, claiming, fulfilling, thanking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from linli.people.models import Organization
from linli.people.scopes import for_request

from .. import queries, services
from ..models import Volunteer, Wish
from ._common import _community, _person, _run


@login_required
def wishes(request):
    community = _community(request)
    if community is None:
        raise Http404
    scope = for_request(request)
    in_need = queries.residents_in_need(scope, community)
    if request.method == "POST":
        for_person = in_need.filter(pk=request.POST.get("person") or 0).first() if request.POST.get("person") else None
        if request.POST.get("person") and for_person is None:
            messages.error(request, _("Resident: not one you may post a wish for."))
            return redirect("volunteers:wishes")
        w = _run(request, lambda: services.post_wish(scope, text=request.POST.get("text", ""), person=for_person), _("Your micro-wish is posted."))
        if w is not None:
            return redirect("volunteers:wish", w.pk)
        return redirect("volunteers:wishes")
    person = _person(request)
    return render(request, "volunteers/wishes.html", {
        "community": community, "open": queries.open_wishes(community),
        "mine": Wish.objects.filter(person=person) if person else [],
        "claimed": Wish.objects.filter(claimed_by__person=person).exclude(status=Wish.Status.OPEN) if person else [],
        "staff": services.is_staff(scope, community), "in_need": queries.residents_in_need_choices(in_need)})


@login_required
def wish(request, pk):
    w = get_object_or_404(Wish.objects.select_related("person", "claimed_by__person", "claimed_org"), pk=pk)
    scope = for_request(request)
    person = _person(request)
    own = person is not None and person.pk == w.person_id
    staff = services.is_staff(scope, w.community)
    member = person is not None and (person.community_id == w.community_id or Volunteer.objects.filter(person=person, community=w.community).exists())
    if not (own or staff or member or scope.allows(w)):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "claim":
            org = Organization.objects.filter(pk=request.POST.get("organization") or 0, community=w.community).first()
            _run(request, lambda: services.claim_wish(scope, w, organization=org), _("Claimed: thank you."))
        elif action == "fulfil":
            _run(request, lambda: services.fulfil_wish(scope, w, note=request.POST.get("note", ""), photo=request.FILES.get("photo")),
                 _("Marked as fulfilled."))
        elif action == "thank":
            _run(request, lambda: services.thank_wish(scope, w, text=request.POST.get("thanks", "")), _("Thank you sent."))
        return redirect("volunteers:wish", w.pk)
    return render(request, "volunteers/wish.html", {
        "w": w, "own": own, "staff": staff, "show_name": own or staff or scope.allows(w),
        "volunteer": services.approved_volunteer(person, w.community_id),
        "may_fulfil": services._may_fulfil(scope, w), "orgs": Organization.objects.filter(community=w.community, kind=Organization.Kind.CO_BUILDING)})
