from django.contrib import admin

from .models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "active", "poll_interval", "last_poll_ok_at"]
    exclude = ["secrets"]
