"""Helpers the life pages share: a service call whose refusal becomes a message, the caller's community,
dates and times from forms."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.people.scopes import for_request
from linli.places.models import Community

from ..services._common import person_of


def run(request, call, ok: str = ""):
    """Call a service; a refusal (ValidationError, OutOfScope) becomes an error message. Returns the result or None."""
    try:
        result = call()
    except ValidationError as exc:
        for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]):
            for m in msgs:
                messages.error(request, m)
        return None
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Not allowed."))
        return None
    if ok:
        messages.success(request, ok)
    return result


def community_of(request):
    scope = for_request(request)
    person = person_of(scope)
    if person is not None and person.community_id:
        return person.community
    ids = sorted(scope.community_ids)
    if ids:
        return Community.objects.filter(pk=ids[0]).first()
    if scope.everything:
        return Community.objects.order_by("id").first()
    return None


def parse_moment(value, field: str, label: str):
    try:
        moment = datetime.datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("%(label)s: enter a date and time (YYYY-MM-DD HH:MM).") % {"label": label}}) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_day(value, field: str, label: str):
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("%(label)s: enter a date (YYYY-MM-DD).") % {"label": label}}) from None


def guarded(call):
    """Parse inside the service call so a bad date is reported like any other refusal."""
    return call
