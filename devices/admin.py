"""Admin for users, devices and bindings; WeChat is asked before anything changes.

Every `WeChatAPIError` becomes an admin error message (or a form error), never a 500.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.urls import path
from django.utils import timezone

from devices import admin_views, sync
from devices.actions import refusal
from devices.forms import AddBindingForm, SendMessageForm
from devices.models import Binding, Device, WeChatUser
from wechat.exceptions import WeChatAPIError

ACTIVE = Count("bindings", filter=Q(bindings__unbound_at__isnull=True))


class ReadOnlyBindingInline(admin.TabularInline):
    """Bindings are history: they change through bind/unbind, never by inline edits."""

    model = Binding
    extra = 0
    can_delete = False
    show_change_link = True
    readonly_fields = ("bound_at", "unbound_at", "source", "closed_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class UserBindingInline(ReadOnlyBindingInline):
    fields = ("device", "bound_at", "unbound_at", "source", "closed_by")


class DeviceBindingInline(ReadOnlyBindingInline):
    fields = ("user", "bound_at", "unbound_at", "source", "closed_by")


@admin.register(WeChatUser)
class WeChatUserAdmin(admin.ModelAdmin):
    list_display = ("openid", "subscribed", "active_devices", "last_seen", "first_seen")
    list_filter = ("subscribed",)
    search_fields = ("openid",)
    readonly_fields = ("first_seen", "last_seen", "subscribed_at", "unsubscribed_at")
    inlines = [UserBindingInline]

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).annotate(active_devices=ACTIVE)

    @admin.display(description="active devices", ordering="active_devices")
    def active_devices(self, user: WeChatUser) -> int:
        return user.active_devices


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = (
        "device_id",
        "device_type",
        "name",
        "status",
        "status_checked_at",
        "active_bindings",
        "last_seen",
    )
    list_filter = ("device_type", "status")
    search_fields = ("device_id", "name", "mac", "device_type")
    readonly_fields = ("status", "status_info", "status_checked_at", "last_seen", "created_at")
    inlines = [DeviceBindingInline]
    actions = ["refresh_status", "sync_bindings"]

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).annotate(active_bindings=ACTIVE)

    @admin.display(description="active bindings", ordering="active_bindings")
    def active_bindings(self, device: Device) -> int:
        return device.active_bindings

    def get_urls(self) -> list:
        def view(function):
            wrapped = self.admin_site.admin_view(
                lambda request, object_id: function(self, request, object_id)
            )
            wrapped.model_admin = self
            return wrapped

        return [
            path("<path:object_id>/qr.png", view(admin_views.qr_code), name="devices_device_qr"),
            path(
                "<path:object_id>/send/",
                view(admin_views.send_message),
                name="devices_device_send",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        device = self.get_object(request, object_id)
        if device is not None:
            extra_context = {**(extra_context or {}), "send_form": SendMessageForm(device=device)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Refresh status from WeChat (getStat)")
    def refresh_status(self, request, queryset: QuerySet) -> None:
        for device in queryset:
            try:
                sync.refresh_status(device)
            except WeChatAPIError as err:
                self.message_user(request, f"{device}: {refusal(err)}", messages.ERROR)
            else:
                status = device.get_status_display() or "unknown"
                text = f"{device}: {status} ({device.status_info or 'no status text'})"
                self.message_user(request, text, messages.SUCCESS)

    @admin.action(description="Sync bindings from WeChat (getOpenId)")
    def sync_bindings(self, request, queryset: QuerySet) -> None:
        for device in queryset:
            try:
                result = sync.sync_device(device)
            except WeChatAPIError as err:
                self.message_user(request, f"{device}: {refusal(err)}", messages.ERROR)
            else:
                self.message_user(request, f"{device}: {result}", messages.SUCCESS)


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "active"), ("closed", "closed")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.active()
        if self.value() == "closed":
            return queryset.closed()
        return queryset


@admin.register(Binding)
class BindingAdmin(admin.ModelAdmin):
    list_display = ("user", "device", "is_active", "bound_at", "unbound_at", "source", "closed_by")
    list_filter = (ActiveFilter, "source", "closed_by")
    search_fields = ("user__openid", "device__device_id")
    list_select_related = ("user", "device")
    date_hierarchy = "bound_at"
    actions = ["close_bindings"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AddBindingForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "device"]
        return ["user", "device", "bound_at", "confirmed_at", "unbound_at", "source", "closed_by"]

    def get_readonly_fields(self, request, obj=None):
        # An existing binding is history: it is closed by the action, not edited.
        return self.get_fields(request, obj) if obj is not None else []

    def save_model(self, request, obj: Binding, form, change: bool) -> None:
        if not change:  # AddBindingForm has had WeChat's compelBind agree
            obj.bound_at = obj.confirmed_at = timezone.now()
            obj.source = Binding.Source.ADMIN
        super().save_model(request, obj, form, change)

    @admin.display(description="active", boolean=True)
    def is_active(self, binding: Binding) -> bool:
        return binding.is_active

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting an active binding would leave it bound on WeChat: close it first.
        active = obj is not None and obj.is_active
        return not active and super().has_delete_permission(request, obj)

    def get_actions(self, request) -> dict:
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # it would skip the per-binding check above
        return found

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and "_close_binding" in request.POST:
            return admin_views.close_binding(self, request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Close selected bindings (compelUnbind on WeChat first)")
    def close_bindings(self, request, queryset: QuerySet) -> None:
        closed = 0
        for binding in queryset.active().select_related("user", "device"):
            closed += admin_views.unbind_and_report(self, request, binding, quiet=True)
        if closed:
            self.message_user(request, f"Closed {closed} binding(s).", messages.SUCCESS)
        elif not queryset.active().exists():
            self.message_user(request, "No active binding selected.", messages.WARNING)
