"""The service menu (点单式服务): items per target group, orders, claims by volunteers, completion with hours and
points."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.models import Person
from linli.people.scopes import Scope
from linli.places.models import Community

from ..models import MenuItem, ServiceOrder, ServiceRecord, TargetGroup
from ._common import _accounts_of, _actor, is_staff, _me, _positive_int, _require_staff, _require_volunteer, _site_language, _text


ORDER_POINTS_PER_HOUR = 10


@transaction.atomic
def add_menu_item(scope: Scope, community: Community, *, target_group: str, title: str, description: str = "") -> MenuItem:
    _require_staff(scope, community)
    if target_group not in TargetGroup.values:
        raise ValidationError({"target_group": _("Target group: unknown group.")})
    return MenuItem.objects.create(community=community, target_group=target_group, title=_text(title, "title", pgettext("volunteers", "Service"), 100),
                                   description=_text(description, "description", _("Description"), 300, required=False))


@transaction.atomic
def order_service(scope: Scope, item: MenuItem, *, note: str = "", person: Person | None = None) -> ServiceOrder:
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    person = person or _me(scope)
    if person != me and not (scope.allows(person, "write") or is_staff(scope, person.community)):
        raise OutOfScope(_("You may order only for yourself or a resident in your area."))
    if not item.active or person.community_id != item.community_id:
        raise ValidationError({"item": _("Service: not on this community's menu.")})
    return ServiceOrder.objects.create(community_id=item.community_id, item=item, person=person,
                                       note=_text(note, "note", _("Note"), 200, required=False))


@transaction.atomic
def claim_order(scope: Scope, order: ServiceOrder, *, person: Person | None = None) -> ServiceOrder:
    volunteer = _require_volunteer(scope, order.community_id, person)
    if not ServiceOrder.objects.filter(pk=order.pk, status=ServiceOrder.Status.REQUESTED).update(
            status=ServiceOrder.Status.CLAIMED, volunteer=volunteer, claimed_at=timezone.now()):
        raise ValidationError({"order": _("Order: someone has taken it already.")})
    order.refresh_from_db()
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"order:{order.pk}:claimed", _accounts_of(order.person), subject=_("A volunteer took your service order: %(t)s")
                      % {"t": order.item.title}, link="/volunteers/menu/")
    return order


@transaction.atomic
def complete_order(scope: Scope, order: ServiceOrder, *, minutes) -> ServiceRecord:
    """The volunteer (or staff for them) reports the task done with the minutes spent: a service record for staff to certify."""
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    if not (order.volunteer_id and me is not None and order.volunteer.person_id == me.pk) and not is_staff(scope, order.item.community):
        raise OutOfScope(_("Only the volunteer who took the order may report it done."))
    minutes = _positive_int(minutes, "minutes", pgettext("volunteers", "Minutes"))
    if minutes > 24 * 60:
        raise ValidationError({"minutes": _("Minutes: at most one day.")})
    now = timezone.now()
    if not ServiceOrder.objects.filter(pk=order.pk, status=ServiceOrder.Status.CLAIMED).update(status=ServiceOrder.Status.DONE, done_at=now):
        raise ValidationError({"order": _("Order: only a taken order can be done.")})
    return ServiceRecord.objects.create(volunteer_id=order.volunteer_id, community_id=order.community_id, order=order,
                                        started_at=now - datetime.timedelta(minutes=minutes), ended_at=now, minutes=minutes)
