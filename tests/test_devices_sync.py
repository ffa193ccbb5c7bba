"""`refresh_status` and `sync_device` bring devices in line with what WeChat reports."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devices import services, sync
from devices.models import Binding, Device, WeChatUser
from tests import device_api
from wechat.exceptions import WeChatAPIError


@pytest.fixture
def device(db) -> Device:
    return Device.objects.create(device_type="gh_wrist", device_id="dev_1")


def bound(device: Device) -> list[str]:
    return sorted(device.bindings.active().values_list("user__openid", flat=True))


def test_refresh_status_stores_status_text_and_time(wechat_api, device):
    device_api.get_stat(wechat_api, status=2, info="bind")

    sync.refresh_status(device)

    device.refresh_from_db()
    assert (device.status, device.status_info) == (Device.Status.BOUND, "bind")
    assert timezone.now() - device.status_checked_at < timedelta(minutes=1)
    assert device_api.query_of(wechat_api, "get_stat") == [{"device_id": "dev_1"}]


def test_refresh_status_refused_by_wechat_raises_and_keeps_the_old_status(wechat_api, device):
    device.status, device.status_info = 1, "authorized"
    device.save()
    device_api.get_stat(wechat_api, errcode=10002, info="invalid device id")

    with pytest.raises(WeChatAPIError) as caught:
        sync.refresh_status(device)

    assert caught.value.errcode == 10002
    device.refresh_from_db()
    assert (device.status, device.status_info, device.status_checked_at) == (1, "authorized", None)


def test_sync_opens_the_bindings_wechat_reports(wechat_api, device):
    device_api.get_openid(wechat_api, ["o_alice", "o_bob"])

    result = sync.sync_device(device)

    assert sorted(result.opened) == ["o_alice", "o_bob"]
    assert result.closed == []
    assert bound(device) == ["o_alice", "o_bob"]
    assert set(Binding.objects.values_list("source", flat=True)) == {Binding.Source.SYNC}
    assert device_api.query_of(wechat_api, "get_openid") == [
        {"device_type": "gh_wrist", "device_id": "dev_1"}
    ]


def test_sync_closes_the_bindings_wechat_no_longer_reports(wechat_api, device):
    services.open_binding("o_alice", "gh_wrist", "dev_1")
    services.open_binding("o_carol", "gh_wrist", "dev_1")
    device_api.get_openid(wechat_api, ["o_alice", "o_bob"])

    result = sync.sync_device(device)

    assert (result.opened, result.closed, result.active) == (["o_bob"], ["o_carol"], 2)
    assert bound(device) == ["o_alice", "o_bob"]
    carol = Binding.objects.get(user__openid="o_carol")
    assert carol.closed_by == Binding.Source.SYNC
    assert carol.unbound_at is not None


def test_sync_leaves_bindings_of_other_devices_alone(wechat_api, device):
    services.open_binding("o_alice", "gh_wrist", "dev_2")
    device_api.get_openid(wechat_api, [])

    sync.sync_device(device)

    assert Binding.objects.active().get().device.device_id == "dev_2"


def test_sync_with_an_empty_answer_closes_every_binding(wechat_api, device):
    services.open_binding("o_alice", "gh_wrist", "dev_1")
    device_api.get_openid(wechat_api, [])

    result = sync.sync_device(device)

    assert (result.opened, result.closed) == ([], ["o_alice"])
    assert bound(device) == []


def test_sync_twice_changes_nothing_the_second_time(wechat_api, device):
    device_api.get_openid(wechat_api, ["o_alice"])
    sync.sync_device(device)

    result = sync.sync_device(device)

    assert (result.opened, result.closed) == ([], [])
    assert Binding.objects.count() == 1


def test_sync_refused_by_wechat_changes_nothing(wechat_api, device):
    services.open_binding("o_alice", "gh_wrist", "dev_1")
    device_api.get_openid(wechat_api, [], errcode=-1, info="device not exist")

    with pytest.raises(WeChatAPIError):
        sync.sync_device(device)

    assert bound(device) == ["o_alice"]


def test_sync_confirms_a_kept_binding_so_an_older_unbind_event_is_stale(wechat_api, device):
    services.open_binding("o_alice", "gh_wrist", "dev_1", at=timezone.now() - timedelta(hours=1))
    device_api.get_openid(wechat_api, ["o_alice"])
    sync.sync_device(device)

    closed = services.close_binding(
        "o_alice", "gh_wrist", "dev_1", at=timezone.now() - timedelta(minutes=30)
    )

    assert closed is None
    assert bound(device) == ["o_alice"]


# --- the services, called directly (as admin and commands do) --------------------------


def test_open_binding_creates_user_and_device_once(db):
    first, opened = services.open_binding("o_alice", "gh_wrist", "dev_1")
    second, opened_again = services.open_binding("o_alice", "gh_wrist", "dev_1")

    assert (opened, opened_again) == (True, False)
    assert first.pk == second.pk
    assert (WeChatUser.objects.count(), Device.objects.count()) == (1, 1)


def test_admin_and_sync_open_even_after_a_later_recorded_unbind(db):
    now = timezone.now()
    services.open_binding("o_alice", "gh_wrist", "dev_1", at=now - timedelta(hours=1))
    services.close_binding("o_alice", "gh_wrist", "dev_1", at=now + timedelta(minutes=5))

    stale, _ = services.open_binding("o_alice", "gh_wrist", "dev_1", at=now)
    forced, opened = services.open_binding(
        "o_alice", "gh_wrist", "dev_1", at=now, source=Binding.Source.SYNC
    )

    assert stale is None
    assert opened and forced.is_active


def test_touch_last_seen_is_a_single_query(db, django_assert_num_queries):
    WeChatUser.objects.create(openid="o_alice", last_seen=timezone.now() - timedelta(hours=1))

    with django_assert_num_queries(1):
        assert services.touch_last_seen("o_alice") is True
    with django_assert_num_queries(1):
        assert services.touch_last_seen("o_alice") is False  # within the minute


def test_the_database_refuses_a_second_active_binding(db):
    from django.db import IntegrityError, transaction

    binding, _ = services.open_binding("o_alice", "gh_wrist", "dev_1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Binding.objects.create(user=binding.user, device=binding.device)
    # A closed binding of the same pair is history and is allowed.
    Binding.objects.create(user=binding.user, device=binding.device, unbound_at=timezone.now())
