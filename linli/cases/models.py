"""Residents' matters (诉求) from intake to the resident's verdict.

A Case's state, tier and assignee change only through cases.services, each change appending
one CaseEvent (the timeline). Rates are computed from the timeline, never from side copies.
Concurrency: every transition is a conditional UPDATE on (pk, version); the loser of a race
gets a clear Conflict.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField, LookupHashField


class Tier(models.TextChoices):
    BUILDING = "building", _("Building")
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    DEPARTMENT = "department", _("Department")


TIER_ORDER = [Tier.BUILDING, Tier.GRID, Tier.COMMUNITY, Tier.SUBDISTRICT, Tier.DEPARTMENT]


class Unit(models.TextChoices):
    HOURS = "hours", _("working hours")
    DAYS = "days", _("working days")


class Category(models.Model):
    """Two levels: groups (no parent) and leaves; cases use leaves."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("group"))
    default_tier = models.CharField(_("default tier"), max_length=16, choices=Tier.choices, default=Tier.GRID)
    department_type = models.CharField(_("default department"), max_length=50, blank=True,
                                       help_text=_("department type of the organisation that handles it, e.g. property, police, urban_management"))
    response_amount = models.PositiveIntegerField(_("response deadline"), default=1)
    response_unit = models.CharField(_("response unit"), max_length=8, choices=Unit.choices, default=Unit.DAYS)
    handling_amount = models.PositiveIntegerField(_("handling deadline"), default=5)
    handling_unit = models.CharField(_("handling unit"), max_length=8, choices=Unit.choices, default=Unit.DAYS)
    outcomes_public = models.BooleanField(_("outcomes public"), default=True)
    examples = models.TextField(_("example phrases"), blank=True, help_text=_("one per line; used to train the classifier"))
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("Categories have two levels: a group's parent must be empty.")})
        if self.response_amount < 1 or self.handling_amount < 1:
            raise ValidationError({"response_amount": _("Deadlines must be at least 1.")})


# Case columns that most intakes leave empty (a resident's report has no Open311 client, no parent, no organisation, no
# rating deadline yet; a patrol's no reporter) or that many reports leave empty (a point on the map has no dwelling,
# a grid without micro-grids no micro-grid): indexed where set only (Case.Meta.indexes)
PARTIAL_INDEXED = ("reporter", "reporter_person", "suggested_category", "open311_client", "dwelling", "micro_grid",
                   "assignee_org", "rating_due", "parent")


