"""Meetings, who attended, minutes, and resolutions that become tracked actions.

Started for the whistle meeting of a case (召开会议 → 落实决议); the council hall grows here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Meeting(models.Model):
    class Kind(models.TextChoices):
        WHISTLE = "whistle", _("Whistle meeting")
        REGULAR = "regular", _("Grid-management regular meeting")
        JOINT = "joint", _("Joint meeting with departments")
        COMMITTEE = "committee", _("Standing committee")
        COUNCIL = "council", _("Council-hall session")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="meetings")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings")
    starts_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    chair = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="chaired_meetings", verbose_name=_("chair"))
    chair_org = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="chaired_meetings", verbose_name=_("chairing organisation"))
    committee = models.ForeignKey("StandingCommittee", null=True, blank=True, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("standing committee"))
    minutes = models.TextField(_("minutes"), blank=True)
    held = models.BooleanField(default=False)
    cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "meeting")
        verbose_name_plural = pgettext_lazy("model", "meetings")
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return self.title


class Attendance(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        SUBSTITUTE = "substitute", _("Sent a substitute")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="attendances")
    organization = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="attendances")
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("for guests without a record"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    substitute_name = models.CharField(_("substitute"), max_length=100, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "attendance")
        verbose_name_plural = pgettext_lazy("model", "attendances")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(organization__isnull=False) | ~Q(name=""), name="attendance_names_someone"),
        ]


class Action(models.Model):
    """A resolution of a meeting, carried out by an owner by a due date (落实决议)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("council", "Open")
        DONE = "done", _("Done")

    class OwnerKind(models.TextChoices):
        COMMUNITY = "community", _("Community")
        OWNERS_COMMITTEE = "owners_committee", pgettext_lazy("council", "Owners' committee")
        PROPERTY = "property", _("Property company")
        VOLUNTEERS = "volunteers", pgettext_lazy("council", "Volunteers")
        DEPARTMENT = "department", pgettext_lazy("council", "Department")

    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    matter = models.ForeignKey("Matter", null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField(_("resolution"))
    owner_kind = models.CharField(_("owner kind"), max_length=20, choices=OwnerKind.choices, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_actions", verbose_name=_("owner"))
    owner_org = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_actions")
    due_on = models.DateField(_("due date"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "resolution action")
        verbose_name_plural = pgettext_lazy("model", "resolution actions")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(owner__isnull=False) | Q(owner_org__isnull=False), name="action_has_owner"),
            models.CheckConstraint(condition=Q(meeting__isnull=False) | Q(matter__isnull=False), name="action_has_origin"),
        ]

    @property
    def community_id(self):
        return self.meeting.community_id if self.meeting_id else self.matter.community_id

    @property
    def owner_label(self) -> str:
        if self.owner_org_id:
            return self.owner_org.name
        if self.owner_id:
            return getattr(self.owner.person, "name", "") or self.owner.username
        return ""


class ActionProgress(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    percent = models.PositiveSmallIntegerField(default=0)
    note = models.TextField()

    class Meta:
        verbose_name = pgettext_lazy("model", "action progress report")
        verbose_name_plural = pgettext_lazy("model", "action progress reports")
        ordering = ["at", "id"]


class AgendaItem(models.Model):
    """One line of a meeting's agenda: a council matter, a case, an overdue action, or free text."""

    class Kind(models.TextChoices):
        MATTER = "matter", _("Council matter")
        CASE = "case", pgettext_lazy("council", "Case")
        OVERDUE_ACTION = "overdue_action", _("Overdue action")
        OTHER = "other", _("Other")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("item"), max_length=300)
    matter = models.ForeignKey("Matter", null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_items")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_items")
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "agenda item")
        verbose_name_plural = pgettext_lazy("model", "agenda items")
        ordering = ["meeting_id", "position", "id"]
        constraints = [  # a matter, case or action is listed once per meeting (NULLs never collide)
            models.UniqueConstraint(fields=["meeting", "matter"], name="agenda_matter_once"),
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_case_once"),
            models.UniqueConstraint(fields=["meeting", "action"], name="agenda_action_once"),
        ]


