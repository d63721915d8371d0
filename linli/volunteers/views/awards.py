"""Page: awards (实践之星 …)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from linli.people.scopes import for_request

from .. import queries, services
from ..models import Award, Volunteer
from ._common import _community, _community_staff_or_403, _errors, _run


@login_required
def awards(request):
    community = _community(request)
    _community_staff_or_403(request, community)
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today.replace(month=1, day=1)
    end = parse_date(request.GET.get("end") or "") or today
    measure = request.GET.get("by") or "score"
    if request.method == "POST":
        p = request.POST
        v = get_object_or_404(Volunteer, pk=p.get("volunteer") or 0, community=community)
        _run(request, lambda: services.give_award(for_request(request), v, title=p.get("title", ""), level=p.get("level", ""),
                                                  period_start=parse_date(p.get("start") or ""), period_end=parse_date(p.get("end") or ""),
                                                  points=p.get("points") or 0), _("Awarded; the points were posted."))
        return redirect(reverse("volunteers:awards") + "?" + urlencode({"start": start, "end": end, "by": measure}))
    try:
        rows = queries.ranking(community, start, end, measure)
    except ValidationError as exc:  # an unknown measure in the address: say so, rank by the composite score
        _errors(request, exc)
        measure, rows = "score", queries.ranking(community, start, end)
    return render(request, "volunteers/awards.html", {
        "community": community, "start": start, "end": end, "rows": rows,
        "measure": measure, "measures": [(k, label) for k, (label, _rule) in queries.MEASURES.items()], "rule": queries.MEASURES[measure][1],
        "levels": Award.Level.choices, "given": Award.objects.filter(community=community).select_related("volunteer__person")[:50]})