class Case(models.Model):
    class State(models.TextChoices):
        TRIAGE = "triage", _("Awaiting triage")
        ASSIGNED = "assigned", _("Assigned")
        ACCEPTED = "accepted", _("Accepted")
        WHISTLED = "whistled", _("Whistle blown")
        RESOLVED = "resolved", _("Resolved, awaiting verdict")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")

    class Source(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        PATROL = "patrol", _("Grid worker patrol")
        BUILDING_LEADER = "building_leader", _("Building leader")
        HOTLINE = "hotline", _("Hotline / desk")
        OPEN311 = "open311", _("Open311 client")

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")
        DEFAULT = "default", _("No verdict in time")

    OPEN_STATES = (State.TRIAGE, State.ASSIGNED, State.ACCEPTED, State.WHISTLED)

    number = models.CharField(_("number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"))
    suggested_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    confidence = models.FloatField(_("classifier confidence"), null=True, blank=True)
    categorised_by_person = models.BooleanField(default=False, help_text="a person set or confirmed the category (training data)")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.TRIAGE, db_index=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.COMMUNITY)

    # who reported
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reported_cases",
                                 db_index=False)
    reporter_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", db_index=False)
    reporter_name = models.CharField(_("reporter name"), max_length=100, blank=True)
    reporter_phone = EncryptedTextField(_("reporter phone"), blank=True, default="")
    reporter_phone_hash = LookupHashField(source="reporter_phone", db_index=False)  # cleared by retention; nothing looks a case up by it
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="entered_cases")
    open311_client = models.ForeignKey("Open311Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", db_index=False)
    open311_token = models.CharField(max_length=40, blank=True, db_index=True)

    # where
    dwelling = models.ForeignKey("places.Dwelling", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", db_index=False)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    grid = models.ForeignKey("places.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    micro_grid = models.ForeignKey("places.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="micro_cases", db_index=False)
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="cases", db_index=False)  # case_community_state
    subdistrict = models.ForeignKey("places.Subdistrict", on_delete=models.PROTECT, related_name="cases")

    # who handles
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases")
    assignee_org = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases",
                                     db_index=False)

    # deadlines (working time) and milestones
    response_due = models.DateTimeField(null=True, blank=True, db_index=True)
    handling_due = models.DateTimeField(null=True, blank=True, db_index=True)
    overdue = models.BooleanField(default=False, help_text="a deadline passed at the top tier")
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating_due = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, blank=True)
    verdict_comment = models.TextField(blank=True)
    rework_count = models.PositiveIntegerField(default=0)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases", db_index=False)

    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # the one-time key of the report form that made it ("<account>:<uuid>"): a second submit of the same form finds
    # this case instead of making another; unique, so two submits at once make one case
    intake_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["community", "state"], name="case_community_state"),
            # closed cases by state and closing time (the contact retention sweep: state in closed/merged and
            # closed_at before a day); partial, so an open case — every intake — adds no entry
            models.Index(fields=["state", "closed_at"], condition=Q(closed_at__isnull=False), name="case_state_closed_at"),
            # columns most intakes leave empty: indexed where set only, so such an intake adds no entry to them (a
            # look-up by value, `col = x` or `col IN (…)`, implies `col IS NOT NULL` and uses the partial index on
            # SQLite and PostgreSQL alike); see docs/benchmarks.md, bench:intake-sql
            *[models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"case_{name}_set")
              for name in PARTIAL_INDEXED],
        ]
        constraints = [
            models.CheckConstraint(condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="case_lat_range"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class CaseCounter(models.Model):
    """The last case number given out on a day (numbers are YYYYMMDD-NNNN): one row per day, bumped by one upsert
    inside intake's write transaction (services.base.take_number), so numbering costs one statement whatever the
    number of cases, and two processes never draw the same number (the row is locked until the case is written)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "case counter")
        verbose_name_plural = pgettext_lazy("model", "case counters")

    def __str__(self):
        return f"{self.day:%Y%m%d}-{self.last:04d}"


class CaseEvent(models.Model):
    """One row of a case's timeline: who did what, from which state to which."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Reported")
        CLASSIFY = "classify", _("Categorised")
        ASSIGN = "assign", _("Assigned")
        ACCEPT = "accept", _("Accepted")
        NOTE = "note", _("Note")
        PHOTO = "photo", _("Photo")
        TRANSFER = "transfer", _("Transferred")
        ESCALATE = "escalate", _("Escalated")
        OVERDUE = "overdue", _("Overdue")
        PLAN = "plan", _("Plan proposed")
        WHISTLE = "whistle", _("Whistle blown")
        REPORT_IN = "report_in", _("Department reported in")
        MEETING = "meeting", _("Meeting held")
        ACTION_DONE = "action_done", _("Resolution carried out")
        RESOLVE = "resolve", _("Resolved")
        RATE = "rate", _("Rated")
        REOPEN = "reopen", _("Reopened")
        CLOSE = "close", _("Closed")
        MERGE = "merge", _("Merged")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)  # caseevent_case_action
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    action = models.CharField(max_length=16, choices=Action.choices)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    from_tier = models.CharField(max_length=16, blank=True)
    to_tier = models.CharField(max_length=16, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee_org = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True, help_text="shown to the reporter")

    class Meta:
        verbose_name = pgettext_lazy("model", "case timeline step")
        verbose_name_plural = pgettext_lazy("model", "case timeline steps")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "action"], name="caseevent_case_action"),  # also every look-up by case
            # system steps have no actor, most steps no organisation: indexed where set (see Case.Meta.indexes)
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="caseevent_actor_set"),
            models.Index(fields=["assignee_org"], condition=Q(assignee_org__isnull=False), name="caseevent_assignee_org_set"),
        ]


