"""Back office for volunteers. The ledger is read-only here: postings and balances change only through the
services (a correction is a new posting), so the admin may look but never add, change or delete."""

from django.contrib import admin

from .models import (Activity, Award, LedgerAccount, MenuItem, PlanItem, Posting, Redemption, ServiceOrder, ServiceRecord, ShopItem,
                     StockTake, Team, TeamMembership, Volunteer, Wish)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Posting)
class PostingAdmin(ReadOnly):
    list_display = ("at", "kind", "amount", "from_account", "to_account", "reason", "source_key", "created_by")
    list_filter = ("kind", "community")
    search_fields = ("reason", "source_key")
    date_hierarchy = "at"


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnly):
    list_display = ("__str__", "kind", "community", "balance")
    list_filter = ("kind", "community")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnly):
    list_display = ("at", "volunteer", "item", "quantity", "points", "channel", "status")
    list_filter = ("status", "channel", "community")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnly):
    list_display = ("volunteer", "activity", "order", "minutes", "points", "rating", "certified_at")


@admin.register(Award)
class AwardAdmin(ReadOnly):
    list_display = ("volunteer", "title", "level", "period_start", "period_end", "points", "at")


@admin.register(StockTake)
class StockTakeAdmin(ReadOnly):
    list_display = ("at", "item", "expected", "counted", "note", "by")


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnly):
    list_display = ("person", "community", "status", "party_member", "party_org", "organization", "applied_at")
    list_filter = ("status", "party_member", "community")
    search_fields = ("person__name", "skills")


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    fields = ("volunteer", "since", "until")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "organization", "lead")
    fields = ("name", "services", "channel")
    inlines = [MembershipInline]

    def has_add_permission(self, request, obj=None):
        return False  # teams are created on the pages (services.create_team)


@admin.register(Activity)
class ActivityAdmin(ReadOnly):
    list_display = ("title", "kind", "community", "starts_at", "capacity", "points_per_hour", "cancelled")
    list_filter = ("kind", "community")


@admin.register(Wish)
class WishAdmin(ReadOnly):
    list_display = ("text", "community", "status", "created_at")
    list_filter = ("status", "community")


@admin.register(ShopItem)
class ShopItemAdmin(admin.ModelAdmin):
    """Name and on-offer flag may be edited here; price changes only affect future redemptions; stock moves by stock-taking."""
    list_display = ("name", "kind", "community", "price", "stock", "active")
    fields = ("name", "kind", "price", "active")
    list_editable = ("active",)

    def has_add_permission(self, request, obj=None):
        return False


admin.site.register(MenuItem, list_display=("title", "target_group", "community", "active"))
admin.site.register(PlanItem, list_display=("year", "month", "title", "kind", "community", "activity"))
admin.site.register(ServiceOrder, ReadOnly)
