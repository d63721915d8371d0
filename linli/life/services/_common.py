"""What the life services share: the one `_transition`, who acts (resident, community staff, a seller's
people, a pickup attendant), text and number checks, the site language."""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core import roles
from linli.core.errors import OutOfScope
from linli.people.models import Account, Appointment, Person
from linli.people.scopes import Scope

from .. import workflow

MAX_TEXT = 4000
STAFF = (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY)


class Refused(ValidationError):
    """A step the state machine does not allow from the row's current state."""


def _transition(machine: str, obj, to: str, use_case: str, **fields) -> bool:
    """Move `obj` along an edge of `machine` (workflow.py) by a conditional UPDATE on its current state.

    Refuses an edge the table does not hold, or one named for another use case. Returns False when the row
    was moved by someone else in between (the caller decides what that means); sets the new values on `obj`."""
    table = workflow.MACHINES[machine]
    current = obj.state
    allowed = table.get(current, {})
    if allowed.get(to) != use_case:
        raise Refused({"state": _("State: cannot go from %(from)s to %(to)s here.") % {"from": obj.get_state_display(), "to": to}})
    moved = type(obj)._base_manager.filter(pk=obj.pk, state=current).update(state=to, **fields)
    if moved:
        obj.state = to
        for k, v in fields.items():
            setattr(obj, k, v)
    return bool(moved)


def site_language():
    return translation.override(settings.LANGUAGE_CODE)


def _text(value, field: str, label: str, minimum: int = 1, maximum: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationError({field: _("%(label)s: required.") % {"label": label}})
    if len(value) > maximum:
        raise ValidationError({field: _("%(label)s: at most %(n)d characters.") % {"label": label, "n": maximum}})
    return value


def _decimal(value, field: str, label: str, *, positive=False, allow_none=False) -> Decimal | None:
    if value in (None, "") and allow_none:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("%(label)s: enter a number.") % {"label": label}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("%(label)s: enter a number.") % {"label": label}})
    if number < 0:
        raise ValidationError({field: _("%(label)s: may not be negative.") % {"label": label}})
    if positive and number == 0:
        raise ValidationError({field: _("%(label)s: must be more than 0.") % {"label": label}})
    if number > Decimal("99999999"):
        raise ValidationError({field: _("%(label)s: too large.") % {"label": label}})
    return number.quantize(Decimal("0.01"))


def _now(now=None) -> datetime.datetime:
    return now or timezone.now()


def actor(scope: Scope):
    account = scope.account
    return account if getattr(account, "pk", None) else None


def person_of(scope: Scope) -> Person | None:
    """The person acting: the account's person (an account the demo stands in for a resident with has no pk, and
    `actor` is then None, but the person is still who signs up, books or borrows)."""
    account = scope.account
    return account.person if getattr(account, "person_id", None) else None


def is_staff_of(scope: Scope, community_id) -> bool:
    """The community's own staff or secretary (or the system)."""
    return scope.everything or any(a.role in STAFF and a.community_id == community_id for a in scope.appointments)


def reads_community(scope: Scope, community_id) -> bool:
    """Staff of the community or of its subdistrict (oversight)."""
    if is_staff_of(scope, community_id):
        return True
    from linli.places.models import Community
    return any(a.role == roles.SUBDISTRICT_STAFF and Community.objects.filter(pk=community_id, subdistrict_id=a.subdistrict_id).exists()
               for a in scope.appointments)


def org_ids(scope: Scope) -> set:
    return {a.organization_id for a in scope.appointments if a.organization_id}


def require_staff(scope: Scope, community_id, message=None) -> None:
    if not is_staff_of(scope, community_id):
        raise OutOfScope(message or _("Only the community's staff may do this."))


def community_staff(community_id) -> list[Account]:
    today = timezone.localdate()
    return list(Account.objects.filter(
        is_active=True, person__appointments__role__in=STAFF, person__appointments__community_id=community_id,
        person__appointments__starts_on__lte=today,
    ).filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())


def accounts_of_org(organization_id) -> list[Account]:
    today = timezone.localdate()
    person_ids = Appointment.objects.filter(organization_id=organization_id, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)).values("person_id")
    return list(Account.objects.filter(is_active=True, person_id__in=person_ids))


def account_of(person) -> Account | None:
    return Account.objects.filter(person=person, is_active=True).first() if person is not None else None


def masked_name(name: str) -> str:
    """王建国 → 王…: the family name only, as a chat list shows it to neighbours."""
    name = (name or "").strip()
    return f"{name[:1]}…" if name else "…"
