from django.contrib import admin

from .models import HoldReason, HoldRule, OrderEvent, OrderLine, SalesOrder


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ["at", "kind", "message", "actor", "data"]
    can_delete = False


@admin.register(SalesOrder)
class SalesOrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "channel", "status", "total_gross", "currency", "ordered_at"]
    list_filter = ["status", "channel"]
    search_fields = ["external_id", "customer__name", "customer__email"]
    readonly_fields = ["status", "next_step_at", "raw_payload"]
    inlines = [OrderLineInline, OrderEventInline]


@admin.register(HoldRule)
class HoldRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "when", "active"]


admin.site.register(HoldReason)
