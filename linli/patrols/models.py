"""Grid work: patrols and stops, care visits, inspections, hazards and rectification, disputes,
building leaders' duty lists and points.

Every change goes through patrols.services; reads through patrols.queries (filtered by scope).
Points are never stored as a balance: a leader's points are the SUM of their PointEvent rows, each
copying the points of the rule in force when it was earned, unique per (rule code, source).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


# ---------------------------------------------------------------- patrols

class Patrol(models.Model):
    """巡查走访: one round of a grid worker through their grid."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid worker"))
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="patrols")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid"))
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="patrols")
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    track = models.JSONField(default=list, blank=True, help_text="[[lat, lng, iso time], …]")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(ended_at__isnull=True), name="patrol_one_open_per_worker"),
        ]

    def __str__(self):
        return f"{self.grid} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class PatrolStop(models.Model):
    """A place visited on a patrol: a building, a venue or a dwelling (with its household)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="stops")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="patrol_stops", verbose_name=_("building"))
    venue = models.ForeignKey("places.Venue", null=True, blank=True, on_delete=models.SET_NULL, related_name="patrol_stops", verbose_name=_("venue"))
    dwelling = models.ForeignKey("places.Dwelling", null=True, blank=True, on_delete=models.SET_NULL, related_name="patrol_stops", verbose_name=_("dwelling"))
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="patrol_stops")
    seen = models.TextField(_("what was seen"))
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="patrol_stops")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("patrol stop")
        verbose_name_plural = _("patrol stops")

    def __str__(self):
        return str(self.place)

    @property
    def place(self):
        return self.dwelling or self.venue or self.building


def _photo_path(instance, filename):
    return f"patrols/{timezone.now():%Y/%m}/{filename}"


class Photo(models.Model):
    """A photo of a patrol stop, a hazard or a failed checklist item (stored like case photos)."""

    stop = models.ForeignKey(PatrolStop, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    hazard = models.ForeignKey("Hazard", null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "patrol photo")
        verbose_name_plural = pgettext_lazy("model", "patrol photos")


# ---------------------------------------------------------------- inspections and rectification

class Campaign(models.Model):
    """专项检查: e.g. fire safety in shops, corridor clutter, e-bike charging, old-house safety."""

    class Kind(models.TextChoices):
        SHOP_FIRE = "shop_fire", _("Fire safety in shops")
        CORRIDOR = "corridor", _("Corridor clutter")
        EBIKE = "ebike", _("E-bike and flying-wire charging")
        OLD_HOUSE = "old_house", _("Old-house safety")
        OTHER = "other", _("Other")

    class Target(models.TextChoices):
        VENUE = "venue", _("Venues")
        BUILDING = "building", _("Buildings")

    # the case category a hazard of this kind escalates to (its department_type picks the department)
    CATEGORY_OF_KIND = {
        "shop_fire": "fire.passage", "corridor": "fire.corridor_clutter", "ebike": "fire.flying_wire",
        "old_house": "housing.structure", "other": "fire.equipment",
    }

    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    target = models.CharField(_("inspects"), max_length=16, choices=Target.choices)
    place_kind = models.CharField(_("only places of kind"), max_length=16, blank=True,
                                  help_text=_("a venue kind (e.g. nine_small) or building kind; empty = all"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")

    def __str__(self):
        return self.title

    @property
    def place_kind_label(self) -> str:
        from linli.places.models import Building, Venue

        kinds = dict(Venue.Kind.choices if self.target == self.Target.VENUE else Building.Kind.choices)
        return str(kinds.get(self.place_kind, self.place_kind))

    @property
    def category_code(self) -> str:
        return self.CATEGORY_OF_KIND.get(self.kind, "fire.equipment")


class ChecklistItem(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(default=0)
    text = models.CharField(_("checklist item"), max_length=200)

    class Meta:
        verbose_name = pgettext_lazy("model", "checklist item")
        verbose_name_plural = pgettext_lazy("model", "checklist items")
        ordering = ["order", "id"]

    def __str__(self):
        return self.text


class Inspection(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="inspections")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="+")
    venue = models.ForeignKey("places.Venue", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "inspection")
        verbose_name_plural = pgettext_lazy("model", "inspections")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "venue"], condition=Q(venue__isnull=False), name="inspection_once_per_venue"),
            models.UniqueConstraint(fields=["campaign", "building"], condition=Q(building__isnull=False), name="inspection_once_per_building"),
        ]

    @property
    def place(self):
        return self.venue or self.building


class InspectionResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="results")
    passed = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "inspection result")
        verbose_name_plural = pgettext_lazy("model", "inspection results")
        ordering = ["item__order", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="one_result_per_item")]


class Hazard(models.Model):
    """隐患: found on a patrol or by an inspection; rectified, or escalated into a case."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("hazard", "Open")
        NOTIFIED = "notified", _("Notice issued")
        FIXED = "fixed", _("Fixed")
        ESCALATED = "escalated", _("Escalated to a case")

    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards")
    venue = models.ForeignKey("places.Venue", null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards")
    dwelling = models.ForeignKey("places.Dwelling", null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards")
    stop = models.ForeignKey(PatrolStop, null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards")
    item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("hazard"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category_code = models.CharField(_("case category if escalated"), max_length=64)
    responsible_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    responsible_org = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    responsible_name = models.CharField(_("responsible party"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="hazards")
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self):
        return self.title

    @property
    def place(self):
        return self.dwelling or self.venue or self.building


class RectificationNotice(models.Model):
    """整改通知书 to the responsible party, with a deadline; a re-inspection falls due on it."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        FIXED = "fixed", _("Fixed")
        ESCALATED = "escalated", _("Not fixed: escalated")

    number = models.CharField(_("number"), max_length=32, unique=True)
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="+")
    hazards = models.ManyToManyField(Hazard, related_name="notices")
    responsible_name = models.CharField(_("to"), max_length=200)
    responsible_org = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    responsible_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requirements = models.TextField(_("requirements"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED, db_index=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")

    def __str__(self):
        return self.number


class Reinspection(models.Model):
    """复查: due on the notice's deadline; not fixed → a case routed to the department."""

    class Outcome(models.TextChoices):
        FIXED = "fixed", _("Fixed")
        NOT_FIXED = "not_fixed", _("Not fixed")

    notice = models.OneToOneField(RectificationNotice, on_delete=models.CASCADE, related_name="reinspection")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField(db_index=True)
    came_due_at = models.DateTimeField(null=True, blank=True, help_text="set once by the sweep on the due date")
    overdue_reported_at = models.DateTimeField(null=True, blank=True, help_text="set once when left undone past the grace working days")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "reinspection")
        verbose_name_plural = pgettext_lazy("model", "reinspections")
        ordering = ["due_on", "id"]


# ---------------------------------------------------------------- care visits

class VisitRule(models.Model):
    """Who is visited how often: by stored tag (with a level range) or derived age tag."""

    class Method(models.TextChoices):
        DOOR = "door", _("At the door")
        PHONE = "phone", _("By phone")
        VIDEO = "video", _("By video call")

    community = models.ForeignKey("places.Community", on_delete=models.CASCADE, related_name="visit_rules")
    name = models.CharField(_("name"), max_length=100)
    tag = models.CharField(_("tag"), max_length=32, help_text=_("a stored tag, or age60 / age80 / minor"))
    also_tag = models.CharField(_("and tag"), max_length=32, blank=True, help_text=_("a second tag the person must also have"))
    min_level = models.PositiveSmallIntegerField(_("lowest level"), null=True, blank=True)
    max_level = models.PositiveSmallIntegerField(_("highest level"), null=True, blank=True)
    interval_days = models.PositiveIntegerField(_("every (days)"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.DOOR)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["community_id", "interval_days", "id"]
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")

    def __str__(self):
        return self.name


class CareVisit(models.Model):
    """A due visit to one person under one rule; recorded once done, escalated once when overdue."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="care_visits")
    rule = models.ForeignKey(VisitRule, on_delete=models.CASCADE, related_name="visits")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_visits")
    due_on = models.DateField(_("due"), db_index=True)
    done_at = models.DateTimeField(_("visited"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    method = models.CharField(_("method"), max_length=8, choices=VisitRule.Method.choices, blank=True)
    situation = models.TextField(_("situation"), blank=True)
    needs = models.TextField(_("needs found"), blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # a need turned into a care request for the person, through the volunteers app: a micro-wish or a service-menu order
    wish = models.ForeignKey("volunteers.Wish", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("micro-wish"))
    service_order = models.ForeignKey("volunteers.ServiceOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      verbose_name=_("service order"))
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "care visit")
        verbose_name_plural = pgettext_lazy("model", "care visits")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "rule"], condition=Q(done_at__isnull=True), name="carevisit_one_open_per_rule"),
        ]

    def __str__(self):
        return f"{self.person} {self.due_on}"


# ---------------------------------------------------------------- disputes

class Dispute(models.Model):
    """矛盾纠纷: registered, mediated (one or more sessions), agreed or failed, followed up, closed."""

    class Kind(models.TextChoices):
        NEIGHBOUR = "neighbour", _("Neighbours")
        FAMILY = "family", _("Family")
        PROPERTY = "property", _("Property management")
        TENANCY = "tenancy", _("Landlord and tenant")
        OTHER = "other", _("Other")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("dispute", "Registered")
        MEDIATING = "mediating", _("Mediating")
        AGREED = "agreed", _("Agreement reached")
        FAILED = "failed", _("Mediation failed")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=32, unique=True)
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, default=Risk.LOW)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED, db_index=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self):
        return self.number


class DisputeParty(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = pgettext_lazy("model", "dispute party")
        verbose_name_plural = pgettext_lazy("model", "dispute parties")
        ordering = ["id"]


class Mediation(models.Model):
    class MediatorKind(models.TextChoices):
        BUILDING_LEADER = "building_leader", _("Building leader")
        GRID_WORKER = "grid_worker", _("Grid worker")
        STUDIO = "studio", _("Mediation studio")
        COUNCIL = "council", _("Council hall")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("To be continued")
        AGREED = "agreed", _("Agreement reached")
        FAILED = "failed", pgettext_lazy("mediation", "Failed")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="mediations")
    at = models.DateTimeField(_("when"))
    mediators = models.JSONField(default=list, help_text="[{kind, name}]")
    notes = models.TextField(_("notes"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "mediation")
        verbose_name_plural = pgettext_lazy("model", "mediations")
        ordering = ["at", "id"]


def _agreement_path(instance, filename):
    return f"patrols/disputes/{instance.dispute_id}/{filename}"


class Agreement(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    mediation = models.ForeignKey(Mediation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(_("terms"))
    signed_on = models.DateField(_("signed on"))
    file = models.FileField(upload_to=_agreement_path)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "mediation agreement")
        verbose_name_plural = pgettext_lazy("model", "mediation agreements")


class FollowUp(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"))
    settled = models.BooleanField(_("settled"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "follow-up visit")
        verbose_name_plural = pgettext_lazy("model", "follow-up visits")
        ordering = ["at", "id"]


# ---------------------------------------------------------------- building leaders

class DutyItem(models.Model):
    """A line of a building leader's list (清单): from the 三员 duties monthly, or a task set by staff."""

    class Kind(models.TextChoices):
        COLLECT = "collect", _("Collect residents' opinions")
        MEDIATE = "mediate", _("Mediate between neighbours")
        ORGANISE = "organise", _("Organise an activity")
        TASK = "task", _("Assigned task")

    class Source(models.TextChoices):
        GENERATED = "generated", _("Monthly duties")
        ASSIGNED = "assigned", _("Assigned by staff")

    leader = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="duty_items")
    building = models.ForeignKey("places.Building", on_delete=models.CASCADE, related_name="duty_items")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(max_length=16, choices=Source.choices)
    period = models.CharField(max_length=7, blank=True, help_text="YYYY-MM for generated items")
    due_on = models.DateField(_("due"), db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "duty item")
        verbose_name_plural = pgettext_lazy("model", "duty items")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["leader", "building", "kind", "period"], condition=Q(source="generated"),
                                    name="duty_generated_once_per_month"),
        ]

    def __str__(self):
        return self.title


class PointRule(models.Model):
    """积分规则, published; a change is a new row from its effective date so history keeps its rule."""

    community = models.ForeignKey("places.Community", on_delete=models.CASCADE, related_name="point_rules")
    code = models.CharField(_("code"), max_length=32)
    description = models.CharField(_("rule"), max_length=200)
    points = models.IntegerField(_("points"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "point rule")
        verbose_name_plural = pgettext_lazy("model", "point rules")
        ordering = ["code", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["community", "code", "effective_from"], name="pointrule_unique_version")]

    def __str__(self):
        return f"{self.description} ({self.points:+d})"


class PointEvent(models.Model):
    leader = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="point_events")
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="events")
    code = models.CharField(max_length=32)
    source_key = models.CharField(max_length=64, help_text="duty:<id> or case:<id>")
    points = models.IntegerField()
    reason = models.CharField(max_length=300)
    duty_item = models.ForeignKey(DutyItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="point_events")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "leader point entry")
        verbose_name_plural = pgettext_lazy("model", "leader point entries")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["code", "source_key"], name="pointevent_once_per_rule_and_source")]
