"""Awards (实践之星 …): given by the community's staff, their points posted once per award."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import notify
from linli.people.scopes import Scope

from ..models import Award, LedgerAccount, Posting, Volunteer
from ._common import _accounts_of, _actor, _positive_int, _require_community_staff, _site_language, _stored, _text
from .ledger import account_of, house_account, post


@transaction.atomic
def give_award(scope: Scope, volunteer: Volunteer, *, title: str, level: str, period_start: datetime.date,
               period_end: datetime.date, points) -> Award:
    """Award a volunteer (e.g. 实践之星); the points post from the issuing account, once per award."""
    _require_community_staff(scope, volunteer.community)
    title = _text(title, "title", _("Award"), 60)
    if level not in Award.Level.values:
        raise ValidationError({"level": _("Level: excellence or participation.")})
    if not period_start or not period_end or period_end < period_start:
        raise ValidationError({"period_end": _("Period: the end lies before the start.")})
    points = _positive_int(points, "points", _("Points"), allow_zero=True)
    if volunteer.status != Volunteer.Status.APPROVED:
        raise ValidationError({"volunteer": _("Volunteer: only approved volunteers can be awarded.")})
    award = Award.objects.filter(volunteer=volunteer, title=title, period_start=period_start, period_end=period_end).first()
    if award is not None:
        raise ValidationError({"volunteer": _("Volunteer: has this award for this period already.")})
    try:
        with transaction.atomic():
            award = Award.objects.create(community_id=volunteer.community_id, volunteer=volunteer, title=title, level=level,
                                         period_start=period_start, period_end=period_end, points=points, awarded_by=_actor(scope))
    except IntegrityError:
        raise ValidationError({"volunteer": _("Volunteer: has this award for this period already.")})
    if points:
        award.posting = post(from_account=house_account(volunteer.community_id, LedgerAccount.Kind.ISSUING), to_account=account_of(volunteer),
                             amount=points, kind=Posting.Kind.AWARD, reason=_stored(lambda: _("Award: %(t)s (%(l)s)") % {"t": title, "l": award.get_level_display()}),
                             source_key=f"award:{award.pk}", created_by=_actor(scope))
        Award.objects.filter(pk=award.pk).update(posting=award.posting)
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"award:{award.pk}", _accounts_of(volunteer.person), subject=_("You received the award %(t)s.") % {"t": title},
                      link="/volunteers/points/")
    return award
