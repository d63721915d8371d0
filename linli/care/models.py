"""Care (电子保姆 alarms, 六助 orders, assistance applications): the tables and their invariants.

The alarm, order and application state machines are each one table in services/ (`TRANSITIONS`), checked by
one `_transition`; here are the states and the constraints the database itself keeps."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField
from linli.people.models import Household, Organization, Person
from linli.places.models import Community, Subdistrict

Account = settings.AUTH_USER_MODEL


class Station(models.Model):
    """A care station (初心助老站): its operators answer the alarm desk; its duty phone is step 3 of escalation."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="care_stations", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    duty_phone = models.CharField(_("community duty phone"), max_length=30, blank=True)
    operators = models.ManyToManyField(Account, blank=True, related_name="care_stations", verbose_name=_("operators"))
    # seconds each escalation step waits for an acknowledgement before the next one is told
    step_timeouts = models.JSONField(_("escalation step timeouts (s)"), default=list, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "care station")
        verbose_name_plural = pgettext_lazy("model", "care stations")

    def __str__(self):
        return self.name


class Shift(models.Model):
    """An operator on duty at the station from `starts_at` to `ends_at` (step 1 of escalation tells them)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="shifts")
    operator = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="care_shifts", verbose_name=_("operator"))
    starts_at = models.DateTimeField(_("from"), db_index=True)
    ends_at = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = pgettext_lazy("model", "shift")
        verbose_name_plural = pgettext_lazy("model", "shifts")


class Gateway(models.Model):
    """A vendor gateway or platform sending events over HTTP, each signing with its own secret (HMAC-SHA256)."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="gateways")
    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    secret = EncryptedTextField(_("secret"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "gateway")
        verbose_name_plural = pgettext_lazy("model", "gateways (vendor platforms)")

    def __str__(self):
        return self.name


class Device(models.Model):
    class Kind(models.TextChoices):
        SOS = "sos", _("SOS pendant or button")
        FALL = "fall", _("Fall detector")
        SMOKE = "smoke", _("Smoke detector")
        GAS = "gas", _("Gas detector")
        WATER = "water", _("Water-flow sensor")
        DOOR = "door", _("Door sensor")
        INACTIVITY = "inactivity", _("Inactivity sensor")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        OFFLINE = "offline", _("Offline")
        RETIRED = "retired", _("Retired")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="devices", verbose_name=_("station"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_devices", verbose_name=_("person"))
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("household"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    gateway = models.ForeignKey(Gateway, null=True, blank=True, on_delete=models.SET_NULL, related_name="devices", verbose_name=_("gateway"))
    dc09_account = models.CharField(_("SIA DC-09 account"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    battery = models.PositiveSmallIntegerField(_("battery %"), null=True, blank=True)
    heartbeat_minutes = models.PositiveIntegerField(_("heartbeat every (min)"), default=60)
    silence_hours = models.PositiveIntegerField(_("inactivity alarm after (h)"), default=12)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # when the sweep should look at the device next: the heartbeat (or, for an inactivity sensor, the silence) is due
    check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    silent_at = models.DateTimeField(null=True, blank=True, db_index=True)  # inactivity sensors: silence alarm due
    installed_on = models.DateField(_("installed on"), default=datetime.date.today)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "alarm device")
        verbose_name_plural = pgettext_lazy("model", "alarm devices")
        ordering = ["serial"]
        constraints = [models.UniqueConstraint(fields=["dc09_account"], condition=~Q(dc09_account=""), name="care_device_unique_dc09_account")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.serial}"


class Contact(models.Model):
    """An emergency contact of a device's person, in the order they are called (family, neighbour, building leader)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="contacts")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=30, blank=True)
    phone = EncryptedTextField(_("phone"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "emergency contact")
        verbose_name_plural = pgettext_lazy("model", "emergency contacts")
        ordering = ["device", "position"]
        constraints = [models.UniqueConstraint(fields=["device", "position"], name="care_contact_order")]


class Alarm(models.Model):
    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency call")
        FALL = "fall", _("Fall")
        FIRE = "fire", _("Smoke / fire")
        GAS = "gas", _("Gas leak")
        WATER = "water", _("Water left running")
        DOOR = "door", _("Door")
        WELFARE = "welfare", _("No activity (welfare)")
        TECHNICAL = "technical", _("Device offline or fault")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        HTTP = "http", _("Gateway (HTTP)")
        DC09 = "dc09", _("SIA DC-09")
        SWEEP = "sweep", _("Raised by linli")
        DESK = "desk", _("Entered at the desk")

    class Outcome(models.TextChoices):
        FALSE_ALARM = "false_alarm", _("False alarm")
        BY_PHONE = "by_phone", _("Resolved by phone")
        VISIT = "visit", _("Visit made")
        AMBULANCE = "ambulance", _("120 called")
        HOSPITAL = "hospital", _("Taken to hospital")

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alarms", verbose_name=_("device"))
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="alarms")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_alarms", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    event_id = models.CharField(_("event id"), max_length=80, blank=True)
    code = models.CharField(_("code"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("acknowledged by"))
    # escalation: the last step told (0: none yet) and when the next one is due (NULL once acknowledged or at the end)
    step = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case_id = models.IntegerField(null=True, blank=True)  # the case opened from it (linli.cases), when one was
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "alarm")
        verbose_name_plural = pgettext_lazy("model", "alarms")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["device", "event_id"], condition=~Q(event_id=""), name="care_alarm_once_per_event")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.person}"


class AlarmLog(models.Model):
    """The alarm's timeline: one row per step (received, escalated, acknowledged, call, order, closed)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ESCALATED = "escalated", _("Escalated")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CALL = "call", _("Call")
        ORDER = "order", _("Visit ordered")
        CASE = "case", _("Case opened")
        CLOSED = "closed", _("Closed")

    class CallOutcome(models.TextChoices):
        ANSWERED_OK = "ok", _("Answered: all well")
        ANSWERED_HELP = "help", _("Answered: needs help")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy / unreachable")

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    called = models.CharField(_("called"), max_length=60, blank=True)  # whom: "person", "contact 1", "grid worker"
    call_outcome = models.CharField(_("call outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "alarm timeline entry")
        verbose_name_plural = pgettext_lazy("model", "alarm timeline entries")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["alarm", "step"], condition=Q(kind="escalated"), name="care_alarm_step_once")]


class Reject(models.Model):
    """Every refused incoming message, with its reason: nothing else is written for it."""

    class Reason(models.TextChoices):
        BAD_SIGNATURE = "bad_signature", _("Bad signature")
        UNKNOWN_GATEWAY = "unknown_gateway", _("Unknown gateway")
        UNKNOWN_DEVICE = "unknown_device", _("Unknown device")
        MALFORMED = "malformed", _("Malformed")
        REPLAYED = "replayed", _("Replayed (timestamp outside the window)")
        BAD_CRC = "bad_crc", _("Bad CRC or length")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    channel = models.CharField(max_length=8)  # http, dc09
    reason = models.CharField(max_length=20, choices=Reason.choices)
    peer = models.CharField(max_length=100, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)  # the first 2,000 characters as received

    class Meta:
        verbose_name = pgettext_lazy("model", "refused message")
        verbose_name_plural = pgettext_lazy("model", "refused messages")
        ordering = ["-at", "-id"]


class CareOrder(models.Model):
    """A 六助 order: one visit (or, recurring, the template its occurrences are copied from)."""

    class Kind(models.TextChoices):
        RESCUE = "rescue", _("助救 rescue")
        MEALS = "meals", _("助餐 meals")
        SHOPPING = "shopping", _("助购 shopping")
        MEDICAL = "medical", _("助医 medical")
        CLEANING = "cleaning", _("助洁 cleaning")
        MOBILITY = "mobility", _("助行 mobility")

    class Source(models.TextChoices):
        ALARM = "alarm", _("Alarm")
        STATION_CALL = "station_call", _("Call to the station")
        CARE_VISIT = "care_visit", _("Care visit")
        RESIDENT = "resident", _("Resident's request")
        GRID_WORKER = "grid_worker", _("Grid worker")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        ARRIVED = "arrived", _("Provider arrived")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Recurrence(models.TextChoices):
        NONE = "", _("Once")
        WEEKDAYS = "weekdays", _("Every working day")

    class Payer(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        SUBSIDY = "subsidy", _("Subsidy")
        FREE = "free", _("Free")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="orders")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_orders", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source = models.CharField(_("raised from"), max_length=16, choices=Source.choices)
    alarm = models.ForeignKey(Alarm, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    care_visit_id = models.IntegerField(null=True, blank=True)  # linli.patrols CareVisit that found the need
    note = models.CharField(_("what is needed"), max_length=500, blank=True)
    # the provider: station staff (an account), a contracted company or a volunteer team
    provider_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_orders", verbose_name=_("station staff"))
    provider_org = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_orders", verbose_name=_("company"))
    provider_team = models.ForeignKey("volunteers.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="care_orders", verbose_name=_("volunteer team"))
    window_start = models.DateTimeField(_("from"), db_index=True)
    window_end = models.DateTimeField(_("until"))
    recurrence = models.CharField(_("recurrence"), max_length=16, choices=Recurrence.choices, blank=True, default="")
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="occurrences")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    departed_at = models.DateTimeField(_("left"), null=True, blank=True)
    work_done = models.CharField(_("what was done"), max_length=500, blank=True)
    confirmation = models.CharField(_("confirmed by"), max_length=16, blank=True)  # "signature" or "phone"
    signature = models.TextField(blank=True)  # a data: URL of the signature drawn on the phone
    fee = models.DecimalField(_("fee (yuan)"), max_digits=8, decimal_places=2, default=0)
    payer = models.CharField(_("paid by"), max_length=16, choices=Payer.choices, default=Payer.FREE)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    created_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "six-aid order")
        verbose_name_plural = pgettext_lazy("model", "six-aid orders")
        ordering = ["window_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "window_start"], condition=Q(parent__isnull=False), name="care_order_occurrence_once"),
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")), name="care_order_window"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="care_order_rating"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.person}"

    @property
    def provider_label(self) -> str:
        if self.provider_org_id:
            return str(self.provider_org)
        if self.provider_team_id:
            return str(self.provider_team)
        if self.provider_account_id:
            p = getattr(self.provider_account, "person", None)
            return p.name if p else self.provider_account.username
        return ""


class Application(models.Model):
    """An assistance application (特困 / 低保 / 临时救助) climbing community → subdistrict → 民政."""

    class Kind(models.TextChoices):
        EXTREME_POVERTY = "tekun", _("特困 extreme poverty support")
        MINIMUM_LIVING = "dibao", _("低保 minimum living allowance")
        TEMPORARY = "linshi", _("临时救助 temporary assistance")

    class State(models.TextChoices):
        COMMUNITY = "community", _("At the community")
        SUBDISTRICT = "subdistrict", _("At the subdistrict")
        BATCHED = "batched", _("Waiting for the quarter's batch")
        CIVIL_AFFAIRS = "civil_affairs", _("At civil affairs (民政)")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_applications", verbose_name=_("applicant"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    centralised = models.BooleanField(_("centralised support (集中供养)"), default=False)
    reason = models.TextField(_("circumstances"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.COMMUNITY, db_index=True)
    due_at = models.DateTimeField(_("current level's deadline"), null=True, blank=True, db_index=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey("Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "assistance application")
        verbose_name_plural = pgettext_lazy("model", "assistance applications")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.person}"


class ApplicationStep(models.Model):
    """One level's opinion and decision (or a move: batched, urgent approval), in order."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=16)  # community, subdistrict, civil_affairs
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)
    use_case = models.CharField(max_length=40)
    opinion = models.TextField(_("opinion"), blank=True)
    actor = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "application step")
        verbose_name_plural = pgettext_lazy("model", "application steps")
        ordering = ["at", "id"]


class Document(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="care/documents/%Y/%m/", blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "application document")
        verbose_name_plural = pgettext_lazy("model", "application documents")


class Batch(models.Model):
    """A subdistrict's filing of centralised-support applications to 民政: one regular batch per quarter; an urgent
    filing (one application, outside the quarter's window) needs a recorded approval."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    urgent = models.BooleanField(default=False)
    approved_by = models.CharField(_("approved by"), max_length=100, blank=True)
    approval_note = models.CharField(_("approval"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "centralised-support batch")
        verbose_name_plural = pgettext_lazy("model", "centralised-support batches")
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "year", "quarter"], condition=Q(urgent=False), name="care_one_batch_per_quarter"),
            models.CheckConstraint(condition=Q(urgent=False) | ~Q(approval_note=""), name="care_urgent_needs_approval"),
        ]
