"""Activities: creation with co-organisers, sign-ups, check-in and check-out by rotating code, hours and their
certification (who certifies what), the yearly plan."""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.models import Account, Organization, Person
from linli.people.scopes import Scope
from linli.places.models import Community

from ..models import Activity, LedgerAccount, PlanItem, Posting, ServiceRecord, SignUp, TargetGroup, Team, Volunteer
from ._common import (_accounts_of, _actor, approved_volunteer, is_community_staff, is_staff, _positive_int, _require_staff,
                      _site_language, _stored, _text, _who)
from .ledger import account_of, house_account, post
from .menu import ORDER_POINTS_PER_HOUR


CODE_WINDOW_SECONDS = 60
CHECKIN_EARLY = datetime.timedelta(hours=1)  # check-in opens an hour before the start …
CHECKOUT_LATE = datetime.timedelta(hours=2)  # … and check-out closes two hours after the end


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
