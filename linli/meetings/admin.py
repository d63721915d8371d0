from django.contrib import admin

from .models import Action, Attendance, Meeting


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "community", "starts_at", "place", "held")
    list_filter = ("kind", "community", "held")
    search_fields = ("title", "minutes")
    inlines = [AttendanceInline, ActionInline]
