"""Helpers the grid-work services share: text checks, the site language, scope checks, numbering,
photos, and who works where (the grid worker of a grid, the community's staff)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.cases import services as cases
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Appointment
from linli.people.scopes import Scope
from linli.places.models import Dwelling, Grid

from ..models import Photo


MAX_TEXT = 4000


def _actor(scope: Scope):
    account = scope.account
    return account if getattr(account, "pk", None) else None


def _text(value, field: str, label: str, minimum: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationError({field: _("%(label)s: required (at least %(n)d characters).") % {"label": label, "n": minimum}})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("%(label)s: at most %(n)d characters.") % {"label": label, "n": MAX_TEXT}})
    return value


def site_language():
    """Text stored in records (titles, reasons, case descriptions) is written in the site's language,
    whatever language the request or test runs in."""
    return translation.override(settings.LANGUAGE_CODE)


def _require_write(scope: Scope, place, message: str) -> None:
    if not scope.covers(place, "write", roles.PATROLS):
        raise OutOfScope(message)


def _grid_of(place) -> Grid:
    if isinstance(place, Dwelling):
        return place.building.grid
    return place.grid


def _save_photos(photos, scope, **target):
    for photo in cases.clean_photos(photos):
        Photo.objects.create(file=photo, content_type=photo.content_type, size=photo.size, uploaded_by=_actor(scope), **target)


def _create_numbered(model, prefix: str, day: datetime.date, **fields):
    """Create a record numbered <prefix><yyyymmdd>-<nnn>; two creating at once each get their own number."""
    stem = f"{prefix}{day:%Y%m%d}-"
    count = model.objects.filter(number__startswith=stem).count()
    for i in range(1, 50):
        try:
            with transaction.atomic():
                return model.objects.create(number=f"{stem}{count + i:03d}", **fields)
        except IntegrityError:
            if not model.objects.filter(number=f"{stem}{count + i:03d}").exists():
                raise
    raise ValidationError({"number": _("Number: could not number the record; try again.")})


def community_staff(community_id) -> list[Account]:
    today = timezone.localdate()
    return list(Account.objects.filter(
        is_active=True, person__appointments__role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY],
        person__appointments__community_id=community_id, person__appointments__starts_on__lte=today,
    ).filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())


def grid_worker_of(grid: Grid | None, on: datetime.date | None = None) -> Account | None:
    if grid is None:
        return None
    on = on or timezone.localdate()
    for gid in ([grid.pk, grid.parent_id] if grid.parent_id else [grid.pk]):
        appt = (Appointment.objects.filter(role=roles.GRID_WORKER, grid_id=gid, starts_on__lte=on)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).order_by("starts_on", "id").first())
        if appt:
            account = Account.objects.filter(person_id=appt.person_id, is_active=True).first()
            if account:
                return account
    return None
