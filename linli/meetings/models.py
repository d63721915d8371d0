"""Meetings, who attended, minutes, and resolutions that become tracked actions.

Started for the whistle meeting of a case (召开会议 → 落实决议); the council hall grows here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    minutes = models.TextField(_("minutes"), blank=True)
    held = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
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
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(organization__isnull=False) | ~Q(name=""), name="attendance_names_someone"),
        ]


class Action(models.Model):
    """A resolution of a meeting, carried out by an owner by a due date (落实决议)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField(_("resolution"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_actions", verbose_name=_("owner"))
    owner_org = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_actions")
    due_on = models.DateField(_("due date"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(owner__isnull=False) | Q(owner_org__isnull=False), name="action_has_owner"),
        ]


class ActionProgress(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    percent = models.PositiveSmallIntegerField(default=0)
    note = models.TextField()

    class Meta:
        ordering = ["at", "id"]
