"""What every meetings use case stands on: who acts, who is the community's staff, who lives where, who is told;
attendance and resolutions as a meeting records them."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Person
from linli.people.scopes import Scope
from linli.places.models import Building

from ..models import Attendance, Matter


def _actor(scope: Scope):
    return scope.account if getattr(scope.account, "pk", None) else None


def _require_staff(scope: Scope, community_id: int) -> None:
    if scope.everything:
        return
    for a in scope.appointments:
        if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.community_id == community_id:
            return
        if a.role == roles.SUBDISTRICT_STAFF and a.subdistrict.communities.filter(pk=community_id).exists():
            return
    raise OutOfScope(_("Only the community's staff organise its meetings."))


def _clean_attendees(attendees) -> list[dict]:
    """attendees: dicts with person or organization or name, status, substitute_name."""
    cleaned = []
    for i, a in enumerate(attendees or [], 1):
        person, org, name = a.get("person"), a.get("organization"), (a.get("name") or "").strip()
        if person is None and org is None and not name:
            raise ValidationError({"attendees": _("Attendee %(i)d: name a person, an organisation or a guest.") % {"i": i}})
        status = a.get("status", Attendance.Status.INVITED)
        if status not in Attendance.Status.values:
            raise ValidationError({"attendees": _("Attendee %(i)d: unknown attendance %(s)s.") % {"i": i, "s": status}})
        substitute = (a.get("substitute_name") or "").strip()
        if status == Attendance.Status.SUBSTITUTE and not substitute:
            raise ValidationError({"attendees": _("Attendee %(i)d: name the substitute.") % {"i": i}})
        cleaned.append({"person": person, "organization": org, "name": name, "status": status, "substitute_name": substitute})
    return cleaned


def _clean_resolutions(resolutions) -> list[dict]:
    cleaned = []
    for i, r in enumerate(resolutions or [], 1):
        text = (r.get("text") or "").strip()
        if not text:
            raise ValidationError({"resolutions": _("Resolution %(i)d: write what was decided.") % {"i": i}})
        owner, owner_org = r.get("owner"), r.get("owner_org")
        if owner is None and owner_org is None:
            raise ValidationError({"resolutions": _("Resolution %(i)d: an action needs an owner (a person or an organisation).") % {"i": i}})
        due = r.get("due_on")
        if not isinstance(due, datetime.date):
            raise ValidationError({"resolutions": _("Resolution %(i)d: a due date is required.") % {"i": i}})
        if due < timezone.localdate():
            raise ValidationError({"resolutions": _("Resolution %(i)d: the due date lies in the past.") % {"i": i}})
        cleaned.append({"text": text, "owner": owner, "owner_org": owner_org, "due_on": due, "owner_kind": r.get("owner_kind") or ""})
    return cleaned


# ==================================================================== council hall: who lives where

def person_of(scope: Scope) -> Person | None:
    """The person acting (an account's person; the demo generator acts for residents without accounts)."""
    return getattr(scope.account, "person", None) if scope.account is not None else None


def lives_in(person: Person | None, *, community_id: int, compound_id: int | None = None, building_id: int | None = None) -> bool:
    """A resident living in the area (Person.dwelling → building → compound → community)."""
    if person is None or person.status != Person.Status.LIVING_HERE or not person.dwelling_id:
        return False
    b = Building.objects.filter(pk=person.dwelling.building_id).values("id", "compound_id", "community_id").first()
    if b is None or b["community_id"] != community_id:
        return False
    if compound_id and b["compound_id"] != compound_id:
        return False
    if building_id and b["id"] != building_id:
        return False
    return True


def in_matter_scope(person: Person | None, matter: Matter) -> bool:
    return lives_in(person, community_id=matter.community_id, compound_id=matter.compound_id, building_id=matter.building_id)


def _resident_of(scope: Scope, matter: Matter, what: str) -> Person:
    person = person_of(scope)
    if not in_matter_scope(person, matter):
        raise OutOfScope(_("%(what)s: only residents living in the matter's area (%(area)s) may do this.")
                         % {"what": what, "area": matter.scope_place})
    return person


def _scope_residents_accounts(matter: Matter) -> list:
    qs = Account.objects.filter(is_active=True, person__status=Person.Status.LIVING_HERE, person__dwelling__building__community_id=matter.community_id)
    if matter.compound_id:
        qs = qs.filter(person__dwelling__building__compound_id=matter.compound_id)
    if matter.building_id:
        qs = qs.filter(person__dwelling__building_id=matter.building_id)
    return list(qs)


def _staff_accounts(community_id: int) -> list:
    today = timezone.localdate()
    return list(Account.objects.filter(is_active=True, person__appointments__community_id=community_id,
                                       person__appointments__role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY],
                                       person__appointments__starts_on__lte=today)
                .filter(Q(person__appointments__ends_on__isnull=True) | Q(person__appointments__ends_on__gte=today)).distinct())



def is_staff_of(scope: Scope, community_id: int) -> bool:
    try:
        _require_staff(scope, community_id)
    except OutOfScope:
        return False
    return True