class StandingCommittee(models.Model):
    """专委会 / 联席会: member organisations chair its meetings in turn."""

    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="standing_committees")
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "standing committee")
        verbose_name_plural = pgettext_lazy("model", "standing committees")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class CommitteeMember(models.Model):
    committee = models.ForeignKey(StandingCommittee, on_delete=models.CASCADE, related_name="members")
    organization = models.ForeignKey("people.Organization", on_delete=models.PROTECT, related_name="committee_seats")
    position = models.PositiveSmallIntegerField(_("rotation order"))
    chair_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("who chairs for it"))
    rotates = models.BooleanField(_("takes the chair in turn"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "committee member")
        verbose_name_plural = pgettext_lazy("model", "committee members")
        ordering = ["committee_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "organization"], name="committee_member_once"),
            models.UniqueConstraint(fields=["committee", "position"], name="committee_position_once"),
        ]


# ------------------------------------------------------------------ council hall (民事民提/议/决/办/评)

class CouncilSettings(models.Model):
    community = models.OneToOneField("places.Community", on_delete=models.CASCADE, related_name="council_settings")
    support_threshold = models.PositiveSmallIntegerField(_("supports needed for the agenda"), default=5)

    class Meta:
        verbose_name = pgettext_lazy("model", "council settings")
        verbose_name_plural = pgettext_lazy("model", "council settings")


class Matter(models.Model):
    class Status(models.TextChoices):
        RAISED = "raised", _("Raised")
        ON_AGENDA = "on_agenda", _("On the agenda")
        DELIBERATING = "deliberating", _("Under discussion")
        VOTING = "voting", _("Voting")
        DECIDED = "decided", _("Decided")
        REJECTED = "rejected", _("Rejected")
        IN_PROGRESS = "in_progress", _("Being done")
        DONE = "done", _("Done")
        EVALUATED = "evaluated", _("Evaluated")

    OPEN_STATES = ("raised", "on_agenda", "deliberating", "voting", "decided", "in_progress")

    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="matters")
    compound = models.ForeignKey("places.Compound", null=True, blank=True, on_delete=models.PROTECT, related_name="matters")
    building = models.ForeignKey("places.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="matters")
    title = models.CharField(_("title"), max_length=200)
    what = models.TextField(_("what"))
    why = models.TextField(_("why"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    raised_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="matters_raised")
    raised_for = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="matters_raised_for")
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="matters")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RAISED, db_index=True)
    support_count = models.PositiveIntegerField(default=0)
    decision = models.TextField(_("decision"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    done_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "council matter")
        verbose_name_plural = pgettext_lazy("model", "council matters")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def scope_level(self) -> str:
        return "building" if self.building_id else "compound" if self.compound_id else "community"

    @property
    def scope_place(self):
        return self.building or self.compound or self.community


class MatterEvent(models.Model):
    """The matter's public timeline: one row per step."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "matter step")
        verbose_name_plural = pgettext_lazy("model", "matter steps")
        ordering = ["at", "id"]


class Support(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="supports")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "seconding")
        verbose_name_plural = pgettext_lazy("model", "secondings")
        constraints = [models.UniqueConstraint(fields=["matter", "person"], name="support_once")]


class Reply(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("reply"))
    at = models.DateTimeField(default=timezone.now)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(pgettext_lazy("council", "reason"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "reply")
        verbose_name_plural = pgettext_lazy("model", "replies")
        ordering = ["at", "id"]


class Option(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=200)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    rejects = models.BooleanField(default=False, help_text=_("choosing it rejects the matter"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "vote option")
        verbose_name_plural = pgettext_lazy("model", "vote options")
        ordering = ["id"]

    def __str__(self):
        return self.label


class Vote(models.Model):
    class Level(models.TextChoices):
        BUILDING = "building", _("Residents of the building")
        COMPOUND = "compound", _("Residents of the compound")
        COMMUNITY = "community", _("Residents of the community")

    class Unit(models.TextChoices):
        HOUSEHOLD = "household", _("One vote per household")
        ADULT = "adult", _("One vote per adult")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("council", "Open")
        CLOSED = "closed", pgettext_lazy("council", "Closed")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="votes")
    level = models.CharField(_("who votes"), max_length=16, choices=Level.choices)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    quorum_num = models.PositiveSmallIntegerField(default=2)
    quorum_den = models.PositiveSmallIntegerField(default=3)
    by_building = models.BooleanField(_("quorum in every building"), default=False)
    majority_num = models.PositiveSmallIntegerField(default=1)
    majority_den = models.PositiveSmallIntegerField(default=2)
    majority_strict = models.BooleanField(_("more than (not at least)"), default=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"), db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    eligible = models.PositiveIntegerField(default=0)
    cast = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    passed = models.BooleanField(null=True)
    winner = models.ForeignKey(Option, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "vote")
        verbose_name_plural = pgettext_lazy("model", "votes")
        ordering = ["-opens_at", "-id"]


class RollEntry(models.Model):
    """The electorate, frozen when the vote opens: one row per household or adult."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll")
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("places.Building", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=200)

    class Meta:
        verbose_name = pgettext_lazy("model", "electoral roll entry")
        verbose_name_plural = pgettext_lazy("model", "electoral roll entries")
        ordering = ["building_id", "label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "household"], name="roll_household_once"),
            models.UniqueConstraint(fields=["vote", "person"], name="roll_person_once"),
        ]


