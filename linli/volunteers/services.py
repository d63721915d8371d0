"""Every change in the volunteers app: one function per use case, each in a transaction.

Bad input raises ValidationError naming the field ("Amount: …"); acting outside one's community
raises OutOfScope. Races are settled by the database: sign-ups lock the activity row, redemptions
take stock and points by conditional UPDATEs (… WHERE stock >= n, … WHERE balance >= n), so on
SQLite (IMMEDIATE transactions) and PostgreSQL (row locks, re-checked WHERE) exactly one racer wins.

The ledger: post() is the only writer of Posting rows and of LedgerAccount.balance. It updates the
two accounts in primary-key order (no deadlock between a redemption and a refund), refuses to take a
volunteer's or the shop's balance below zero, and is idempotent by source_key.
"""

import datetime
import hashlib
import hmac
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Appointment, Organization, Person
from linli.people.scopes import Scope
from linli.places.models import Community

from .models import (Activity, Award, LedgerAccount, MenuItem, PlanItem, Posting, Redemption, ServiceOrder, ServiceRecord,
                     ShopItem, SignUp, StockTake, TargetGroup, Team, TeamMembership, Volunteer, Wish)

CODE_WINDOW_SECONDS = 60
CHECKIN_EARLY = datetime.timedelta(hours=1)  # check-in opens an hour before the start …
CHECKOUT_LATE = datetime.timedelta(hours=2)  # … and check-out closes two hours after the end
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


# ---------------------------------------------------------------- helpers

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


# ---------------------------------------------------------------- registration and teams

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


def _lead_org_ids(scope: Scope) -> set:
    """The organisations the caller is appointed volunteer-team lead of."""
    return {a.organization_id for a in scope.appointments if a.role == roles.VOLUNTEER_TEAM_LEAD and a.organization_id}


def led_teams(scope: Scope, community):
    """The teams of this community the caller leads: as the team's lead, or appointed team lead of the team's organisation."""
    me = getattr(scope.account, "person", None) if _actor(scope) else None
    if me is None or not scope.has_role(roles.VOLUNTEER_TEAM_LEAD) or not is_staff(scope, community):
        return Team.objects.none()
    return Team.objects.filter(community=community).filter(Q(lead__person=me) | Q(organization_id__in=_lead_org_ids(scope)))


def may_certify_activity(scope: Scope, activity: Activity) -> bool:
    """Who certifies an activity's hours: the community's staff; a team lead for an activity they created, or one their team
    organises (as the organising team, or through the team's organisation among the co-organisers)."""
    if is_community_staff(scope, activity.community):
        return True
    if not scope.has_role(roles.VOLUNTEER_TEAM_LEAD) or not is_staff(scope, activity.community):
        return False
    if activity.created_by_id and activity.created_by_id == getattr(_actor(scope), "pk", None):
        return True
    teams = led_teams(scope, activity.community)
    if activity.team_id and teams.filter(pk=activity.team_id).exists():
        return True
    orgs = _lead_org_ids(scope) | set(teams.exclude(organization__isnull=True).values_list("organization_id", flat=True))
    return bool(orgs) and activity.organisers.filter(pk__in=orgs).exists()


def may_certify(scope: Scope, record: ServiceRecord) -> bool:
    if record.activity_id:
        return may_certify_activity(scope, record.activity)
    return is_community_staff(scope, Community.objects.get(pk=record.community_id))  # a service-menu task: the community's staff


def _require_certifier(scope: Scope, record: ServiceRecord) -> None:
    if may_certify(scope, record):
        return
    if record.activity_id:
        raise OutOfScope(_("Certify: only the community's staff, or a team lead who created or whose team organises this activity, "
                           "may certify its hours."))
    raise OutOfScope(_("Certify: only the community's staff may certify the hours of a service-menu task."))


# ---------------------------------------------------------------- the points ledger

