"""Micro-wishes (微心愿): a resident's wish is posted, claimed by an organisation or person, fulfilled, thanked."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.models import Organization, Person
from linli.people.scopes import Scope

from ..models import Wish
from ._common import _accounts_of, _actor, _check_photo, is_staff, _me, _require_staff, _require_volunteer, _site_language, _text


@transaction.atomic
def post_wish(scope: Scope, *, text: str, person: Person | None = None) -> Wish:
    """A resident posts their own wish; a grid worker (or staff) posts one for a resident in their area."""
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    person = person or _me(scope)
    if person != me and not (scope.allows(person, "write") or is_staff(scope, person.community)):
        raise OutOfScope(_("You may post a wish only for yourself or a resident in your area."))
    if person.community_id is None:
        raise ValidationError({"person": _("Resident: has no community.")})
    text = _text(text, "text", _("Wish"), 200)
    if Wish.objects.filter(person=person, status__in=[Wish.Status.OPEN, Wish.Status.CLAIMED]).count() >= 3:
        raise ValidationError({"text": _("Wish: a resident may have at most 3 open wishes.")})
    return Wish.objects.create(community_id=person.community_id, person=person, posted_by=_actor(scope), text=text)


@transaction.atomic
def claim_wish(scope: Scope, wish: Wish, *, organization: Organization | None = None, person: Person | None = None) -> Wish:
    """An approved volunteer claims a wish; staff may record a co-building unit's claim."""
    if organization is not None:
        _require_staff(scope, wish.community)
        volunteer = None
    else:
        volunteer = _require_volunteer(scope, wish.community_id, person)
        if volunteer.person_id == wish.person_id:
            raise ValidationError({"wish": _("Wish: you cannot claim your own wish.")})
    if not Wish.objects.filter(pk=wish.pk, status=Wish.Status.OPEN).update(
            status=Wish.Status.CLAIMED, claimed_by=volunteer, claimed_org=organization, claimed_at=timezone.now()):
        raise ValidationError({"wish": _("Wish: someone has claimed it already.")})
    wish.refresh_from_db()
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"wish:{wish.pk}:claimed", _accounts_of(wish.person) + ([wish.posted_by] if wish.posted_by else []),
                      subject=_("Your micro-wish was claimed."), body=wish.text, link=f"/volunteers/wishes/{wish.pk}/")
    return wish


def _may_fulfil(scope: Scope, wish: Wish) -> bool:
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    return (wish.claimed_by_id and me is not None and wish.claimed_by.person_id == me.pk) or is_staff(scope, wish.community)


@transaction.atomic
def fulfil_wish(scope: Scope, wish: Wish, *, note: str, photo=None) -> Wish:
    if not _may_fulfil(scope, wish):
        raise OutOfScope(_("Only who claimed the wish (or staff) may fulfil it."))
    note = _text(note, "note", _("How it was fulfilled"), 200)
    _check_photo(photo)
    wish = Wish.objects.select_for_update().get(pk=wish.pk)
    if wish.status != Wish.Status.CLAIMED:
        raise ValidationError({"wish": _("Wish: only a claimed wish can be fulfilled.")})
    wish.status, wish.fulfil_note, wish.fulfilled_at = Wish.Status.FULFILLED, note, timezone.now()
    if photo is not None:
        wish.photo.save(photo.name, photo, save=False)
    wish.save()
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"wish:{wish.pk}:fulfilled", _accounts_of(wish.person) + ([wish.posted_by] if wish.posted_by else []),
                      subject=_("Your micro-wish was fulfilled: please say thanks."), body=wish.text, link=f"/volunteers/wishes/{wish.pk}/")
    return wish


@transaction.atomic
def thank_wish(scope: Scope, wish: Wish, *, text: str) -> Wish:
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    if not ((me is not None and me.pk == wish.person_id) or (wish.posted_by_id and wish.posted_by_id == getattr(scope.account, "pk", None))):
        raise OutOfScope(_("Only the resident (or who posted the wish for them) may thank."))
    text = _text(text, "thanks", _("Thanks"), 200)
    if not Wish.objects.filter(pk=wish.pk, status=Wish.Status.FULFILLED).update(status=Wish.Status.THANKED, thanks=text, thanked_at=timezone.now()):
        raise ValidationError({"thanks": _("Thanks: the wish is not fulfilled yet.")})
    wish.refresh_from_db()
    if wish.claimed_by_id:
        with _site_language():  # stored messages are written in the site language
            notify.notify(f"wish:{wish.pk}:thanked", _accounts_of(wish.claimed_by.person), subject=_("A resident thanked you."), body=text,
                          link=f"/volunteers/wishes/{wish.pk}/")
    return wish
