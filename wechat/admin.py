"""Admins read the push log; nobody edits it."""

from django.contrib import admin

from wechat.models import InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "kind", "sender", "status", "encrypted", "handler_ms")
    list_filter = ("status", "msg_type", "kind", "encrypted")
    search_fields = ("sender", "dedup_key")
    date_hierarchy = "received_at"
    readonly_fields = [field.name for field in InboundMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
