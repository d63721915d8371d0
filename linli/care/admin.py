from django.contrib import admin

from .models import Alarm, AlarmLog, Application, ApplicationStep, Batch, CareOrder, Contact, Device, Gateway, Reject, Shift, Station


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class AlarmLogInline(admin.TabularInline):
    model = AlarmLog
    extra = 0
    readonly_fields = ["at", "kind", "actor", "step", "called", "call_outcome", "note"]


class StepInline(admin.TabularInline):
    model = ApplicationStep
    extra = 0
    readonly_fields = ["at", "level", "from_state", "to_state", "use_case", "opinion", "actor"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "duty_phone"]
    filter_horizontal = ["operators"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["serial", "kind", "person", "status", "battery", "last_heartbeat_at"]
    list_filter = ["kind", "status"]
    search_fields = ["serial", "dc09_account"]
    raw_id_fields = ["person", "household"]
    inlines = [ContactInline]


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    list_display = ["received_at", "kind", "person", "status", "step", "outcome"]
    list_filter = ["status", "kind", "source"]
    raw_id_fields = ["device", "person"]
    inlines = [AlarmLogInline]


@admin.register(CareOrder)
class CareOrderAdmin(admin.ModelAdmin):
    list_display = ["window_start", "kind", "person", "status", "payer", "rating"]
    list_filter = ["kind", "status", "payer"]
    raw_id_fields = ["person", "alarm", "parent"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["submitted_at", "kind", "person", "state", "centralised", "due_at"]
    list_filter = ["kind", "state", "centralised"]
    raw_id_fields = ["person"]
    inlines = [StepInline]


@admin.register(Reject)
class RejectAdmin(admin.ModelAdmin):
    list_display = ["at", "channel", "reason", "peer", "detail"]
    list_filter = ["channel", "reason"]


admin.site.register([Gateway, Shift, Batch])
