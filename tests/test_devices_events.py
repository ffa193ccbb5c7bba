"""WeChat's events keep users, devices and bindings current, through the real /wechat/ view."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices import services
from devices.models import Binding, Device, WeChatUser
from tests.pushes import post, send, signed
from wechat.models import InboundMessage
from wechat.simulate import build_push

pytestmark = pytest.mark.django_db

T0 = 1_780_000_000  # a fixed CreateTime, so that event order is explicit


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def bind(client, event="bind", *, t, openid="o_alice", device_id="dev_1", mode="plain"):
    response, reply = send(
        client, "device_event", event, mode, openid=openid, device_id=device_id, create_time=t
    )
    assert response.status_code == 200
    return reply


def unbind(client, **kwargs):
    return bind(client, "unbind", **kwargs)


def subscribe(client, event="subscribe", *, t, openid="o_alice", **fields):
    response, _ = send(client, "event", event, openid=openid, create_time=t, **fields)
    assert response.status_code == 200


# --- subscribe / unsubscribe ------------------------------------------------------


def test_subscribe_creates_a_subscribed_user(client):
    subscribe(client, t=T0)

    user = WeChatUser.objects.get(openid="o_alice")
    assert user.subscribed is True
    assert user.subscribed_at == at(T0)
    assert user.unsubscribed_at is None


def test_subscribe_through_a_qr_scene_also_records_the_subscription(client):
    subscribe(client, t=T0, event_key="qrscene_42")

    assert WeChatUser.objects.get(openid="o_alice").subscribed is True


def test_unsubscribe_marks_the_user_unsubscribed(client):
    subscribe(client, t=T0)
    subscribe(client, "unsubscribe", t=T0 + 10)

    user = WeChatUser.objects.get(openid="o_alice")
    assert user.subscribed is False
    assert (user.subscribed_at, user.unsubscribed_at) == (at(T0), at(T0 + 10))


def test_unsubscribe_of_an_unknown_user_records_an_unsubscribed_user(client):
    subscribe(client, "unsubscribe", t=T0)

    user = WeChatUser.objects.get(openid="o_alice")
    assert (user.subscribed, user.unsubscribed_at) == (False, at(T0))


def test_repeated_subscribe_keeps_one_user_with_the_latest_time(client):
    subscribe(client, t=T0)
    subscribe(client, t=T0 + 5)

    assert WeChatUser.objects.count() == 1
    assert WeChatUser.objects.get().subscribed_at == at(T0 + 5)


def test_subscribe_arriving_after_a_later_unsubscribe_changes_nothing(client):
    subscribe(client, "unsubscribe", t=T0 + 10)
    subscribe(client, t=T0)  # older: it was overtaken

    user = WeChatUser.objects.get(openid="o_alice")
    assert user.subscribed is False
    assert user.subscribed_at is None


def test_resubscribe_after_unsubscribe_subscribes_again(client):
    subscribe(client, t=T0)
    subscribe(client, "unsubscribe", t=T0 + 10)
    subscribe(client, t=T0 + 20)

    assert WeChatUser.objects.get(openid="o_alice").subscribed is True


# --- last seen ----------------------------------------------------------------------


def test_any_push_bumps_a_known_users_stale_last_seen(client):
    long_ago = timezone.now() - timedelta(hours=2)
    WeChatUser.objects.create(openid="o_alice", last_seen=long_ago)

    send(client, "text", openid="o_alice")

    assert WeChatUser.objects.get(openid="o_alice").last_seen > long_ago + timedelta(hours=1)


def test_a_push_within_a_minute_of_the_last_leaves_last_seen_unwritten(client):
    recent = timezone.now() - timedelta(seconds=10)
    WeChatUser.objects.create(openid="o_alice", last_seen=recent)

    send(client, "text", openid="o_alice")

    assert WeChatUser.objects.get(openid="o_alice").last_seen == recent


def test_a_second_push_within_the_minute_skips_the_last_seen_statement(client):
    long_ago = timezone.now() - timedelta(hours=2)
    WeChatUser.objects.create(openid="o_alice", last_seen=long_ago)
    send(client, "text", openid="o_alice")
    WeChatUser.objects.filter(openid="o_alice").update(last_seen=long_ago)

    with CaptureQueriesContext(connection) as queries:
        send(client, "text", openid="o_alice")

    assert not [q for q in queries if "devices_wechatuser" in q["sql"]]
    assert WeChatUser.objects.get(openid="o_alice").last_seen == long_ago


def test_the_throttle_touches_again_once_the_minute_has_passed(db):
    long_ago = timezone.now() - timedelta(hours=2)
    WeChatUser.objects.create(openid="o_alice", last_seen=long_ago)
    now = timezone.now()
    assert services.touch_last_seen_throttled("o_alice", now) is True
    WeChatUser.objects.filter(openid="o_alice").update(last_seen=long_ago)

    assert services.touch_last_seen_throttled("o_alice", now + timedelta(seconds=59)) is False
    later = now + timedelta(seconds=61)
    assert services.touch_last_seen_throttled("o_alice", later) is True
    assert WeChatUser.objects.get(openid="o_alice").last_seen == later


def test_a_push_from_an_unknown_sender_creates_no_user(client):
    send(client, "text", openid="o_stranger")

    assert not WeChatUser.objects.filter(openid="o_stranger").exists()


def test_a_text_push_costs_one_write_to_the_users_table(client):
    WeChatUser.objects.create(openid="o_alice", last_seen=timezone.now() - timedelta(hours=1))

    with CaptureQueriesContext(connection) as queries:
        send(client, "text", openid="o_alice")

    user_queries = [q["sql"] for q in queries if "devices_wechatuser" in q["sql"]]
    assert len(user_queries) == 1
    assert user_queries[0].startswith("UPDATE")


# --- device bind / unbind -----------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_bind_creates_user_device_and_an_active_binding(client, mode):
    reply = bind(client, t=T0, mode=mode)

    assert reply == "success"
    binding = Binding.objects.get()
    assert (binding.user.openid, binding.device.device_id) == ("o_alice", "dev_1")
    assert binding.device.device_type == "gh_wrist"
    assert binding.bound_at == at(T0)
    assert binding.is_active
    assert binding.source == Binding.Source.EVENT


def test_second_bind_is_a_no_op(client):
    bind(client, t=T0)
    bind(client, t=T0 + 5)

    binding = Binding.objects.get()
    assert binding.bound_at == at(T0)
    assert binding.is_active


def test_retried_bind_push_runs_the_handler_once(client):
    push = signed(build_push("device_event", "bind", openid="o_alice", device_id="dev_1"))
    post(client, push)
    post(client, push)

    assert Binding.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_unbind_closes_the_active_binding(client):
    bind(client, t=T0)
    unbind(client, t=T0 + 60)

    binding = Binding.objects.get()
    assert binding.unbound_at == at(T0 + 60)
    assert binding.closed_by == Binding.Source.EVENT


def test_repeated_unbind_changes_nothing(client):
    bind(client, t=T0)
    unbind(client, t=T0 + 60)
    unbind(client, t=T0 + 70)

    assert Binding.objects.get().unbound_at == at(T0 + 60)


def test_unbind_of_an_unknown_binding_is_logged_and_ignored(client, caplog):
    with caplog.at_level(logging.WARNING, logger="devices.services"):
        reply = unbind(client, t=T0, openid="o_bob", device_id="dev_9")

    assert reply == "success"
    assert not Binding.objects.exists()
    assert "unbind of unknown binding" in caplog.text
    assert InboundMessage.objects.get().status == InboundMessage.Status.ANSWERED


def test_bind_unbind_bind_keeps_history_with_one_active_binding(client):
    bind(client, t=T0)
    unbind(client, t=T0 + 10)
    bind(client, t=T0 + 20)

    assert Binding.objects.count() == 2
    assert Binding.objects.active().get().bound_at == at(T0 + 20)


def test_unbind_overtaken_by_the_next_bind_is_ignored(client):
    # WeChat: bind T0, unbind T0+10, bind T0+20; the unbind is delivered last.
    bind(client, t=T0 + 20)
    unbind(client, t=T0 + 10)
    bind(client, t=T0)

    binding = Binding.objects.get()
    assert binding.is_active
    assert binding.bound_at == at(T0 + 20)


def test_late_unbind_older_than_a_repeated_bind_is_ignored(client):
    # bind T0 and bind T0+20 arrive, then the unbind of T0+10 that came between.
    bind(client, t=T0)
    bind(client, t=T0 + 20)
    unbind(client, t=T0 + 10)

    assert Binding.objects.get().is_active


def test_bind_older_than_a_recorded_unbind_is_ignored(client):
    # A repeated bind of T0+5 is delivered after the unbind of T0+10.
    bind(client, t=T0)
    unbind(client, t=T0 + 10)
    bind(client, t=T0 + 5)

    assert not Binding.objects.active().exists()
    assert Binding.objects.count() == 1


def test_bindings_of_two_users_to_one_device_are_independent(client):
    bind(client, t=T0, openid="o_alice")
    bind(client, t=T0, openid="o_bob")
    unbind(client, t=T0 + 5, openid="o_alice")

    assert list(Binding.objects.active().values_list("user__openid", flat=True)) == ["o_bob"]


# --- device text --------------------------------------------------------------------


def test_device_text_creates_the_device_and_marks_it_seen(client):
    send(client, "device_text", device_id="dev_7", content="aGk=")

    device = Device.objects.get(device_id="dev_7")
    assert device.last_seen is not None
    assert timezone.now() - device.last_seen < timedelta(minutes=1)


def test_device_text_within_a_minute_leaves_last_seen_unwritten(client):
    recent = timezone.now() - timedelta(seconds=5)
    Device.objects.create(device_type="gh_wrist", device_id="dev_7", last_seen=recent)

    send(client, "device_text", device_id="dev_7", content="aGk=")

    assert Device.objects.get(device_id="dev_7").last_seen == recent


def test_device_text_bumps_a_stale_last_seen(client):
    long_ago = timezone.now() - timedelta(hours=3)
    Device.objects.create(device_type="gh_wrist", device_id="dev_7", last_seen=long_ago)

    send(client, "device_text", device_id="dev_7", content="aGk=")

    assert Device.objects.get(device_id="dev_7").last_seen > long_ago + timedelta(hours=2)
