"""Helpers shared by the care use cases: who may act, who is told, the state-table check."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import roles
from linli.core.errors import OutOfScope, ValidationError
from linli.people.models import Account, Appointment
from linli.places.models import Grid

from ..models import Station


def account_of(scope):
    a = getattr(scope, "account", None)
    return a if getattr(a, "is_authenticated", False) else None


def is_operator(scope, station: Station) -> bool:
    if scope.everything:
        return True
    a = account_of(scope)
    return a is not None and station.operators.filter(pk=a.pk).exists()


def may_work(scope, station: Station) -> bool:
    """Operators of the station, and those who write care records in its community (community staff, grid workers)."""
    return is_operator(scope, station) or scope.covers(station.community, "write", roles.CARE)


def require_work(scope, station: Station) -> None:
    if not may_work(scope, station):
        raise OutOfScope(_("Only the station's operators and the community's staff may do this."))


def check_edge(table: dict, frm: str, to: str, use_case: str) -> None:
    """The one check of a state machine: `to` must be a next state of `frm`, taken by `use_case`."""
    edge = table.get(frm, {}).get(to)
    if edge is None:
        raise ValidationError(_("This step is not possible in the current state."))
    if edge != use_case:
        raise AssertionError(f"{use_case} takes {frm} → {to}, but the table names {edge}")


def operators_on_duty(station: Station, now: datetime.datetime) -> list:
    on = list(Account.objects.filter(is_active=True, care_shifts__station=station, care_shifts__starts_at__lte=now,
                                     care_shifts__ends_at__gt=now).distinct())
    return on or list(station.operators.filter(is_active=True))


def grid_worker_of(grid_id: int | None, on: datetime.date) -> Account | None:
    """The grid worker appointed to the grid (or, for a micro-grid, to its parent)."""
    if grid_id is None:
        return None
    grid = Grid.objects.filter(pk=grid_id).only("pk", "parent_id").first()
    for gid in ([grid.pk, grid.parent_id] if grid and grid.parent_id else [grid_id]):
        appt = (Appointment.objects.filter(role=roles.GRID_WORKER, grid_id=gid, starts_on__lte=on)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).order_by("starts_on", "id").first())
        if appt:
            account = Account.objects.filter(person_id=appt.person_id, is_active=True).first()
            if account:
                return account
    return None


def community_staff(community_id: int) -> list:
    today = timezone.localdate()
    return list(Account.objects.filter(
        is_active=True, person__appointments__role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY],
        person__appointments__community_id=community_id, person__appointments__starts_on__lte=today,
    ).filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())


def text(value, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    if "\x00" in value:
        raise ValidationError({field: _("Invalid characters.")})
    return value
