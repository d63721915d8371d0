"""Helpers the grid-work pages share: errors as messages, dates from forms, the caller's community,
a place from a form field."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import roles
from linli.places.models import Building, Community, Dwelling, Venue


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _fail(request, exc) -> None:
    for m in (_errors(exc) if isinstance(exc, ValidationError) else [str(exc)]):
        messages.error(request, m)


def _date(value, field: str, label: str):
    if not value:
        raise ValidationError({field: _("%(label)s: enter a date (YYYY-MM-DD).") % {"label": label}})
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("%(label)s: enter a date (YYYY-MM-DD).") % {"label": label}})


def _datetime(value, field: str, label: str):
    if not value:
        return timezone.now()
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("%(label)s: enter a date and time.") % {"label": label}})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _community(scope):
    ids = scope.community_ids
    if ids:
        return Community.objects.filter(pk__in=sorted(ids)).first()
    if scope.everything:
        return Community.objects.order_by("id").first()
    return None


def _is_staff(scope) -> bool:
    return scope.everything or scope.has_role(*roles.STAFF_ROLES)


def _may_see_ranking(scope, community=None) -> bool:
    """The leaders' ranking (and its tab) is for those who read grid work in the community."""
    community = community if community is not None else _community(scope)
    return community is not None and (scope.everything or scope.covers(community, "read", roles.PATROLS))


def _place_from(post, scope, community=None):
    """'building:3' / 'venue:5' / 'dwelling:9' → the place, read through the scope; or, with `community`, any place
    of that community, so that the service refuses one outside the caller's grid with its own clear message."""
    raw = (post.get("place") or "").strip()
    kind, _sep, pk = raw.partition(":")
    model = {"building": Building, "venue": Venue, "dwelling": Dwelling}.get(kind)
    if model is None or not pk.isdigit():
        raise ValidationError({"place": _("Place: choose one building, venue or dwelling.")})
    if community is not None:
        where = {"building__community": community} if model is Dwelling else {"community": community}
        place = model.objects.filter(pk=int(pk), **where).first()
    else:
        place = scope.filter(model.objects.filter(pk=int(pk)), "read").first()
    if place is None:
        raise ValidationError({"place": _("Place: choose one building, venue or dwelling.")})
    return place
