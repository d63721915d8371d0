from django.contrib import admin

from .models import Booking, CycleItem, Hold, Loan, Order, OrderCycle, PickupPoint, Room, Seller, Tool, ToolCopy


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ("organization", "community", "state")
    list_filter = ("state",)
    readonly_fields = ("state", "decided_by", "decided_at")  # changed only through services.decide_seller


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "compound", "hours", "active")


class ItemInline(admin.TabularInline):
    model = CycleItem
    extra = 0
    readonly_fields = ("taken",)


@admin.register(OrderCycle)
class OrderCycleAdmin(admin.ModelAdmin):
    list_display = ("title", "seller", "closes_at", "delivery_on", "state")
    list_filter = ("state",)
    readonly_fields = ("state", "close_reason", "closed_at", "households")
    inlines = [ItemInline]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("cycle", "seq", "pickup_point", "state", "payment", "total")
    list_filter = ("state", "payment")
    readonly_fields = ("state", "total")
    raw_id_fields = ("person", "household", "dwelling")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "kind", "opens", "closes", "needs_approval", "active")


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("room", "title", "starts_at", "ends_at", "state")
    list_filter = ("state",)
    readonly_fields = ("state",)
    raw_id_fields = ("person",)


class CopyInline(admin.TabularInline):
    model = ToolCopy
    extra = 0
    readonly_fields = ("state",)


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "community", "active")
    list_filter = ("category",)
    inlines = [CopyInline]


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ("copy", "lent_at", "due_on", "state")
    list_filter = ("state",)
    readonly_fields = ("state",)
    raw_id_fields = ("person",)


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    list_display = ("tool", "state", "created_at", "ready_until")
    readonly_fields = ("state",)
    raw_id_fields = ("person",)
