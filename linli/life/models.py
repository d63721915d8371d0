"""Life services: 惠民直通车 group-buys, rooms and facilities, the 百宝屋 tool library.

State columns change only through services._common._transition (tables in workflow.py)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from linli.people.models import Household, Organization, Person
from linli.places.models import Building, Community, Compound, Dwelling, Venue

MONEY = dict(max_digits=10, decimal_places=2)
QTY = dict(max_digits=8, decimal_places=2)


# ---------------------------------------------------------------------------------------------- group-buy
class Seller(models.Model):
    """An organisation (farmer, co-operative, shop) the community approved to run group-buys in it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="life_sellers", verbose_name=_("community"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="life_sellers", verbose_name=_("organisation"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    goods = models.CharField(_("what they sell"), max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "group-buy seller")
        verbose_name_plural = pgettext_lazy("model", "group-buy sellers")
        constraints = [models.UniqueConstraint(fields=["community", "organization"], name="life_seller_unique")]

    def __str__(self):
        return self.organization.name


class PickupPoint(models.Model):
    """A fixed pickup point (自提点) in one of the community's compounds, with its hours."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="life_pickup_points", verbose_name=_("community"))
    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="life_pickup_points", verbose_name=_("compound"))
    name = models.CharField(_("name"), max_length=100)
    hours = models.CharField(_("hours"), max_length=100, help_text=_("e.g. 8:00–10:00"))
    attendants = models.ManyToManyField(Person, blank=True, related_name="life_pickup_points", verbose_name=_("attendants"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "pickup point")
        verbose_name_plural = pgettext_lazy("model", "pickup points")
        ordering = ["community_id", "name"]

    def __str__(self):
        return self.name


class OrderCycle(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Taking orders")
        CLOSED = "closed", _("Closed, to deliver")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("seller"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="life_cycles", verbose_name=_("community"))
    title = models.CharField(_("title"), max_length=120)
    note = models.TextField(_("note"), blank=True)
    opens_at = models.DateTimeField(_("opens"), default=timezone.now)
    closes_at = models.DateTimeField(_("cut-off"), db_index=True)
    delivery_on = models.DateField(_("delivery day"), db_index=True)
    max_households = models.PositiveIntegerField(_("at most households"), null=True, blank=True)
    pickup_points = models.ManyToManyField(PickupPoint, related_name="cycles", verbose_name=_("pickup points"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True)
    close_reason = models.CharField(_("closed because"), max_length=12, blank=True)  # cutoff / cap / seller
    closed_at = models.DateTimeField(null=True, blank=True)
    households = models.PositiveIntegerField(default=0)  # active orders, kept by the services (the household cap)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "order cycle")
        verbose_name_plural = pgettext_lazy("model", "order cycles")
        ordering = ["-delivery_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gte=models.F("opens_at")), name="life_cycle_closes_after_open")]

    def __str__(self):
        return f"{self.title} ({self.delivery_on:%m-%d})"


class CycleItem(models.Model):
    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(pgettext_lazy("life", "item"), max_length=60)
    unit = models.CharField(pgettext_lazy("life", "unit"), max_length=10)
    price = models.DecimalField(_("price"), validators=[MinValueValidator(Decimal("0"))], **MONEY)
    stock_cap = models.DecimalField(_("stock cap"), null=True, blank=True, **QTY)
    per_household = models.DecimalField(_("per household at most"), null=True, blank=True, **QTY)
    taken = models.DecimalField(default=Decimal("0"), **QTY)  # the sum of active orders' lines, moved by conditional UPDATEs
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "group-buy item")
        verbose_name_plural = pgettext_lazy("model", "group-buy items")
        ordering = ["cycle_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="life_item_price_not_negative"),
            models.CheckConstraint(condition=Q(taken__gte=0), name="life_item_taken_not_negative"),
            models.CheckConstraint(condition=Q(stock_cap__isnull=True) | Q(taken__lte=models.F("stock_cap")), name="life_item_within_cap"),
        ]

    def __str__(self):
        return f"{self.name} {self.price}/{self.unit}"

    @property
    def left(self):
        return None if self.stock_cap is None else self.stock_cap - self.taken


class Order(models.Model):
    """One household's line in the 接龙 (one row per household per cycle; cancelling and re-joining reuse it)."""

    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("life", "Signed up")
        CANCELLED = "cancelled", _("Cancelled")
        COLLECTED = "collected", pgettext_lazy("life", "Collected")
        MISSED = "missed", _("Not collected")

    class Payment(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        ON_PICKUP = "on_pickup", _("Paid on pickup")
        PREPAID = "prepaid", _("Already paid")

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="orders")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="life_orders", verbose_name=_("resident"))
    dwelling = models.ForeignKey(Dwelling, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pickup_point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="orders", verbose_name=_("pickup point"))
    seq = models.PositiveIntegerField(default=0)  # the number in the 接龙 list (order of first sign-up)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE, db_index=True)
    payment = models.CharField(_("payment"), max_length=12, choices=Payment.choices, default=Payment.UNPAID)
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "group-buy order")
        verbose_name_plural = pgettext_lazy("model", "group-buy orders")
        ordering = ["cycle_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="life_order_one_per_person"),
                       models.UniqueConstraint(fields=["cycle", "household"], name="life_order_one_per_household")]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(CycleItem, on_delete=models.PROTECT, related_name="lines")
    quantity = models.DecimalField(_("quantity"), **QTY)
    delivered = models.DecimalField(_("delivered"), null=True, blank=True, **QTY)  # set at pickup (a shortage: less)
    substitute = models.CharField(_("substituted by"), max_length=100, blank=True)
    substitute_price = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = pgettext_lazy("model", "order line")
        verbose_name_plural = pgettext_lazy("model", "order lines")
        constraints = [models.UniqueConstraint(fields=["order", "item"], name="life_line_unique"),
                       models.CheckConstraint(condition=Q(quantity__gte=0), name="life_line_quantity_not_negative")]

    @property
    def amount(self) -> Decimal:
        if self.substitute and self.substitute_price is not None:
            return self.substitute_price
        qty = self.quantity if self.delivered is None else self.delivered
        return (qty * self.item.price).quantize(Decimal("0.01"))


