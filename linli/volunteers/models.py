"""Volunteers: registration, teams, activities and service records, the points ledger, the charity shop
(爱心超市), micro-wishes (微心愿), service menus (点单式服务) and awards.

The points ledger is double-entry: every change of points is one immutable Posting from one
LedgerAccount to another. A volunteer's balance is the sum of the postings into their account minus
the postings out of it; LedgerAccount.balance caches that sum and is changed only by
services.post(), in the same transaction as the posting, by a conditional UPDATE that refuses to
take a volunteer's (or the shop's) balance below zero.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from linli.people.models import Account, Organization, Person
from linli.places.models import Community


def new_code_secret() -> str:
    return secrets.token_hex(16)


class TargetGroup(models.TextChoices):
    ELDERLY = "elderly", _("Elderly")
    YOUTH = "youth", _("Children and youth")
    DISABLED = "disabled", _("People with disabilities")
    FAMILIES = "families", _("Families in difficulty")
    EVERYONE = "everyone", _("All residents")


# ---------------------------------------------------------------- registration and teams

class Volunteer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="volunteerships", verbose_name=_("person"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("community"))
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="volunteers",
                                     verbose_name=_("co-building unit"))
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    target_groups = models.JSONField(_("groups served"), default=list, blank=True)
    party_member = models.BooleanField(_("party-member volunteer registration"), default=False)
    party_org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="party_volunteers",
                                  verbose_name=_("party organisation"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    applied_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-applied_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "community"], name="volunteer_one_per_community")]

    def __str__(self):
        return f"{self.person.name}"


class Team(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="volunteer_teams", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="volunteer_teams",
                                     verbose_name=_("organisation"))
    lead = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams", verbose_name=_("lead"))
    services = models.CharField(_("services offered"), max_length=300, blank=True)
    channel = models.CharField(_("how residents ask for help"), max_length=200, blank=True,
                               help_text=_("Public: a service desk, a hotline of the community, a time and place. No personal phone numbers."))

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="team_unique_name")]

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "team membership")
        verbose_name_plural = pgettext_lazy("model", "team memberships")
        ordering = ["team_id", "-since"]
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], condition=Q(until__isnull=True), name="team_one_current_membership")]


# ---------------------------------------------------------------- activities

class Activity(models.Model):
    class Kind(models.TextChoices):
        CLINIC = "clinic", _("Free clinic")
        PUBLICITY = "publicity", _("Publicity")
        FIRE_DRILL = "fire_drill", _("Fire drill")
        HAIRCUT = "haircut", _("Free haircuts")
        CLEANUP = "cleanup", _("Environment clean-up")
        ELDERLY = "elderly", _("Visiting the elderly")
        TABLE = "table", _("Neighbourhood dining table")
        OTHER = "other", _("Other")

    class Audience(models.TextChoices):
        VOLUNTEERS = "volunteers", _("Volunteers serve")
        RESIDENTS = "residents", _("Residents attend")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="volunteer_activities", verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    audience = models.CharField(_("who signs up"), max_length=16, choices=Audience.choices, default=Audience.VOLUNTEERS)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    organisers = models.ManyToManyField(Organization, blank=True, related_name="volunteer_activities", verbose_name=_("co-organisers"))
    # The volunteer team that runs it (its lead may certify the hours served), if a team does.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities", verbose_name=_("organising team"))
    place = models.CharField(_("place"), max_length=120)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity"))
    waitlist_size = models.PositiveIntegerField(_("waiting-list places"), default=5)
    target_group = models.CharField(_("target group"), max_length=16, choices=TargetGroup.choices, default=TargetGroup.EVERYONE)
    points_per_hour = models.PositiveIntegerField(_("points per hour"), default=10)
    cancelled = models.BooleanField(default=False)
    code_secret = models.CharField(max_length=32, default=new_code_secret, editable=False)
    created_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start")]

    def __str__(self):
        return self.title

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class SignUp(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="activity_signups")
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    signed_up_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "activity sign-up")
        verbose_name_plural = pgettext_lazy("model", "activity sign-ups")
        ordering = ["signed_up_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="signup_one_per_person")]


class ServiceRecord(models.Model):
    """Hours one volunteer served (an activity, or a service-menu task); points post when certified."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="service_records")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="service_records")
    signup = models.OneToOneField(SignUp, null=True, blank=True, on_delete=models.PROTECT, related_name="service_record")
    order = models.OneToOneField("ServiceOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="service_record")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes served"))
    rating = models.PositiveSmallIntegerField(_("performance rating"), null=True, blank=True)
    points = models.PositiveIntegerField(_("points"), default=0)
    certified_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    certified_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "service record")
        verbose_name_plural = pgettext_lazy("model", "service records")
        ordering = ["-created_at", "-id"]

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


