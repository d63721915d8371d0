from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from linli.people.scopes import for_request

from .. import queries


def run(request, fn, ok: str):
    """Call a service; a refusal becomes a message on the page (the service's own words)."""
    try:
        result = fn()
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return None
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "403")
        return None
    messages.success(request, ok)
    return result


def station_or_404(request, station_id):
    return get_object_or_404(queries.stations_for(for_request(request)), pk=station_id)


def check_station(request, station):
    if not queries.stations_for(for_request(request)).filter(pk=station.pk).exists():
        raise Http404
