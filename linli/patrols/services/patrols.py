"""Patrols (巡查): a grid worker starts one, records the places visited, ends it; a problem seen at a stop
becomes a case in one tap."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import services as cases
from linli.cases.models import Case
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Household
from linli.people.scopes import Scope
from linli.places.geometry import clean_point
from linli.places.models import Building, Dwelling, Grid, Venue

from ..models import Patrol, PatrolStop
from ._common import _actor, _grid_of, _require_write, _save_photos, _text


def _worker_grid(scope: Scope) -> Grid | None:
    for appt in scope.appointments:
        if appt.role == roles.GRID_WORKER and appt.grid_id:
            return appt.grid
    return None


@transaction.atomic
def start_patrol(scope: Scope, grid: Grid | None = None, note: str = "") -> Patrol:
    """A grid worker starts a patrol of their grid (one open patrol at a time)."""
    account = _actor(scope)
    if account is None:
        raise OutOfScope(_("Sign in to patrol."))
    grid = grid or _worker_grid(scope)
    if grid is None:
        raise ValidationError({"grid": _("Grid: you are not a grid worker; choose the grid to patrol.")})
    _require_write(scope, grid, _("You may patrol only your own grid."))
    if Patrol.objects.filter(worker=account, ended_at__isnull=True).exists():
        raise ValidationError({"patrol": _("Patrol: you already have a patrol under way; finish it first.")})
    try:
        with transaction.atomic():
            return Patrol.objects.create(worker=account, person=account.person, grid=grid, community=grid.community, note=note)
    except IntegrityError:
        raise ValidationError({"patrol": _("Patrol: you already have a patrol under way; finish it first.")})


@transaction.atomic
def record_stop(scope: Scope, patrol: Patrol, *, seen: str, building: Building | None = None, venue: Venue | None = None,
                dwelling: Dwelling | None = None, lat=None, lng=None, photos=(), at=None) -> PatrolStop:
    """A place visited on the patrol: what was seen, photos; the household follows the dwelling."""
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    if patrol.worker_id != getattr(scope.account, "pk", None) and not scope.everything:
        raise OutOfScope(_("Only the worker on the patrol records its stops."))
    if patrol.ended_at is not None:
        raise ValidationError({"patrol": _("Patrol: the patrol has ended.")})
    if sum(x is not None for x in (building, venue, dwelling)) != 1:
        raise ValidationError({"place": _("Place: choose one building, venue or dwelling.")})
    place = dwelling or venue or building
    _require_write(scope, place, _("%(place)s lies outside your grid.") % {"place": place})
    seen = _text(seen, "seen", _("What was seen"))
    lat, lng = clean_point(lat, lng)
    if lat is None:
        b = dwelling.building if dwelling else (venue.building if venue and venue.building_id else building)
        src = venue if venue is not None and venue.lat is not None else b
        if src is not None:
            lat, lng = src.lat, src.lng
    household = Household.objects.filter(dwelling=dwelling, closed_on__isnull=True).first() if dwelling else None
    grid = _grid_of(place)
    stop = PatrolStop.objects.create(patrol=patrol, grid=grid, community=grid.community, building=dwelling.building if dwelling else building,
                                     venue=venue, dwelling=dwelling, household=household, seen=seen, lat=lat, lng=lng, at=at or timezone.now())
    if lat is not None:
        patrol.track = list(patrol.track) + [[lat, lng, stop.at.isoformat()]]
        patrol.save(update_fields=["track"])
    _save_photos(photos, scope, stop=stop)
    return stop


@transaction.atomic
def end_patrol(scope: Scope, patrol: Patrol, note: str = "") -> Patrol:
    if patrol.worker_id != getattr(scope.account, "pk", None) and not scope.everything:
        raise OutOfScope(_("Only the worker on the patrol ends it."))
    updated = Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(ended_at=timezone.now(), note=note or patrol.note)
    if not updated:
        raise ValidationError({"patrol": _("Patrol: the patrol has already ended.")})
    patrol.refresh_from_db()
    return patrol


@transaction.atomic
def stop_to_case(scope: Scope, stop: PatrolStop, description: str, category=None, photos=()) -> Case:
    """One tap: the problem seen at a stop becomes a case (source: patrol) at the stop's place."""
    if stop.case_id:
        raise ValidationError({"case": _("Case: this stop already reported case %(n)s.") % {"n": stop.case.number}})
    where = {"dwelling": stop.dwelling} if stop.dwelling_id else {"lat": stop.lat, "lng": stop.lng, "building": stop.building}
    case = cases.submit(scope, source=Case.Source.PATROL, description=description, category=category, photos=photos,
                        address=str(stop.place), **where)
    updated = PatrolStop.objects.filter(pk=stop.pk, case__isnull=True).update(case=case)
    if not updated:
        raise ValidationError({"case": _("Case: this stop already reported a case.")})
    stop.case = case
    return case
