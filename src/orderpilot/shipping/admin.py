from django.contrib import admin

from .models import Package, Shipment, Shipper, ShipperStock


@admin.register(Shipper)
class ShipperAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "carrier", "active", "priority", "last_polled_at"]
    # secrets (URLs with passwords, token hashes) are set by ``config apply`` only, never shown
    exclude = ["transport", "return_channel", "webhook_token_hash", "previous_webhook_token_hash"]
    readonly_fields = ["next_poll_at", "last_polled_at", "last_poll_error"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "shipper", "status", "transmitted_at", "confirmed_at"]
    list_filter = ["status", "shipper"]


@admin.register(ShipperStock)
class ShipperStockAdmin(admin.ModelAdmin):
    list_display = ["shipper", "sku", "quantity", "updated_at"]
    list_filter = ["shipper"]


admin.site.register(Package)