def house_account(community, kind: str) -> LedgerAccount:
    """The community's issuing account or its charity shop (created on first use)."""
    assert kind in (LedgerAccount.Kind.ISSUING, LedgerAccount.Kind.SHOP)
    community_id = getattr(community, "pk", community)
    account = LedgerAccount.objects.filter(community_id=community_id, kind=kind).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LedgerAccount.objects.create(community_id=community_id, kind=kind)
        except IntegrityError:
            account = LedgerAccount.objects.get(community_id=community_id, kind=kind)
    return account


def account_of(volunteer: Volunteer) -> LedgerAccount:
    account = LedgerAccount.objects.filter(volunteer=volunteer).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LedgerAccount.objects.create(community_id=volunteer.community_id, kind=LedgerAccount.Kind.VOLUNTEER, volunteer=volunteer)
        except IntegrityError:
            account = LedgerAccount.objects.get(volunteer=volunteer)
    return account


def balance_of(account: LedgerAccount) -> int:
    """The balance as the sum of postings (in minus out): what the cached column must always equal."""
    incoming = Posting.objects.filter(to_account=account).aggregate(s=Sum("amount"))["s"] or 0
    outgoing = Posting.objects.filter(from_account=account).aggregate(s=Sum("amount"))["s"] or 0
    return incoming - outgoing


def post(*, from_account: LedgerAccount, to_account: LedgerAccount, amount, kind: str, reason: str, source_key: str,
         created_by=None, corrects: Posting | None = None, at=None) -> Posting:
    """Move points between two accounts. Idempotent: a second call with the same source_key returns the first posting."""
    try:
        if isinstance(amount, bool) or int(amount) != amount:
            raise ValueError
        amount = int(amount)
    except (TypeError, ValueError):
        raise ValidationError({"amount": _("Amount: points must be a whole number.")})
    if amount <= 0:
        raise ValidationError({"amount": _("Amount: points must be above zero.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Reason: every posting needs a reason.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Reason: at most 200 characters.")})
    if kind not in Posting.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown posting kind.")})
    if not source_key:
        raise ValidationError({"source_key": _("Source: every posting names what caused it.")})
    if from_account.pk == to_account.pk:
        raise ValidationError({"to_account": _("Accounts: a posting moves points between two different accounts.")})
    if from_account.community_id != to_account.community_id:
        raise ValidationError({"to_account": _("Accounts: both accounts must belong to the same community.")})
    existing = Posting.objects.filter(source_key=source_key).first()
    if existing is not None:
        return _same_or_refuse(existing, from_account, to_account, amount)
    try:
        with transaction.atomic():
            for account in sorted((from_account, to_account), key=lambda a: a.pk):
                if account.pk == from_account.pk:
                    qs = LedgerAccount.objects.filter(pk=account.pk)
                    if account.kind != LedgerAccount.Kind.ISSUING:  # only the issuing account may go below zero
                        qs = qs.filter(balance__gte=amount)
                    if not qs.update(balance=F("balance") - amount):
                        have = LedgerAccount.objects.filter(pk=account.pk).values_list("balance", flat=True).first()
                        raise ValidationError({"amount": _("Amount: %(amount)d points exceed the balance of %(balance)d points.")
                                               % {"amount": amount, "balance": have or 0}})
                else:
                    LedgerAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
            return Posting.objects.create(community_id=from_account.community_id, from_account=from_account, to_account=to_account,
                                          amount=amount, kind=kind, reason=reason, source_key=source_key, corrects=corrects,
                                          created_by=created_by, at=at or timezone.now())
    except IntegrityError:  # the same source posted concurrently: the savepoint undid our balance changes
        existing = Posting.objects.filter(source_key=source_key).first()
        if existing is None:
            raise
        return _same_or_refuse(existing, from_account, to_account, amount)


def _same_or_refuse(existing: Posting, from_account, to_account, amount) -> Posting:
    if (existing.from_account_id, existing.to_account_id, existing.amount) != (from_account.pk, to_account.pk, amount):
        raise ValidationError({"source_key": _("Source: this cause has already posted a different amount.")})
    return existing