class SellerRating(models.Model):
    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="ratings")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="ratings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "seller rating")
        verbose_name_plural = pgettext_lazy("model", "seller ratings")
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="life_rating_once"),
                       models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="life_rating_stars")]


# ---------------------------------------------------------------------------------------------- rooms
class Room(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting room")
        COUNSELLING = "counselling", _("Counselling room")
        YOUTH = "youth", _("Youth space")
        SCIENCE = "science", _("Science park")
        READING = "reading", _("Reading corner")
        CRAFT = "craft", _("Craft area")
        SPORTS = "sports", _("Sports facility")
        ACTIVITY = "activity", _("Activity room")
        OTHER = "other", _("Other")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="life_rooms", verbose_name=_("community"))
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("building"))
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("venue"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ACTIVITY)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=10)
    opens = models.TimeField(pgettext_lazy("life", "opens"), default=datetime.time(8))
    closes = models.TimeField(pgettext_lazy("life", "closes"), default=datetime.time(21))
    weekdays = models.CharField(_("open on weekdays"), max_length=7, default="1234567", help_text=_("ISO weekdays, 1 = Monday"))
    residents_may_book = models.BooleanField(_("residents may book"), default=True)
    organisations_may_book = models.BooleanField(_("organisations may book"), default=True)
    max_minutes = models.PositiveIntegerField(_("longest booking (minutes)"), default=120)
    weekly_quota_minutes = models.PositiveIntegerField(_("per person per week (minutes)"), null=True, blank=True)
    needs_approval = models.BooleanField(_("bookings need approval"), default=False)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "room or facility")
        verbose_name_plural = pgettext_lazy("model", "rooms and facilities")
        ordering = ["community_id", "name"]

    def __str__(self):
        return self.name


class BookingSeries(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(max_length=120)
    weekday = models.PositiveSmallIntegerField()
    start_time = models.TimeField()
    minutes = models.PositiveIntegerField()
    count = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "recurring booking")
        verbose_name_plural = pgettext_lazy("model", "recurring bookings")


