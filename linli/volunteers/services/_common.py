"""Helpers the volunteers services share: the acting person, staff checks, text and number checks, photos,
the caller's approved volunteer record."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Person
from linli.people.scopes import Scope
from linli.places.models import Community

from ..models import Volunteer


MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


def _site_language():
    """Text stored in a record (a posting's reason, a message) is written in the site's language, whoever's page caused it."""
    return translation.override(settings.LANGUAGE_CODE)


def _stored(make) -> str:
    with _site_language():
        return str(make())


def _actor(scope: Scope):
    account = scope.account
    return account if getattr(account, "pk", None) else None


def _me(scope: Scope) -> Person:
    person = getattr(scope.account, "person", None) if _actor(scope) else None
    if person is None:
        raise OutOfScope(_("Only a signed-in resident can do this."))
    return person


def is_staff(scope: Scope, community) -> bool:
    """Community staff (and team leads) of this community: write on the volunteers domain there."""
    return bool(community) and scope.covers(community, "write", roles.VOLUNTEERS)


def _require_staff(scope: Scope, community) -> None:
    if not is_staff(scope, community):
        raise OutOfScope(_("Only the community's staff may do this."))


def is_community_staff(scope: Scope, community) -> bool:
    """Staff or secretary appointed to this very community (a post elsewhere, held beside a team lead's post here, does not count)."""
    if not is_staff(scope, community):
        return False
    return scope.everything or any(a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.home_community_id == community.pk
                                   for a in scope.appointments)


def _require_community_staff(scope: Scope, community) -> None:
    """Approving registrations, corrections and awards are the community's decisions: its staff, not a team lead."""
    if not is_community_staff(scope, community):
        raise OutOfScope(_("Only the community's staff may do this."))


def _accounts_of(person: Person | None) -> list:
    if person is None:
        return []
    return list(Account.objects.filter(person=person, is_active=True))


def _text(value, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("%(label)s: required.") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(label)s: at most %(n)d characters.") % {"label": label, "n": max_length}})
    return value


def _positive_int(value, field: str, label: str, allow_zero: bool = False) -> int:
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        n = int(value)
        if str(value).strip() != str(n) and not isinstance(value, (int, float)):
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({field: _("%(label)s: must be a whole number.") % {"label": label}})
    if n < 0 or (n == 0 and not allow_zero):
        raise ValidationError({field: _("%(label)s: must be above zero.") % {"label": label} if not allow_zero
                               else _("%(label)s: must not be negative.") % {"label": label}})
    return n


def _check_photo(photo) -> None:
    if photo is None:
        return
    if photo.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": _("Photo: at most 5 MB.")})
    head = photo.read(8)
    photo.seek(0)
    if not any(head.startswith(m) for m in PHOTO_MAGIC):
        raise ValidationError({"photo": _("Photo: must be a JPEG, PNG or WebP image.")})


def approved_volunteer(person: Person | None, community_id) -> Volunteer | None:
    if person is None:
        return None
    return Volunteer.objects.filter(person=person, community_id=community_id, status=Volunteer.Status.APPROVED).first()


def _who(scope: Scope, person: Person | None, community) -> Person:
    """The signed-in person, or (for staff at the desk: an elderly volunteer without a phone) the person named."""
    if person is None:
        return _me(scope)
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    if person != me:
        _require_staff(scope, community)
    return person


def _require_volunteer(scope: Scope, community_id, person: Person | None = None) -> Volunteer:
    person = _who(scope, person, Community.objects.get(pk=community_id)) if person is not None else _me(scope)
    volunteer = approved_volunteer(person, community_id)
    if volunteer is None:
        raise ValidationError({"volunteer": _("Volunteer: you are not an approved volunteer of this community.")})
    return volunteer
