"""wrist.fastsql: the prepared INSERT and UPDATE the callback runs per push."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from devices.models import WeChatUser
from wechat.models import InboundMessage, OutboundSend
from wrist import fastsql

pytestmark = pytest.mark.django_db


def _push_values(key: str, **changes) -> dict:
    values = dict(
        dedup_key=key,
        kind="text",
        msg_type="text",
        event="",
        sender="o_alice",
        recipient="gh_account",
        xml="<xml/>",
        encrypted=True,
        status=InboundMessage.Status.PROCESSING,
        reply="",
        error="",
        received_at=timezone.now(),
    )
    values.update(changes)
    return values


def test_insert_stores_a_row_the_orm_reads_back_unchanged():
    at = timezone.now().replace(microsecond=123456)
    fastsql.insert(InboundMessage, **_push_values("msg:1", received_at=at))
    row = InboundMessage.objects.get(dedup_key="msg:1")
    assert (row.sender, row.encrypted, row.status) == ("o_alice", True, "processing")
    assert row.received_at == at
    assert row.answered_at is None and row.handler_ms is None


def test_insert_of_a_taken_unique_key_raises_integrity_error():
    fastsql.insert(InboundMessage, **_push_values("msg:2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert(InboundMessage, **_push_values("msg:2", sender="o_bob"))
    assert InboundMessage.objects.get(dedup_key="msg:2").sender == "o_alice"


def test_update_changes_only_matching_rows_and_counts_them():
    now = timezone.now()
    WeChatUser.objects.create(openid="o_stale", last_seen=now - timedelta(hours=2))
    WeChatUser.objects.create(openid="o_fresh", last_seen=now)
    cutoff = now - timedelta(minutes=1)
    changed = fastsql.update(
        WeChatUser, {"openid": "o_stale", "last_seen__lt": cutoff}, last_seen=now
    )
    assert changed == 1
    assert WeChatUser.objects.get(openid="o_stale").last_seen == now
    fresh = {"openid": "o_fresh", "last_seen__lt": cutoff}
    assert fastsql.update(WeChatUser, fresh, last_seen=now + timedelta(hours=1)) == 0
    assert WeChatUser.objects.get(openid="o_fresh").last_seen == now


def test_update_with_an_unsupported_lookup_is_refused():
    with pytest.raises(ValueError, match="__gte"):
        fastsql.update(WeChatUser, {"last_seen__gte": timezone.now()}, openid="x")


def test_update_with_nothing_to_set_is_refused():
    with pytest.raises(ValueError, match="nothing to set"):
        fastsql.update(WeChatUser, {"openid": "o_alice"})


def test_insert_many_stores_every_row_and_returns_their_keys_in_order():
    now = timezone.now()
    rows = [
        {
            "call": "customSendText",
            "recipient": "o_alice",
            "args": [f"message {n}", {"nested": [n, None]}],
            "status": OutboundSend.Status.QUEUED,
            "attempts": 0,
            "error": "",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(3)
    ]
    keys = fastsql.insert_many(OutboundSend, rows)

    assert keys == sorted(keys) and len(set(keys)) == 3
    stored = [OutboundSend.objects.get(pk=key) for key in keys]
    assert [send.args for send in stored] == [row["args"] for row in rows]
    assert all(send.created_at == now and send.answer is None for send in stored)


def test_insert_many_of_nothing_writes_nothing_and_mixed_rows_are_refused():
    assert fastsql.insert_many(OutboundSend, []) == []
    with pytest.raises(ValueError, match="same fields"):
        fastsql.insert_many(OutboundSend, [{"call": "a"}, {"recipient": "b"}])
    assert not OutboundSend.objects.exists()
