"""Registration (志愿者注册) and approval of volunteers; teams and their memberships."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Appointment, Organization, Person
from linli.people.scopes import Scope
from linli.places.models import Community

from ..models import TargetGroup, Team, TeamMembership, Volunteer
from ._common import _accounts_of, _actor, is_staff, _me, _require_community_staff, _require_staff, _site_language, _text
from .ledger import account_of


@transaction.atomic
def register(scope: Scope, *, person: Person | None = None, community: Community | None = None, skills: str = "",
             availability: str = "", target_groups=(), party_member: bool = False, party_org: Organization | None = None,
             organization: Organization | None = None) -> Volunteer:
    """A resident registers themself; staff (or a grid worker) may register someone in their area."""
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    if person is None:
        person = _me(scope)
    community = community or person.community
    if community is None:
        raise ValidationError({"community": _("Community: required.")})
    if person != me and not (is_staff(scope, community) or scope.allows(person, "write")):
        raise OutOfScope(_("You may register only yourself."))
    if me == person and person.community_id != community.pk and organization is None and not scope.everything:
        raise ValidationError({"community": _("Community: you can register only in your own community, or through a co-building unit there.")})
    groups = list(dict.fromkeys(target_groups or []))
    bad = [g for g in groups if g not in TargetGroup.values]
    if bad:
        raise ValidationError({"target_groups": _("Groups served: unknown group %(g)s.") % {"g": bad[0]}})
    if organization is not None and (organization.kind not in {Organization.Kind.CO_BUILDING, Organization.Kind.PROPERTY_COMPANY,
                                                              Organization.Kind.SOCIAL, Organization.Kind.PARTY}
                                     or organization.community_id not in (None, community.pk)):
        raise ValidationError({"organization": _("Co-building unit: must be a co-building unit, property company or social organisation of this community.")})
    if party_member:
        if person.political_status not in {Person.Political.PARTY_MEMBER, Person.Political.PROBATIONARY}:
            raise ValidationError({"party_member": _("Party-member registration: the register does not list this person as a CPC member.")})
        if party_org is None or party_org.kind != Organization.Kind.PARTY:
            raise ValidationError({"party_org": _("Party organisation: choose the party organisation the member belongs to.")})
    elif party_org is not None:
        raise ValidationError({"party_org": _("Party organisation: only for party-member registration.")})
    fields = dict(skills=_text(skills, "skills", _("Skills"), 300, required=False),
                  availability=_text(availability, "availability", _("Availability"), 200, required=False),
                  target_groups=groups, party_member=bool(party_member), party_org=party_org, organization=organization)
    existing = Volunteer.objects.select_for_update().filter(person=person, community=community).first()
    if existing is not None:
        if existing.status != Volunteer.Status.REJECTED:
            raise ValidationError({"person": _("Person: already registered as a volunteer here (%(status)s).")
                                   % {"status": existing.get_status_display()}})
        for k, v in fields.items():
            setattr(existing, k, v)
        existing.status, existing.applied_at, existing.decided_by, existing.decided_at = Volunteer.Status.PENDING, timezone.now(), None, None
        existing.save()
        _tell_staff(existing)
        return existing
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(person=person, community=community, **fields)
    except IntegrityError:
        raise ValidationError({"person": _("Person: already registered as a volunteer here.")})
    _tell_staff(volunteer)
    return volunteer


def _tell_staff(volunteer: Volunteer) -> None:
    """The community's staff learn of a new registration waiting for approval."""
    on = timezone.localdate()
    posts = (Appointment.objects.filter(community=volunteer.community, role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY],
                                        starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)))
    staff = Account.objects.filter(is_active=True, person_id__in=posts.values("person_id"))
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"volunteer:{volunteer.pk}:applied:{volunteer.applied_at.timestamp()}", list(staff),
                      subject=_("New volunteer registration: %(name)s") % {"name": volunteer.person.name}, link="/volunteers/approvals/")


@transaction.atomic
def decide(scope: Scope, volunteer: Volunteer, *, approve: bool, note: str = "") -> Volunteer:
    _require_community_staff(scope, volunteer.community)
    note = _text(note, "note", _("Note"), 200, required=not approve)
    new = Volunteer.Status.APPROVED if approve else Volunteer.Status.REJECTED
    now = timezone.now()
    done = Volunteer.objects.filter(pk=volunteer.pk, status=Volunteer.Status.PENDING).update(
        status=new, decided_by=_actor(scope), decided_at=now, decision_note=note)
    if not done:
        raise ValidationError({"status": _("Status: this registration was already decided.")})
    volunteer.refresh_from_db()
    if approve:
        account_of(volunteer)
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"volunteer:{volunteer.pk}:decided:{now.timestamp()}", _accounts_of(volunteer.person),
                      subject=_("Your volunteer registration was approved.") if approve else _("Your volunteer registration was not approved."),
                      body=note, link="/volunteers/")
    return volunteer


@transaction.atomic
def suspend(scope: Scope, volunteer: Volunteer, *, note: str) -> Volunteer:
    _require_community_staff(scope, volunteer.community)
    note = _text(note, "note", _("Note"), 200)
    if not Volunteer.objects.filter(pk=volunteer.pk, status=Volunteer.Status.APPROVED).update(
            status=Volunteer.Status.SUSPENDED, decided_by=_actor(scope), decided_at=timezone.now(), decision_note=note):
        raise ValidationError({"status": _("Status: only an approved volunteer can be suspended.")})
    volunteer.refresh_from_db()
    return volunteer


@transaction.atomic
def create_team(scope: Scope, community: Community, *, name: str, lead: Volunteer | None = None,
                organization: Organization | None = None, services: str = "", channel: str = "") -> Team:
    _require_staff(scope, community)
    name = _text(name, "name", pgettext("volunteers", "Name"), 100)
    if Team.objects.filter(community=community, name=name).exists():
        raise ValidationError({"name": _("Name: a team of this name exists already.")})
    if lead is not None and (lead.community_id != community.pk or lead.status != Volunteer.Status.APPROVED):
        raise ValidationError({"lead": _("Lead: must be an approved volunteer of this community.")})
    team = Team.objects.create(community=community, name=name, lead=lead, organization=organization,
                               services=_text(services, "services", _("Services offered"), 300, required=False),
                               channel=_text(channel, "channel", _("Help channel"), 200, required=False))
    if lead is not None:
        TeamMembership.objects.create(team=team, volunteer=lead)
    return team


@transaction.atomic
def join_team(scope: Scope, team: Team, volunteer: Volunteer, *, since: datetime.date | None = None) -> TeamMembership:
    _require_staff(scope, team.community)
    if volunteer.community_id != team.community_id or volunteer.status != Volunteer.Status.APPROVED:
        raise ValidationError({"volunteer": _("Volunteer: must be an approved volunteer of this community.")})
    if TeamMembership.objects.filter(team=team, volunteer=volunteer, until__isnull=True).exists():
        raise ValidationError({"volunteer": _("Volunteer: already a member of this team.")})
    return TeamMembership.objects.create(team=team, volunteer=volunteer, since=since or timezone.localdate())


@transaction.atomic
def leave_team(scope: Scope, membership: TeamMembership, *, until: datetime.date | None = None) -> TeamMembership:
    _require_staff(scope, membership.team.community)
    until = until or timezone.localdate()
    if until < membership.since:
        raise ValidationError({"until": _("Until: the date lies before the membership began.")})
    if not TeamMembership.objects.filter(pk=membership.pk, until__isnull=True).update(until=until):
        raise ValidationError({"until": _("Until: this membership has ended already.")})
    membership.refresh_from_db()
    return membership
