"""Back office for grid work: visit rules and point rules are edited here (rules change by new versions,
so history keeps the rule it was earned under); the records are read here and changed on the pages,
through the services."""

from django.contrib import admin

from .models import (Campaign, CareVisit, ChecklistItem, Dispute, DutyItem, Hazard, Patrol, PointEvent, PointRule,
                     RectificationNotice, VisitRule)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VisitRule)
class VisitRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "tag", "also_tag", "min_level", "max_level", "interval_days", "method", "active")
    list_filter = ("community", "active", "method")
    list_editable = ("active",)


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "description", "points", "community", "effective_from", "effective_to")
    list_filter = ("community", "code")

    def has_change_permission(self, request, obj=None):
        # a published version is not changed in place: publish a new one from a later date
        return obj is None or not obj.events.exists()


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "kind", "target", "starts_on", "ends_on")
    list_filter = ("community", "kind")
    inlines = [ChecklistItemInline]


@admin.register(Patrol)
class PatrolAdmin(ReadOnly):
    list_display = ("grid", "worker", "started_at", "ended_at")
    list_filter = ("community", "grid")
    date_hierarchy = "started_at"


@admin.register(Hazard)
class HazardAdmin(ReadOnly):
    list_display = ("title", "grid", "responsible_name", "status", "found_at", "case")
    list_filter = ("community", "status")
    search_fields = ("title", "responsible_name")


@admin.register(RectificationNotice)
class NoticeAdmin(ReadOnly):
    list_display = ("number", "responsible_name", "deadline", "status", "issued_at")
    list_filter = ("community", "status")
    search_fields = ("number", "responsible_name")


@admin.register(CareVisit)
class CareVisitAdmin(ReadOnly):
    list_display = ("person", "rule", "due_on", "done_at", "method", "escalated_at", "assigned_to")
    list_filter = ("community", "rule", "method")
    date_hierarchy = "due_on"


@admin.register(Dispute)
class DisputeAdmin(ReadOnly):
    list_display = ("number", "kind", "grid", "risk", "status", "registered_at")
    list_filter = ("community", "kind", "risk", "status")


@admin.register(DutyItem)
class DutyItemAdmin(ReadOnly):
    list_display = ("title", "leader", "building", "kind", "source", "due_on", "done_at", "missed_at")
    list_filter = ("community", "kind", "source")


@admin.register(PointEvent)
class PointEventAdmin(ReadOnly):
    list_display = ("leader", "code", "points", "reason", "at")
    list_filter = ("community", "code")