class PlanItem(models.Model):
    """One line of the annual volunteer plan: planned for a month; done once an activity is linked and held."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Activity.Kind.choices, default=Activity.Kind.OTHER)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_items")

    class Meta:
        verbose_name = pgettext_lazy("model", "plan item")
        verbose_name_plural = pgettext_lazy("model", "plan items")
        ordering = ["year", "month", "id"]
        constraints = [models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="planitem_month_range")]


# ---------------------------------------------------------------- the points ledger

class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        ISSUING = "issuing", _("Community issuing account")
        SHOP = "shop", _("Charity shop")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    volunteer = models.OneToOneField(Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="account")
    # Cached sum of postings (in minus out); changed only by services.post() in the posting's transaction.
    balance = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "points account")
        verbose_name_plural = pgettext_lazy("model", "points accounts")
        constraints = [
            models.UniqueConstraint(fields=["community", "kind"], condition=~Q(kind="volunteer"), name="ledger_one_house_account"),
            models.CheckConstraint(condition=Q(kind="issuing") | Q(balance__gte=0), name="ledger_balance_not_negative"),
            models.CheckConstraint(condition=Q(kind="volunteer", volunteer__isnull=False) | (~Q(kind="volunteer") & Q(volunteer__isnull=True)),
                                   name="ledger_volunteer_owner"),
        ]

    def __str__(self):
        if self.kind == self.Kind.VOLUNTEER:
            return str(self.volunteer)
        return str(self.get_kind_display())


class Immutable(Exception):
    pass


class PostingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise Immutable("Postings are immutable; post a correction instead.")

    def delete(self):
        raise Immutable("Postings are immutable; post a correction instead.")


class Posting(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("Service hours")
        AWARD = "award", _("Award")
        REDEEM = "redeem", _("Redemption")
        REFUND = "refund", _("Refund")
        CORRECTION = "correction", _("Correction")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    from_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings_out")
    to_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings_in")
    amount = models.PositiveIntegerField(_("points"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    source_key = models.CharField(max_length=80, unique=True, help_text="What caused it: the same source never posts twice.")
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    created_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="posting_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="posting_reason_required"),
            models.CheckConstraint(condition=~Q(from_account=models.F("to_account")), name="posting_two_accounts"),
        ]

    @property
    def cause(self):
        """What caused the posting: a service record, an award, a redemption, or the posting a correction corrects."""
        kind, _sep, rest = self.source_key.partition(":")
        if kind == "service":
            return ServiceRecord.objects.filter(pk=rest).first()
        if kind == "award":
            return Award.objects.filter(pk=rest).first()
        if kind == "redeem":
            return Redemption.objects.filter(posting=self).first()
        if kind == "refund":
            return Redemption.objects.filter(pk=rest).first()
        if kind == "correction":
            return self.corrects
        return None

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable("Postings are immutable; post a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable("Postings are immutable; post a correction instead.")


# ---------------------------------------------------------------- charity shop

class ShopItem(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SERVICE = "service", _("Community service")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GOODS)
    name = models.CharField(_("name"), max_length=100)
    price = models.PositiveIntegerField(_("price in points"))
    stock = models.PositiveIntegerField(_("stock"), default=0)
    active = models.BooleanField(_("on offer"), default=True)

    class Meta:
        verbose_name = _("shop item")
        verbose_name_plural = _("shop items")
        ordering = ["kind", "price", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="shopitem_price_positive")]

    def __str__(self):
        return self.name


class Redemption(models.Model):
    class Channel(models.TextChoices):
        COUNTER = "counter", _("At the counter")
        ONLINE = "online", _("Reserved online")

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        COLLECTED = "collected", _("Collected")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="redemptions")
    item = models.ForeignKey(ShopItem, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="redemption")
    refund = models.OneToOneField(Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="refunded_redemption")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "redemption")
        verbose_name_plural = pgettext_lazy("model", "redemptions")
        ordering = ["-at", "-id"]


class StockTake(models.Model):
    item = models.ForeignKey(ShopItem, on_delete=models.PROTECT, related_name="stock_takes")
    expected = models.PositiveIntegerField(_("expected"))
    counted = models.PositiveIntegerField(_("counted"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "stock take")
        verbose_name_plural = pgettext_lazy("model", "stock takes")
        ordering = ["-at", "-id"]

    @property
    def adjustment(self) -> int:
        return self.counted - self.expected


# ---------------------------------------------------------------- micro-wishes and service menus

class Wish(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("volunteers", "Open")
        CLAIMED = "claimed", _("Claimed")
        FULFILLED = "fulfilled", _("Fulfilled")
        THANKED = "thanked", _("Thanked")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="wishes", verbose_name=_("resident"))
    posted_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(_("wish"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    claimed_by = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="claimed_wishes")
    claimed_org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="claimed_wishes")
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfil_note = models.CharField(_("how it was fulfilled"), max_length=200, blank=True)
    photo = models.FileField(upload_to="volunteers/wishes/", blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    thanks = models.CharField(_("thanks"), max_length=200, blank=True)
    thanked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering = ["-created_at", "-id"]

    @property
    def masked_name(self) -> str:
        name = self.person.name or ""
        return name[:1] + "*" * max(len(name) - 1, 1)


class MenuItem(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    target_group = models.CharField(_("target group"), max_length=16, choices=TargetGroup.choices)
    title = models.CharField(_("service"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "service menu item")
        verbose_name_plural = pgettext_lazy("model", "service menu items")
        ordering = ["target_group", "title", "id"]

    def __str__(self):
        return self.title


class ServiceOrder(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CLAIMED = "claimed", _("Taken by a volunteer")
        DONE = "done", _("Done")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(MenuItem, on_delete=models.PROTECT, related_name="orders")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="service_orders")
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "service order")
        verbose_name_plural = pgettext_lazy("model", "service orders")
        ordering = ["-created_at", "-id"]


# ---------------------------------------------------------------- awards

class Award(models.Model):
    class Level(models.TextChoices):
        EXCELLENCE = "excellence", _("Excellence award")
        PARTICIPATION = "participation", _("Participation award")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="awards")
    title = models.CharField(_("award"), max_length=60)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    points = models.PositiveIntegerField(_("points"))
    posting = models.OneToOneField(Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="award")
    awarded_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "award")
        verbose_name_plural = pgettext_lazy("model", "awards")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "title", "period_start", "period_end"], name="award_once_per_period")]
