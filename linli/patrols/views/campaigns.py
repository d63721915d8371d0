"""Pages: inspection campaigns (专项检查), their checklists and progress, inspecting a place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people.scopes import for_request
from linli.places.models import Building, Venue

from .. import queries, services
from ..models import Campaign
from ._common import _community, _date, _fail, _is_staff, _place_from

LIST_PAGE = 30  # campaigns a page, each with its progress


@login_required
def campaigns(request):
    scope = for_request(request)
    community = _community(scope)
    if request.method == "POST":
        try:
            c = services.create_campaign(scope, community, kind=request.POST.get("kind", ""), title=request.POST.get("title", ""),
                                         target=request.POST.get("target", ""), place_kind=request.POST.get("place_kind", ""),
                                         starts_on=_date(request.POST.get("starts_on"), "starts_on", _("From")),
                                         ends_on=_date(request.POST.get("ends_on"), "ends_on", _("Until")),
                                         items=(request.POST.get("items") or "").splitlines())
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        else:
            return redirect("patrols:campaign", c.pk)
    page = Paginator(queries.campaigns(scope), LIST_PAGE).get_page(request.GET.get("page"))
    rows = [(c, services.campaign_progress(c)) for c in page.object_list]
    return render(request, "patrols/campaigns.html", {"rows": rows, "page_obj": page, "is_staff": _is_staff(scope), "kinds": Campaign.Kind.choices,
                                                       "venue_kinds": Venue.Kind.choices,
                                                       "targets": Campaign.Target.choices, "today": timezone.localdate()})


@login_required
def campaign_detail(request, pk):
    scope = for_request(request)
    campaign = queries.get(scope, Campaign, pk)
    items = list(campaign.items.all())
    status = 200
    if request.method == "POST":
        try:
            place = _place_from(request.POST, scope, community=campaign.community)  # the service checks the grid
            results = {}
            for item in items:
                value = request.POST.get(f"item_{item.pk}")
                if value in ("pass", "fail"):
                    results[item.pk] = (value == "pass", request.POST.get(f"note_{item.pk}", ""))
            photos = {item.pk: request.FILES.getlist(f"photos_{item.pk}") for item in items}
            services.inspect(scope, campaign, place=place, results=results, responsible_name=request.POST.get("responsible_name", ""),
                             photos=photos)
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Inspection recorded: %(place)s.") % {"place": place})
            return redirect("patrols:campaign", campaign.pk)
    inspected = (campaign.inspections.select_related("venue", "building__compound", "inspector__person")
                 .defer("venue__contact_phone", "inspector__person__id_number", "inspector__person__phone")  # names only
                 .prefetch_related("results__item"))
    if _is_staff(scope):  # staff inspect anywhere in the community
        places = {"buildings": list(scope.filter(Building.objects.filter(community=campaign.community).select_related("compound"), "write").order_by("number")),
                  "venues": list(scope.filter(Venue.objects.filter(community=campaign.community).defer("contact_phone"), "write")
                                 .order_by("name"))}
    else:
        grid = queries.worker_grids(scope).first()
        places = queries.places_for_worker(scope, grid) if grid else {}
    if campaign.place_kind:
        places = {k: [p for p in v if getattr(p, "kind", None) == campaign.place_kind] for k, v in places.items() if k != "dwellings"}
    return render(request, "patrols/campaign.html", {"campaign": campaign, "items": items, "progress": services.campaign_progress(campaign),
                                                      "inspections": inspected, "places": places, "post": request.POST}, status=status)
