"""Keep users, devices and bindings current from WeChat's events.

Handlers, admin and commands all change these rows through these functions.
Each runs in one transaction (a savepoint inside the handler's). Events carry
WeChat's `CreateTime`, passed as `at`: an event older than what a row already
records is stale (it arrived out of order) and changes nothing, so repeated
and reordered pushes leave the data consistent.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from devices.models import Binding, Device, WeChatUser
from wrist import fastsql

logger = logging.getLogger(__name__)

# last_seen is kept to this resolution so that a busy user costs one write a minute.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def touch_last_seen(openid: str, now: datetime | None = None) -> bool:
    """Bump a known user's last_seen; one conditional UPDATE, run for every push.

    Only a user whose last_seen is older than `LAST_SEEN_RESOLUTION` is
    written, so a chatty user costs one write a minute. Unknown senders are
    left alone: users are created by subscribe, scan and device events.
    """
    if not openid:
        return False
    now = now or timezone.now()
    stale = {"openid": openid, "last_seen__lt": now - LAST_SEEN_RESOLUTION}
    return fastsql.update(WeChatUser, stale, last_seen=now) > 0


# openid -> when this process last ran touch_last_seen for it (bounded).
_touched_recently: dict[str, datetime] = {}
TOUCH_MEMORY = 10_000


def touch_last_seen_throttled(openid: str, now: datetime | None = None) -> bool:
    """`touch_last_seen`, skipped when this process ran it for `openid` within the minute.

    The UPDATE would then change nothing (last_seen is already within the
    resolution), so a chatty user costs no statement at all on most pushes.
    A touch whose transaction rolled back is remembered all the same: that
    user's last_seen may lag by up to the resolution, never more.
    """
    now = now or timezone.now()
    touched = _touched_recently.get(openid)
    if touched is not None and now - touched < LAST_SEEN_RESOLUTION:
        return False
    if len(_touched_recently) >= TOUCH_MEMORY:
        _touched_recently.clear()
    _touched_recently[openid] = now
    return touch_last_seen(openid, now)


def forget_recent_touches() -> None:
    """Empty the memory of `touch_last_seen_throttled` (tests start from a fresh state)."""
    _touched_recently.clear()


def ensure_user(openid: str) -> WeChatUser:
    """The user with `openid`, created on first sight."""
    user, _ = WeChatUser.objects.get_or_create(openid=openid)
    return user


def ensure_device(device_type: str, device_id: str) -> Device:
    """The device, created on first sight."""
    device, _ = Device.objects.get_or_create(device_type=device_type, device_id=device_id)
    return device


@transaction.atomic
def record_subscribe(openid: str, at: datetime | None = None) -> WeChatUser:
    """The user follows the account (unless a later unsubscribe is already recorded)."""
    return _record_subscription(openid, at or timezone.now(), subscribed=True)


@transaction.atomic
def record_unsubscribe(openid: str, at: datetime | None = None) -> WeChatUser:
    """The user unfollowed (unless a later subscribe is already recorded)."""
    return _record_subscription(openid, at or timezone.now(), subscribed=False)


def _record_subscription(openid: str, at: datetime, *, subscribed: bool) -> WeChatUser:
    user = ensure_user(openid)
    # One conditional UPDATE: concurrent or reordered events cannot undo a newer one.
    newest = (Q(subscribed_at__isnull=True) | Q(subscribed_at__lte=at)) & (
        Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__lte=at)
    )
    stamp = {"subscribed_at": at} if subscribed else {"unsubscribed_at": at}
    changed = WeChatUser.objects.filter(newest, pk=user.pk).update(
        subscribed=subscribed, last_seen=timezone.now(), **stamp
    )
    if not changed:
        logger.info("stale %ssubscribe event for %s ignored", "" if subscribed else "un", openid)
    user.refresh_from_db()
    return user


def device_seen(device_type: str, device_id: str, now: datetime | None = None) -> None:
    """A device sent data: bump its last_seen (at most once a minute), creating it if new."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = Q(last_seen__isnull=True) | Q(last_seen__lt=now - LAST_SEEN_RESOLUTION)
        devices = Device.objects.filter(stale, device_type=device_type, device_id=device_id)
        if not devices.update(last_seen=now):
            Device.objects.get_or_create(
                device_type=device_type, device_id=device_id, defaults={"last_seen": now}
            )


@transaction.atomic
def open_binding(
    openid: str,
    device_type: str,
    device_id: str,
    *,
    at: datetime | None = None,
    source: str = Binding.Source.EVENT,
) -> tuple[Binding | None, bool]:
    """Bind the user to the device; returns (the active binding or None, opened now?).

    A second bind opens nothing; it only records that the binding was
    confirmed at `at`. A bind event older than a recorded unbind of the
    same pair arrived out of order and is ignored (returns None); admin and
    sync are authoritative and always open.
    """
    at = at or timezone.now()
    user, device = ensure_user(openid), ensure_device(device_type, device_id)
    pair = Binding.objects.filter(user=user, device=device)
    active = pair.active().first()
    if active is not None:
        _confirm(active, at)
        return active, False
    stale = source == Binding.Source.EVENT and pair.filter(unbound_at__gt=at).exists()
    if stale:
        logger.info("stale bind of %s to %s/%s ignored", openid, device_type, device_id)
        return None, False
    try:
        with transaction.atomic():
            binding = Binding.objects.create(
                user=user, device=device, bound_at=at, confirmed_at=at, source=source
            )
            return binding, True
    except IntegrityError:
        # A concurrent bind of the same pair won the insert.
        return pair.active().get(), False


@transaction.atomic
def close_binding(
    openid: str,
    device_type: str,
    device_id: str,
    *,
    at: datetime | None = None,
    source: str = Binding.Source.EVENT,
) -> Binding | None:
    """Close the user's active binding to the device; returns it, or None when ignored.

    An unbind with no active binding (unknown pair, or a repeat) is logged and
    ignored; so is one older than the latest bind of the active binding (it
    arrived out of order). An unbind that overtook its own bind cannot be told
    from an unknown one: `sync.sync_device` corrects that rare case.
    """
    at = at or timezone.now()
    user, device = ensure_user(openid), ensure_device(device_type, device_id)
    active = Binding.objects.select_for_update().filter(user=user, device=device).active().first()
    if active is None:
        logger.warning(
            "unbind of unknown binding ignored: %s from %s/%s", openid, device_type, device_id
        )
        return None
    if (active.confirmed_at or active.bound_at) > at:
        logger.info("stale unbind of %s from %s/%s ignored", openid, device_type, device_id)
        return None
    return close(active, at=at, source=source)


def close(binding: Binding, *, at: datetime | None = None, source: str) -> Binding:
    """Close `binding` (already fetched) at `at`."""
    binding.unbound_at = at or timezone.now()
    binding.closed_by = source
    binding.save(update_fields=["unbound_at", "closed_by"])
    return binding


def _confirm(binding: Binding, at: datetime) -> None:
    """Record that a bind event or a sync saw `binding` at `at` (never moving back)."""
    if binding.confirmed_at is None or binding.confirmed_at < at:
        binding.confirmed_at = at
        binding.save(update_fields=["confirmed_at"])
