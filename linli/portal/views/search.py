"""One search box over what the caller may see: residents, households, places and cases.

Each group is read through its own app's scoped query, ten rows at most, with a link to the full
register filtered by the same words. Residents are found by a name fragment or by a full ID number
or phone (exact, through the keyed hash; never a fragment of those)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render

from linli.cases import queries as case_queries
from linli.core import roles
from linli.people import queries as pq
from linli.people.scopes import for_request, reads
from linli.places import queries as plq

LIMIT = 10
MAX_QUERY = 50


@login_required
def search(request):
    scope = for_request(request)
    q = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    groups = []
    if len(q) >= 1:
        if reads(scope, roles.PEOPLE):
            persons = pq.persons(scope, pq.PersonFilter(q=q, status="")).select_related("household", "dwelling__building__compound")
            households = (pq.households(scope).filter(members__until__isnull=True, members__person__name__contains=q).distinct())
            groups.append(("persons", persons[:LIMIT], persons.count()))
            groups.append(("households", households[:LIMIT], households.count()))
        if reads(scope, roles.PLACES):
            grids = plq.grids(scope).filter(Q(name__contains=q) | Q(code__startswith=q))
            buildings = plq.buildings(scope, q=q)
            venues = plq.venues(scope, q=q)
            groups += [("grids", grids[:LIMIT], grids.count()), ("buildings", buildings[:LIMIT], buildings.count()),
                       ("venues", venues[:LIMIT], venues.count())]
        cases = case_queries.cases(scope, {"q": q}).order_by("-created_at")
        groups.append(("cases", cases[:LIMIT], cases.count()))
    return render(request, "portal/search.html", {"q": q, "groups": [g for g in groups if g[2]], "searched": bool(q)})
