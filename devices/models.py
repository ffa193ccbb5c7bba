"""Users' openids, devices and bindings (see DESIGN.md, Models).

WeChat's events keep these rows current (`devices.events`); `devices.sync`
reconciles them with what WeChat reports.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class WeChatUser(models.Model):
    """A user of the official account, known by the openid WeChat gives us."""

    openid = models.CharField(
        "openid", max_length=128, unique=True, help_text="The user's openid for this account."
    )
    subscribed = models.BooleanField(
        default=False, help_text="Follows the account, as far as the last event tells."
    )
    first_seen = models.DateTimeField(default=timezone.now, help_text="First push or sync.")
    last_seen = models.DateTimeField(
        default=timezone.now, db_index=True, help_text="Last push from this user (to the minute)."
    )
    subscribed_at = models.DateTimeField(null=True, blank=True, help_text="Last subscribe event.")
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True, help_text="Last unsubscribe event."
    )

    class Meta:
        verbose_name = "WeChat user"
        verbose_name_plural = "WeChat users"
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.openid


class Device(models.Model):
    """A device of the hardware platform, with what `getStat` last said about it."""

    class Status(models.IntegerChoices):
        # The values `device/get_stat` answers.
        UNAUTHORIZED = 0, "not authorized"
        AUTHORIZED = 1, "authorized, not bound"
        BOUND = 2, "bound"
        ATTRIBUTES_MISSING = 3, "attributes not set"

    device_type = models.CharField(
        max_length=64, help_text="DeviceType: the original id (gh_…) of the account."
    )
    device_id = models.CharField(max_length=128, help_text="DeviceID as WeChat reports it.")
    name = models.CharField(max_length=100, blank=True, help_text="A name for admins.")
    mac = models.CharField("MAC", max_length=17, blank=True, help_text="e.g. 1A:2B:3C:4D:5E:6F")
    status = models.IntegerField(
        choices=Status, null=True, blank=True, help_text="Status from the last getStat."
    )
    status_info = models.CharField(
        "status text", max_length=100, blank=True, help_text="status_info from the last getStat."
    )
    status_checked_at = models.DateTimeField(
        "status checked", null=True, blank=True, help_text="When getStat last answered."
    )
    last_seen = models.DateTimeField(
        null=True, blank=True, help_text="Last device push (to the minute)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "device"
        ordering = ["device_type", "device_id"]
        constraints = [
            models.UniqueConstraint(fields=["device_type", "device_id"], name="unique_device"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.device_type}/{self.device_id}"


class BindingQuerySet(models.QuerySet):
    def active(self) -> "BindingQuerySet":
        return self.filter(unbound_at__isnull=True)

    def closed(self) -> "BindingQuerySet":
        return self.filter(unbound_at__isnull=False)


class Binding(models.Model):
    """A user bound to a device, from `bound_at` until `unbound_at` (null while active)."""

    class Source(models.TextChoices):
        EVENT = "event", "device event"
        ADMIN = "admin", "admin"
        SYNC = "sync", "sync with WeChat"

    user = models.ForeignKey(WeChatUser, on_delete=models.CASCADE, related_name="bindings")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="bindings")
    bound_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Latest bind event or sync that reported this binding; "
        "an unbind event older than this is stale.",
    )
    unbound_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while the binding is active."
    )
    source = models.CharField(
        max_length=8, choices=Source, default=Source.EVENT, help_text="What opened the binding."
    )
    closed_by = models.CharField(
        max_length=8, choices=Source, blank=True, help_text="What closed the binding."
    )

    objects = BindingQuerySet.as_manager()

    class Meta:
        verbose_name = "binding"
        ordering = ["-bound_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "device"],
                condition=Q(unbound_at__isnull=True),
                name="one_active_binding_per_user_and_device",
                violation_error_message="This user is already bound to this device.",
            ),
        ]

    def __str__(self) -> str:
        state = "active" if self.is_active else "closed"
        return f"{self.user} ↔ {self.device} ({state})"

    @property
    def is_active(self) -> bool:
        return self.unbound_at is None
