from django.contrib import admin

from .models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["pk", "title", "reason", "status", "priority", "created_at"]
    list_filter = ["status", "reason"]