@transaction.atomic
def correct(scope: Scope, posting: Posting, *, amount, reason: str) -> Posting:
    """A correction reverses (part of) a posting by a new posting in the other direction; nothing is edited."""
    community = Community.objects.get(pk=posting.community_id)
    _require_community_staff(scope, community)
    amount = _positive_int(amount, "amount", _("Amount"))
    original = Posting.objects.select_for_update().get(pk=posting.pk)
    if original.kind == Posting.Kind.CORRECTION:
        raise ValidationError({"posting": _("Posting: a correction cannot itself be corrected; correct the original posting.")})
    corrected = original.corrections.aggregate(s=Sum("amount"))["s"] or 0
    if amount > original.amount - corrected:
        raise ValidationError({"amount": _("Amount: at most %(n)d points of this posting are left to correct.")
                               % {"n": original.amount - corrected}})
    return post(from_account=original.to_account, to_account=original.from_account, amount=amount, kind=Posting.Kind.CORRECTION,
                reason=reason, source_key=f"correction:{original.pk}:{uuid.uuid4().hex}", created_by=_actor(scope), corrects=original)


# ---------------------------------------------------------------- activities

@transaction.atomic
def create_activity(scope: Scope, community: Community, *, title: str, place: str, starts_at, ends_at, capacity,
                    kind: str = Activity.Kind.OTHER, audience: str = Activity.Audience.VOLUNTEERS, points_per_hour=10,
                    target_group: str = TargetGroup.EVERYONE, organisers=(), description: str = "", waitlist_size=5,
                    team: Team | None = None) -> Activity:
    """Organised by the community (or one of its volunteer teams), with co-organisers: co-building units, property companies,
    social organisations and volunteer-team organisations of the community."""
    _require_staff(scope, community)
    title = _text(title, "title", _("Title"), 120)
    place = _text(place, "place", _("Place"), 120)
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown activity kind.")})
    if audience not in Activity.Audience.values:
        raise ValidationError({"audience": _("Who signs up: unknown choice.")})
    if target_group not in TargetGroup.values:
        raise ValidationError({"target_group": _("Target group: unknown group.")})
    if not starts_at or not ends_at:
        raise ValidationError({"starts_at": _("Time: the start and the end are required.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Ends: the end must lie after the start.")})
    if starts_at < timezone.now() - datetime.timedelta(days=366):
        raise ValidationError({"starts_at": _("Starts: more than a year ago; record only this year's activities.")})
    capacity = _positive_int(capacity, "capacity", _("Capacity"))
    waitlist_size = _positive_int(waitlist_size, "waitlist_size", _("Waiting-list places"), allow_zero=True)
    pph = _positive_int(points_per_hour, "points_per_hour", _("Points per hour"), allow_zero=True)
    organisers = list(dict.fromkeys(organisers or ()))
    for org in organisers:
        if not _may_co_organise(org, community):
            raise ValidationError({"organisers": _("Co-organisers: %(name)s is not a co-building unit, property company, social organisation "
                                                   "or volunteer team of this community.") % {"name": org.name}})
    if team is not None and team.community_id != community.pk:
        raise ValidationError({"team": _("Organising team: must be a volunteer team of this community.")})
    activity = Activity.objects.create(community=community, kind=kind, audience=audience, title=title, place=place,
                                       starts_at=starts_at, ends_at=ends_at, capacity=capacity, waitlist_size=waitlist_size,
                                       points_per_hour=pph, target_group=target_group, created_by=_actor(scope), team=team,
                                       description=_text(description, "description", _("Description"), 2000, required=False))
    if organisers:
        activity.organisers.set(organisers)
    return activity


CO_ORGANISER_KINDS = (Organization.Kind.CO_BUILDING, Organization.Kind.PROPERTY_COMPANY, Organization.Kind.SOCIAL,
                      Organization.Kind.VOLUNTEER_TEAM)


