"""Admins read the push log; nobody edits it."""

from django.contrib import admin, messages

from wechat.models import InboundMessage, MediaUpload, OutboundSend


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are written by the code, read by admins."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboundSend)
class OutboundSendAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "call", "recipient", "status", "attempts", "errcode", "sent_at")
    list_filter = ("status", "call")
    search_fields = ("recipient", "error")
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description="Send the selected failed sends again")
    def send_again(self, request, queryset) -> None:
        from wechat.tasks import send_again  # late: tasks import the whole client

        requeued = send_again(queryset)
        skipped = queryset.count() - requeued
        self.message_user(request, f"{requeued} send(s) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: only failed sends are sent again "
                "(an unconfirmed one may have reached the user).",
                messages.WARNING,
            )


@admin.register(MediaUpload)
class MediaUploadAdmin(ReadOnlyAdmin):
    list_display = ("uploaded_at", "media_type", "filename", "size", "media_id")
    list_filter = ("media_type",)
    search_fields = ("filename", "media_id", "sha256")
    date_hierarchy = "uploaded_at"
