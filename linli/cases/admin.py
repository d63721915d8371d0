"""Back office for cases: the category tree is edited here; cases are read here and changed on the pages
(every change must go through the services so the timeline stays whole)."""

from django.contrib import admin

from .models import Case, CaseEvent, CaseSettings, Category, Open311Client


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "default_tier", "department_type", "response_amount", "response_unit",
                    "handling_amount", "handling_unit", "outcomes_public", "active")
    list_filter = ("parent", "default_tier", "outcomes_public", "active")
    search_fields = ("code", "name", "examples")
    list_editable = ("active",)
    ordering = ("order", "code")

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "from_state", "to_state", "from_tier", "to_tier", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "category", "state", "tier", "community", "grid", "created_at")
    list_filter = ("state", "tier", "source", "community")
    search_fields = ("number", "title")
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]
    exclude = ("reporter_phone",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "reporter_phone"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseSettings)
class CaseSettingsAdmin(admin.ModelAdmin):
    list_display = ("community", "rating_days", "no_verdict", "report_in_hours")


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "active", "created_at")
    readonly_fields = ("key_hash", "created_at")
    list_editable = ("active",)