def co_organiser_choices(community):
    """The organisations that may co-organise the community's activities."""
    return (Organization.objects.filter(kind__in=CO_ORGANISER_KINDS, active=True)
            .filter(Q(community=community) | Q(kind=Organization.Kind.PROPERTY_COMPANY, serves__community=community)).distinct())


def _may_co_organise(org: Organization, community: Community) -> bool:
    return co_organiser_choices(community).filter(pk=org.pk).exists()


@transaction.atomic
def cancel_activity(scope: Scope, activity: Activity, *, reason: str) -> Activity:
    """Call an activity off: everyone signed up is told; nobody can sign up or check in any more."""
    _require_staff(scope, activity.community)
    reason = _text(reason, "reason", _("Reason"), 200)
    if not Activity.objects.filter(pk=activity.pk, cancelled=False).update(cancelled=True):
        raise ValidationError({"activity": _("Activity: it was cancelled.")})
    activity.refresh_from_db()
    people = Person.objects.filter(activity_signups__activity=activity).exclude(activity_signups__status=SignUp.Status.CANCELLED)
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"activity:{activity.pk}:cancelled", list(Account.objects.filter(person__in=people, is_active=True)),
                      subject=_("Cancelled: %(title)s") % {"title": activity.title}, body=reason, link=f"/volunteers/activities/{activity.pk}/")
    return activity


@transaction.atomic
def sign_up(scope: Scope, activity: Activity, *, person: Person | None = None) -> SignUp:
    """Sign up the signed-in person (or, by staff, the person named). The rule: a seat while seats are free, else a place on the waiting list
    while it has places, else refused. The activity row is locked so two last-seat sign-ups get one seat."""
    person = _who(scope, person, activity.community)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.cancelled:
        raise ValidationError({"activity": _("Activity: it was cancelled.")})
    if activity.ends_at <= timezone.now():
        raise ValidationError({"activity": _("Activity: it is over.")})
    volunteer = None
    if activity.audience == Activity.Audience.VOLUNTEERS:
        volunteer = approved_volunteer(person, activity.community_id)
        if volunteer is None:
            raise ValidationError({"volunteer": _("Volunteer: you are not an approved volunteer of this community.")})
    elif person.community_id != activity.community_id:
        raise ValidationError({"activity": _("Activity: it is open to the residents of its community.")})
    row = SignUp.objects.filter(activity=activity, person=person).first()
    if row is not None and row.status != SignUp.Status.CANCELLED:
        raise ValidationError({"activity": _("Activity: you have signed up already.")})
    counts = {s: SignUp.objects.filter(activity=activity, status=s).count() for s in (SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED)}
    if counts[SignUp.Status.CONFIRMED] < activity.capacity:
        status = SignUp.Status.CONFIRMED
    elif counts[SignUp.Status.WAITLISTED] < activity.waitlist_size:
        status = SignUp.Status.WAITLISTED
    else:
        raise ValidationError({"capacity": _("Capacity: all %(n)d places and the waiting list are taken.") % {"n": activity.capacity}})
    now = timezone.now()
    if row is None:
        row = SignUp.objects.create(activity=activity, person=person, volunteer=volunteer, status=status, signed_up_at=now)
    else:
        row.status, row.volunteer, row.signed_up_at, row.checked_in_at, row.checked_out_at = status, volunteer, now, None, None
        row.save()
    return row


@transaction.atomic
def cancel_signup(scope: Scope, signup: SignUp) -> SignUp:
    activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
    mine = getattr(getattr(scope.account, "person", None), "pk", None) == signup.person_id
    if not mine:
        _require_staff(scope, activity.community)
    signup = SignUp.objects.get(pk=signup.pk)
    if signup.status == SignUp.Status.CANCELLED:
        raise ValidationError({"status": _("Sign-up: already cancelled.")})
    if signup.checked_in_at:
        raise ValidationError({"status": _("Sign-up: checked in already; it cannot be cancelled.")})
    was = signup.status
    signup.status = SignUp.Status.CANCELLED
    signup.save(update_fields=["status"])
    if was == SignUp.Status.CONFIRMED:
        nxt = SignUp.objects.filter(activity=activity, status=SignUp.Status.WAITLISTED).order_by("signed_up_at", "id").first()
        if nxt is not None:
            SignUp.objects.filter(pk=nxt.pk).update(status=SignUp.Status.CONFIRMED)
            with _site_language():  # stored messages are written in the site language
                notify.notify(f"signup:{nxt.pk}:promoted", _accounts_of(nxt.person), subject=_("A place became free: you are in for %(title)s.")
                              % {"title": activity.title}, link=f"/volunteers/activities/{activity.pk}/")
    return signup