class Ballot(models.Model):
    """Who voted (auditable), never how: the choice is stored apart, without a link back."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    entry = models.ForeignKey(RollEntry, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "ballot")
        verbose_name_plural = pgettext_lazy("model", "ballots")
        ordering = ["cast_at", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "entry"], name="ballot_one_per_unit")]


def _choice_id():
    import uuid

    return uuid.uuid4()


class Choice(models.Model):
    """One anonymous choice. A random key and no time or ballot link: it cannot be joined back to a ballot."""

    id = models.UUIDField(primary_key=True, default=_choice_id, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="choices")

    class Meta:
        verbose_name = pgettext_lazy("model", "anonymous choice")
        verbose_name_plural = pgettext_lazy("model", "anonymous choices")
        ordering = ["id"]


class Evaluation(models.Model):
    class Rating(models.IntegerChoices):
        VERY_SATISFIED = 5, _("Very satisfied")
        SATISFIED = 4, _("Satisfied")
        NEUTRAL = 3, _("Neutral")
        DISSATISFIED = 2, _("Dissatisfied")
        VERY_DISSATISFIED = 1, _("Very dissatisfied")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="evaluations")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("satisfaction"), choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "matter evaluation")
        verbose_name_plural = pgettext_lazy("model", "matter evaluations")
        constraints = [models.UniqueConstraint(fields=["matter", "person"], name="evaluation_once")]


# ------------------------------------------------------------------ secretary reception day (书记接待日)

class ReceptionSlot(models.Model):
    community = models.ForeignKey("places.Community", on_delete=models.PROTECT, related_name="reception_slots")
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reception_slots", verbose_name=_("host"))
    starts_at = models.DateTimeField(pgettext_lazy("council", "starts"), db_index=True)
    ends_at = models.DateTimeField(pgettext_lazy("council", "ends"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveSmallIntegerField(_("seats"), default=1)

    class Meta:
        verbose_name = pgettext_lazy("model", "reception slot")
        verbose_name_plural = pgettext_lazy("model", "reception slots")
        ordering = ["starts_at", "id"]


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        DONE = "done", _("Talked")
        CANCELLED = "cancelled", _("Cancelled")

    slot = models.ForeignKey(ReceptionSlot, on_delete=models.CASCADE, related_name="bookings")
    seat = models.PositiveSmallIntegerField()
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    topic = models.TextField(_("topic"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    outcome = models.TextField(pgettext_lazy("council", "outcome"), blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    matter = models.ForeignKey(Matter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model", "reception booking")
        verbose_name_plural = pgettext_lazy("model", "reception bookings")
        ordering = ["slot_id", "seat", "id"]
        constraints = [  # a cancelled booking frees its seat, and its resident may book the slot again
            models.UniqueConstraint(fields=["slot", "seat"], condition=~Q(status="cancelled"), name="booking_seat_once"),
            models.UniqueConstraint(fields=["slot", "person"], condition=~Q(status="cancelled"), name="booking_person_once"),
        ]