class Booking(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        CONFIRMED = "confirmed", pgettext_lazy("life", "Confirmed")
        CHECKED_IN = "checked_in", _("Checked in")
        NO_SHOW = "no_show", _("No-show")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    HOLDING = ("requested", "confirmed", "checked_in", "no_show")  # states that keep the slot taken

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings", verbose_name=pgettext_lazy("life", "room"))
    series = models.ForeignKey(BookingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="life_bookings")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="life_bookings")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="life_bookings",
                                     verbose_name=_("for organisation"))
    title = models.CharField(_("purpose"), max_length=120)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"), db_index=True)
    public = models.BooleanField(_("public event (on the community calendar)"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.CONFIRMED, db_index=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "booking")
        verbose_name_plural = pgettext_lazy("model", "bookings")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="life_booking_ends_after_start")]

    def __str__(self):
        return f"{self.room} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------------------------- tool library
class Tool(models.Model):
    """A kind of tool in the 百宝屋 catalogue; its copies are lent."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="life_tools", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=40, db_index=True)
    photo = models.ImageField(_("photo"), upload_to="life/tools/", null=True, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    loan_days = models.PositiveSmallIntegerField(_("loan days"), default=7)
    active = models.BooleanField(_("in the catalogue"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "tool")
        verbose_name_plural = pgettext_lazy("model", "tools")
        ordering = ["community_id", "category", "name"]

    def __str__(self):
        return self.name


class ToolCopy(models.Model):
    class State(models.TextChoices):
        AVAILABLE = "available", _("On the shelf")
        RESERVED = "reserved", _("Kept for a hold")
        ON_LOAN = "on_loan", _("On loan")
        REPAIR = "repair", _("Being repaired")
        LOST = "lost", _("Lost")
        RETIRED = "retired", _("Retired")

    class Condition(models.TextChoices):
        GOOD = "good", _("Good")
        WORN = "worn", _("Worn")
        DAMAGED = "damaged", _("Damaged")

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="copies")
    code = models.CharField(_("code"), max_length=20, unique=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.AVAILABLE, db_index=True)
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, default=Condition.GOOD)

    class Meta:
        verbose_name = pgettext_lazy("model", "tool copy")
        verbose_name_plural = pgettext_lazy("model", "tool copies")
        ordering = ["tool_id", "code"]

    def __str__(self):
        return f"{self.tool.name} {self.code}"


class Hold(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting in the queue")
        READY = "ready", _("Ready to collect")
        FULFILLED = "fulfilled", _("Collected")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="holds")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="life_holds")
    copy = models.ForeignKey(ToolCopy, null=True, blank=True, on_delete=models.SET_NULL, related_name="holds")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.WAITING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    ready_until = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "hold")
        verbose_name_plural = pgettext_lazy("model", "holds")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["tool", "person"], condition=Q(state__in=["waiting", "ready"]), name="life_hold_one_open")]


class Loan(models.Model):
    class State(models.TextChoices):
        OUT = "out", _("On loan")
        RETURNED = "returned", _("Returned")
        LOST = "lost", _("Lost")

    copy = models.ForeignKey(ToolCopy, on_delete=models.PROTECT, related_name="loans")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="life_loans")
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OUT, db_index=True)
    lent_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(pgettext_lazy("life", "due"), db_index=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    condition_out = models.CharField(max_length=10, choices=ToolCopy.Condition.choices, default="good")
    condition_in = models.CharField(max_length=10, choices=ToolCopy.Condition.choices, blank=True)
    damage = models.CharField(_("damage or loss"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the reminder before the due day (once)
    overdue_reminded_on = models.DateField(null=True, blank=True)  # the last overdue reminder (one a day)
    lent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "loan")
        verbose_name_plural = pgettext_lazy("model", "loans")
        ordering = ["-lent_at", "-id"]
        # a copy is out on at most one loan (the database holds it too)
        constraints = [models.UniqueConstraint(fields=["copy"], condition=Q(state="out"), name="life_loan_one_out_per_copy")]