def code_at(activity: Activity, at: datetime.datetime | None = None) -> str:
    """The 6-digit check-in code of the 60-second window holding `at` (HMAC of activity and window)."""
    window = int((at or timezone.now()).timestamp()) // CODE_WINDOW_SECONDS
    key = (settings.SECRET_KEY + activity.code_secret).encode()
    digest = hmac.new(key, f"{activity.pk}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def seconds_left(at: datetime.datetime | None = None) -> int:
    return CODE_WINDOW_SECONDS - int((at or timezone.now()).timestamp()) % CODE_WINDOW_SECONDS


def _code_ok(activity: Activity, code: str, at) -> bool:
    code = (code or "").strip()
    now = at or timezone.now()
    return any(hmac.compare_digest(code, code_at(activity, now - datetime.timedelta(seconds=CODE_WINDOW_SECONDS * k))) for k in (0, 1))


def _signup_for_code(scope: Scope, activity: Activity, code: str, at, person: Person | None = None) -> SignUp:
    person = _who(scope, person, activity.community)
    if not _code_ok(activity, code, at):
        raise ValidationError({"code": _("Code: wrong or expired; read the current code from the organiser's phone.")})
    if Activity.objects.filter(pk=activity.pk, cancelled=True).exists():
        raise ValidationError({"code": _("Code: the activity was cancelled.")})
    now = at or timezone.now()
    if not (activity.starts_at - CHECKIN_EARLY <= now <= activity.ends_at + CHECKOUT_LATE):
        raise ValidationError({"code": _("Code: check-in is open from an hour before the start until two hours after the end.")})
    signup = SignUp.objects.select_for_update().filter(activity=activity, person=person, status=SignUp.Status.CONFIRMED).first()
    if signup is None:
        raise ValidationError({"code": _("Code: you have no confirmed place in this activity.")})
    return signup


@transaction.atomic
def check_in(scope: Scope, activity: Activity, code: str, *, at=None, person: Person | None = None) -> SignUp:
    signup = _signup_for_code(scope, activity, code, at, person)
    if signup.checked_in_at:
        raise ValidationError({"code": _("Code: you checked in already.")})
    signup.checked_in_at = at or timezone.now()
    signup.save(update_fields=["checked_in_at"])
    return signup


@transaction.atomic
def check_out(scope: Scope, activity: Activity, code: str, *, at=None, person: Person | None = None) -> SignUp:
    """Check out; a volunteer's minutes between check-in and check-out become a service record for the organiser to certify."""
    signup = _signup_for_code(scope, activity, code, at, person)
    if not signup.checked_in_at:
        raise ValidationError({"code": _("Code: check in first.")})
    if signup.checked_out_at:
        raise ValidationError({"code": _("Code: you checked out already.")})
    signup.checked_out_at = max(at or timezone.now(), signup.checked_in_at)
    signup.save(update_fields=["checked_out_at"])
    if signup.volunteer_id:
        minutes = int((signup.checked_out_at - signup.checked_in_at).total_seconds() // 60)
        ServiceRecord.objects.create(volunteer_id=signup.volunteer_id, community_id=activity.community_id, activity=activity, signup=signup,
                                     started_at=signup.checked_in_at, ended_at=signup.checked_out_at, minutes=minutes)
    return signup


@transaction.atomic
def record_hours(scope: Scope, activity: Activity, volunteer: Volunteer, *, minutes) -> ServiceRecord:
    """Staff record a volunteer's hours from the paper sign-in sheet (补录) when nobody checked in by code."""
    _require_staff(scope, activity.community)
    if volunteer.community_id != activity.community_id or volunteer.status != Volunteer.Status.APPROVED:
        raise ValidationError({"volunteer": _("Volunteer: must be an approved volunteer of this community.")})
    if activity.starts_at > timezone.now():
        raise ValidationError({"activity": _("Activity: it has not started yet.")})
    if ServiceRecord.objects.filter(activity=activity, volunteer=volunteer).exists():
        raise ValidationError({"volunteer": _("Volunteer: already has hours for this activity.")})
    minutes = _positive_int(minutes, "minutes", pgettext("volunteers", "Minutes"))
    return ServiceRecord.objects.create(volunteer=volunteer, community_id=activity.community_id, activity=activity,
                                        started_at=activity.starts_at, ended_at=activity.starts_at + datetime.timedelta(minutes=minutes),
                                        minutes=minutes)


@transaction.atomic
def certify(scope: Scope, record: ServiceRecord, *, minutes=None, rating=None) -> ServiceRecord:
    """The organiser certifies the hours (may correct the minutes) and rates; the points post once. Who may: see may_certify()."""
    community = Community.objects.get(pk=record.community_id)
    _require_certifier(scope, record)
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if record.certified_at:
        raise ValidationError({"minutes": _("Minutes: these hours are certified already.")})
    minutes = record.minutes if minutes in (None, "") else _positive_int(minutes, "minutes", pgettext("volunteers", "Minutes"), allow_zero=True)
    if record.activity_id:
        longest = int((record.activity.ends_at - record.activity.starts_at).total_seconds() // 60) + int(CHECKOUT_LATE.total_seconds() // 60)
        if minutes > longest:
            raise ValidationError({"minutes": _("Minutes: at most %(n)d for this activity.") % {"n": longest}})
    elif minutes > 24 * 60:
        raise ValidationError({"minutes": _("Minutes: at most one day.")})
    if rating not in (None, ""):
        rating = _positive_int(rating, "rating", _("Rating"))
        if rating > 5:
            raise ValidationError({"rating": _("Rating: from 1 to 5.")})
    else:
        rating = None
    pph = record.activity.points_per_hour if record.activity_id else ORDER_POINTS_PER_HOUR
    record.minutes, record.rating = minutes, rating
    record.points = minutes * pph // 60
    record.certified_by, record.certified_at = _actor(scope), timezone.now()
    record.save()
    if record.points:
        what = record.activity.title if record.activity_id else record.order.item.title
        post(from_account=house_account(community, LedgerAccount.Kind.ISSUING), to_account=account_of(record.volunteer),
             amount=record.points, kind=Posting.Kind.EARN, reason=_stored(lambda: _("Service: %(what)s, %(h)s h") % {"what": what, "h": record.hours}),
             source_key=f"service:{record.pk}", created_by=_actor(scope))
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"service:{record.pk}:certified", _accounts_of(record.volunteer.person),
                      subject=_("%(h)s hours certified, %(p)d points.") % {"h": record.hours, "p": record.points}, link="/volunteers/points/")
    return record


@transaction.atomic
def add_plan_item(scope: Scope, community: Community, *, year, month, title: str, kind: str = Activity.Kind.OTHER) -> PlanItem:
    _require_staff(scope, community)
    year = _positive_int(year, "year", _("Year"))
    month = _positive_int(month, "month", _("Month"))
    if not 1 <= month <= 12:
        raise ValidationError({"month": _("Month: from 1 to 12.")})
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown activity kind.")})
    return PlanItem.objects.create(community=community, year=year, month=month, title=_text(title, "title", _("Title"), 120), kind=kind)


@transaction.atomic
def link_plan_item(scope: Scope, item: PlanItem, activity: Activity) -> PlanItem:
    _require_staff(scope, item.community)
    if activity.community_id != item.community_id:
        raise ValidationError({"activity": _("Activity: belongs to another community.")})
    item.activity = activity
    item.save(update_fields=["activity"])
    return item


# ---------------------------------------------------------------- charity shop

@transaction.atomic
def add_item(scope: Scope, community: Community, *, name: str, price, stock=0, kind: str = ShopItem.Kind.GOODS) -> ShopItem:
    _require_staff(scope, community)
    if kind not in ShopItem.Kind.values:
        raise ValidationError({"kind": _("Kind: goods or a community service.")})
    return ShopItem.objects.create(community=community, kind=kind, name=_text(name, "name", pgettext("volunteers", "Name"), 100),
                                   price=_positive_int(price, "price", _("Price")), stock=_positive_int(stock, "stock", _("Stock"), allow_zero=True))


@transaction.atomic
def redeem(scope: Scope, volunteer: Volunteer, item: ShopItem, *, quantity=1, channel: str = Redemption.Channel.ONLINE,
           token: str = "") -> Redemption:
    """Take stock and points in one transaction. Online: the volunteer reserves; at the counter: staff hand it over.
    `token` (a form's one-time value) makes a double-submitted form redeem once."""
    if channel == Redemption.Channel.COUNTER:
        _require_staff(scope, volunteer.community)
    elif channel == Redemption.Channel.ONLINE:  # the volunteer reserves; staff may reserve for them (a phone call)
        me = getattr(scope.account, "person", None) if _actor(scope) else None
        if getattr(me, "pk", None) != volunteer.person_id and not is_staff(scope, volunteer.community):
            raise OutOfScope(_("You may reserve only for yourself."))
    else:
        raise ValidationError({"channel": _("Channel: at the counter or online.")})
    if volunteer.status != Volunteer.Status.APPROVED:
        raise ValidationError({"volunteer": _("Volunteer: only approved volunteers can redeem points.")})
    if item.community_id != volunteer.community_id:
        raise ValidationError({"item": _("Item: belongs to another community's shop.")})
    if not item.active:
        raise ValidationError({"item": _("Item: no longer on offer.")})
    quantity = _positive_int(quantity, "quantity", _("Quantity"))
    key = f"redeem:{token}" if token else f"redeem:{uuid.uuid4().hex}"
    if token:
        done = Posting.objects.filter(source_key=key).first()
        if done is not None and hasattr(done, "redemption"):
            return done.redemption
    points = item.price * quantity
    if not ShopItem.objects.filter(pk=item.pk, stock__gte=quantity).update(stock=F("stock") - quantity):
        left = ShopItem.objects.filter(pk=item.pk).values_list("stock", flat=True).first()
        raise ValidationError({"quantity": _("Quantity: only %(n)d left in stock.") % {"n": left or 0}})
    posting = post(from_account=account_of(volunteer), to_account=house_account(volunteer.community_id, LedgerAccount.Kind.SHOP),
                   amount=points, kind=Posting.Kind.REDEEM, reason=_stored(lambda: _("Charity shop: %(name)s × %(q)d") % {"name": item.name, "q": quantity}),
                   source_key=key, created_by=_actor(scope))
    earlier = Redemption.objects.filter(posting=posting).first()
    if earlier is not None:  # the same form submitted twice at once: the first won; undo our stock change, answer with it
        transaction.set_rollback(True)
        return earlier
    counter = channel == Redemption.Channel.COUNTER
    item.refresh_from_db(fields=["stock"])
    return Redemption.objects.create(community_id=volunteer.community_id, volunteer=volunteer, item=item, quantity=quantity, points=points,
                                     channel=channel, status=Redemption.Status.COLLECTED if counter else Redemption.Status.RESERVED,
                                     posting=posting, handled_by=_actor(scope) if counter else None,
                                     closed_at=timezone.now() if counter else None)


@transaction.atomic
def collect(scope: Scope, redemption: Redemption) -> Redemption:
    _require_staff(scope, redemption.volunteer.community)
    if not Redemption.objects.filter(pk=redemption.pk, status=Redemption.Status.RESERVED).update(
            status=Redemption.Status.COLLECTED, handled_by=_actor(scope), closed_at=timezone.now()):
        raise ValidationError({"status": _("Status: only a reservation can be collected.")})
    redemption.refresh_from_db()
    return redemption


@transaction.atomic
def cancel_redemption(scope: Scope, redemption: Redemption, *, reason: str = "") -> Redemption:
    """A reservation is cancelled by its volunteer or staff: the stock returns and a refund posting gives the points back."""
    mine = getattr(getattr(scope.account, "person", None), "pk", None) == redemption.volunteer.person_id
    if not mine:
        _require_staff(scope, redemption.volunteer.community)
    if not Redemption.objects.filter(pk=redemption.pk, status=Redemption.Status.RESERVED).update(
            status=Redemption.Status.CANCELLED, handled_by=_actor(scope), closed_at=timezone.now()):
        raise ValidationError({"status": _("Status: only a reservation can be cancelled.")})
    redemption.refresh_from_db()
    return _refund(redemption, (reason or "").strip() or _stored(lambda: _("Reservation cancelled: %(name)s") % {"name": redemption.item.name}), _actor(scope))


def _refund(redemption: Redemption, reason: str, actor) -> Redemption:
    ShopItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + redemption.quantity)
    refund = post(from_account=house_account(redemption.community_id, LedgerAccount.Kind.SHOP), to_account=account_of(redemption.volunteer),
                  amount=redemption.points, kind=Posting.Kind.REFUND, reason=reason, source_key=f"refund:{redemption.pk}", created_by=actor)
    Redemption.objects.filter(pk=redemption.pk).update(refund=refund)
    redemption.refund = refund
    return redemption


RESERVATION_DAYS = 7


@transaction.atomic
def expire_reservation(pk: int, now=None) -> int:
    """The worker's step: a reservation not collected within RESERVATION_DAYS is cancelled and refunded (once)."""
    now = now or timezone.now()
    if not Redemption.objects.filter(pk=pk, status=Redemption.Status.RESERVED, at__lte=now - datetime.timedelta(days=RESERVATION_DAYS)).update(
            status=Redemption.Status.CANCELLED, closed_at=now):
        return 0
    redemption = Redemption.objects.select_related("item", "volunteer__person").get(pk=pk)
    _refund(redemption, _stored(lambda: _("Reservation not collected within %(n)d days: %(name)s") % {"n": RESERVATION_DAYS, "name": redemption.item.name}), None)
    with _site_language():  # stored messages are written in the site language
        notify.notify(f"redemption:{pk}:expired", _accounts_of(redemption.volunteer.person),
                      subject=_("Your reservation of %(name)s expired; the points are back.") % {"name": redemption.item.name}, link="/volunteers/shop/")
    return 1


@transaction.atomic
def stock_take(scope: Scope, item: ShopItem, *, counted, note: str = "") -> StockTake:
    _require_staff(scope, item.community)
    counted = _positive_int(counted, "counted", _("Counted"), allow_zero=True)
    item = ShopItem.objects.select_for_update().get(pk=item.pk)
    note = _text(note, "note", _("Note"), 200, required=counted != item.stock)
    take = StockTake.objects.create(item=item, expected=item.stock, counted=counted, note=note, by=_actor(scope))
    ShopItem.objects.filter(pk=item.pk).update(stock=counted)
    return take


# ---------------------------------------------------------------- micro-wishes

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


# ---------------------------------------------------------------- service menus (点单式服务)

ORDER_POINTS_PER_HOUR = 10


@transaction.atomic
def add_menu_item(scope: Scope, community: Community, *, target_group: str, title: str, description: str = "") -> MenuItem:
    _require_staff(scope, community)
    if target_group not in TargetGroup.values:
        raise ValidationError({"target_group": _("Target group: unknown group.")})
    return MenuItem.objects.create(community=community, target_group=target_group, title=_text(title, "title", _("Service"), 100),
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


# ---------------------------------------------------------------- awards

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
