from django.contrib import admin

from .models import (Action, ActionProgress, AgendaItem, Attendance, Ballot, Booking, CommitteeMember, CouncilSettings, Evaluation,
                     Matter, MatterEvent, Meeting, Option, ReceptionSlot, Reply, StandingCommittee, Vote)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fk_name = "meeting"


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    raw_id_fields = ("matter", "case", "action")


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "community", "starts_at", "place", "chair_org", "held", "cancelled")
    list_filter = ("kind", "community", "held", "cancelled")
    search_fields = ("title", "minutes")
    inlines = [AgendaInline, AttendanceInline, ActionInline]


class MemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0


@admin.register(StandingCommittee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ("name", "community")
    inlines = [MemberInline]


@admin.register(CouncilSettings)
class CouncilSettingsAdmin(admin.ModelAdmin):
    list_display = ("community", "support_threshold")


class EventInline(admin.TabularInline):
    model = MatterEvent
    extra = 0
    readonly_fields = ("at", "actor", "kind", "note", "data")
    can_delete = False


class ReplyInline(admin.TabularInline):
    model = Reply
    extra = 0
    readonly_fields = ("author", "text", "at", "hidden_by", "hidden_at")


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "compound", "building", "status", "support_count", "created_at")
    list_filter = ("status", "community")
    search_fields = ("title", "what")
    readonly_fields = ("support_count", "status", "decision", "done_at")
    raw_id_fields = ("raised_by", "raised_for", "cases", "building")
    inlines = [OptionInline, ReplyInline, EventInline]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Read-only: votes change only through the services (the tally must match the ballots)."""

    list_display = ("matter", "level", "unit", "status", "eligible", "cast", "passed", "closes_at")
    list_filter = ("status", "level", "unit")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ("vote", "entry", "channel", "entered_by", "cast_at")
    list_filter = ("channel",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("matter", "rating", "at")


@admin.register(ReceptionSlot)
class ReceptionSlotAdmin(admin.ModelAdmin):
    list_display = ("community", "host", "starts_at", "ends_at", "place", "capacity")


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("slot", "seat", "person", "status", "outcome_at")
    raw_id_fields = ("person", "case", "matter")


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("text", "meeting", "matter", "owner_kind", "due_on", "status")
    list_filter = ("status", "owner_kind")


@admin.register(ActionProgress)
class ActionProgressAdmin(admin.ModelAdmin):
    list_display = ("action", "at", "percent")
