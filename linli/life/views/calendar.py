"""Pages: the community calendar (the next weeks, by day) and its iCalendar feed, filtered by what the viewer may see."""

import datetime
import itertools

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people.scopes import for_request

from .. import ics, queries

DAYS = 28


def _window():
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(0)))
    return start, start + datetime.timedelta(days=DAYS)


def calendar(request):
    scope = for_request(request)
    if scope.is_anonymous:
        from django.contrib.auth.views import redirect_to_login
        return redirect_to_login(request.get_full_path())
    events = queries.calendar_events(scope, *_window())
    days = [(day, list(evs)) for day, evs in itertools.groupby(events, key=lambda e: timezone.localtime(e.starts_at).date())]
    return render(request, "life/calendar.html", {"days": days})


def calendar_ics(request):
    scope = for_request(request)
    start, end = _window()
    return HttpResponse(ics.calendar(_("Community calendar"), queries.calendar_events(scope, start - datetime.timedelta(days=30), end + datetime.timedelta(days=60)),
                                     request.get_host()), content_type="text/calendar; charset=utf-8")