def _photo_path(instance, filename):
    if instance.case_id is None:  # stored before the case's write transaction (intake): the case has no id yet
        return f"cases/new/{timezone.localdate():%Y%m}/{uuid.uuid4().hex}/{filename}"
    return f"cases/{instance.case_id}/{filename}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    file = models.FileField(upload_to=_photo_path)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "case photo")
        verbose_name_plural = pgettext_lazy("model", "case photos")


class Plan(models.Model):
    """提出方案: a plan with options; one option may be chosen."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(_("plan"))
    options = models.JSONField(default=list, blank=True, help_text="[{title, cost, note}]")
    chosen = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "handling plan")
        verbose_name_plural = pgettext_lazy("model", "handling plans")
        ordering = ["created_at", "id"]


class Whistle(models.Model):
    """吹哨: departments summoned to a case; each must report in (报到) by the deadline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="whistles")
    blown_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    blown_at = models.DateTimeField(default=timezone.now)
    report_in_due = models.DateTimeField(db_index=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = pgettext_lazy("model", "whistle")
        verbose_name_plural = pgettext_lazy("model", "whistles")
        ordering = ["blown_at", "id"]


class Summons(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ON_TIME = "on_time", _("Reported in on time")
        LATE = "late", _("Reported in late")
        MISSING = "missing", _("Did not report in")

    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="summonses")
    department = models.ForeignKey("people.Organization", on_delete=models.PROTECT, related_name="summonses")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING, db_index=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "summons")
        verbose_name_plural = pgettext_lazy("model", "summonses")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["whistle", "department"], name="one_summons_per_department")]


class ClosingReport(models.Model):
    """结案报告, generated from the timeline when the case closes (kept as it was then)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="closing_report")
    generated_at = models.DateTimeField(default=timezone.now)
    body = models.JSONField(default=dict)

    class Meta:
        verbose_name = pgettext_lazy("model", "closing report")
        verbose_name_plural = pgettext_lazy("model", "closing reports")


class Open311Client(models.Model):
    """A program allowed to write through the Open311 API (api_key)."""

    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "Open311 client")
        verbose_name_plural = pgettext_lazy("model", "Open311 clients")

    def __str__(self):
        return self.name


class CaseSettings(models.Model):
    """Per-community rules for verdicts (one row per community; defaults when absent)."""

    class NoVerdict(models.TextChoices):
        SATISFIED = "satisfied", _("Count as satisfied")
        CLOSE_UNRATED = "unrated", _("Close without a verdict")

    community = models.OneToOneField("places.Community", on_delete=models.CASCADE, related_name="case_settings")
    rating_days = models.PositiveIntegerField(_("days to give a verdict"), default=3)
    no_verdict = models.CharField(_("no verdict in time"), max_length=16, choices=NoVerdict.choices, default=NoVerdict.SATISFIED)
    report_in_hours = models.PositiveIntegerField(_("hours for departments to report in"), default=4)

    class Meta:
        verbose_name = pgettext_lazy("model", "case settings")
        verbose_name_plural = pgettext_lazy("model", "case settings")


class Rating(models.Model):
    """A reporter's verdict (民评) on one round of handling; a reopened case is rated again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    round = models.PositiveIntegerField(help_text="the case's rework count when rated")
    verdict = models.CharField(max_length=16, choices=Case.Verdict.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "rating")
        verbose_name_plural = pgettext_lazy("model", "ratings")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "account", "round"], name="one_rating_per_reporter_round")]
