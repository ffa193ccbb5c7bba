"""Reconcile devices with what WeChat reports: their status and their bound users.

WeChat is asked first, outside any transaction; what it answered is then
applied in one transaction. A refusal raises `WeChatAPIError` and changes
nothing.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from devices import services
from devices.models import Binding, Device
from wechat import tools


@dataclass(frozen=True)
class SyncResult:
    """What `sync_device` changed: openids bound and unbound, and how many stay bound."""

    opened: list[str]
    closed: list[str]
    active: int

    def __str__(self) -> str:
        return f"+{len(self.opened)} bound, -{len(self.closed)} unbound, {self.active} active"


def refresh_status(device: Device) -> Device:
    """Store what `getStat` says about the device: status, status text and when."""
    answer = tools.getStat(device.device_id)
    device.status = _int_or_none(answer.get("status"))
    device.status_info = str(answer.get("status_info") or "")[:100]
    device.status_checked_at = timezone.now()
    device.save(update_fields=["status", "status_info", "status_checked_at"])
    return device


def sync_device(device: Device) -> SyncResult:
    """Open the bindings `getOpenId` reports and close the active ones it no longer does."""
    answer = tools.getOpenId(device.device_type, device.device_id)
    reported = [str(openid) for openid in answer.get("open_id") or [] if openid]
    return _apply(device, reported)


@transaction.atomic
def _apply(device: Device, reported: list[str]) -> SyncResult:
    now = timezone.now()
    active = Binding.objects.select_for_update().filter(device=device).active()
    bound = {binding.user.openid: binding for binding in active.select_related("user")}
    closed = sorted(openid for openid in bound if openid not in reported)
    for openid in closed:
        services.close(bound[openid], at=now, source=Binding.Source.SYNC)
    opened = []
    for openid in dict.fromkeys(reported):
        # Already bound: open_binding only records that WeChat confirmed it now.
        _, created = services.open_binding(
            openid, device.device_type, device.device_id, at=now, source=Binding.Source.SYNC
        )
        if created:
            opened.append(openid)
    return SyncResult(opened=opened, closed=closed, active=len(dict.fromkeys(reported)))


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
