from django.contrib import admin

from .models import Package, Shipment, Shipper


@admin.register(Shipper)
class ShipperAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "carrier", "active", "priority"]
    exclude = ["transport", "return_channel", "webhook_token_hash"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "shipper", "status", "transmitted_at", "confirmed_at"]
    list_filter = ["status", "shipper"]


admin.site.register(Package)
