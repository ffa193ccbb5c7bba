"""Store each push once and answer retries from the stored reply.

The unique `dedup_key` decides which copy runs the handler: the insert that
wins runs it, every other copy (a retry, or a concurrent duplicate) waits for
the winner's reply. No check-then-insert race is possible.

The push, the handler's writes and the outcome commit in one transaction, so
a process that dies mid-handler leaves nothing behind and WeChat's retry runs
the push afresh: nothing is lost, nothing is half-done.
"""

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db import IntegrityError, transaction
from django.utils import timezone
from wechatpy.messages import BaseMessage

from wechat.models import InboundMessage
from wrist import fastsql
from wrist.savepoints import savepoint_on_first_query

EMPTY_REPLY = "success"


@dataclass(frozen=True)
class Push:
    """A verified, decrypted and parsed push."""

    xml: str
    data: dict
    kind: str
    message: BaseMessage
    encrypted: bool

    @cached_property  # read by the insert and the outcome update of every push
    def dedup_key(self) -> str:
        return dedup_key_for(self.data, self.kind)

    @property
    def sender(self) -> str:
        return str(self.data.get("FromUserName") or "")


def dedup_key_for(data: dict, kind: str) -> str:
    """MsgId (MsgID in device pushes), else sender + CreateTime + event (+ device)."""
    if data.get("MsgId"):
        return f"msg:{data['MsgId']}"[:255]
    if data.get("MsgID"):  # device pushes and job-finished events spell it so
        return f"msgid:{data['MsgID']}"[:255]
    parts = [data.get("FromUserName"), data.get("CreateTime"), kind, data.get("DeviceID")]
    return ("event:" + ":".join(str(part) for part in parts if part))[:255]


def process_once(push: Push, run_handler: Callable[[Push], str]) -> str:
    """Answer `push`, running `run_handler` only for the first copy to arrive.

    One transaction per push: the insert, the handler's writes (in a
    savepoint) and the outcome commit together. A copy that loses the insert
    (on PostgreSQL it waits on the unique index, on SQLite on the write lock
    until the winner commits) answers the winner's stored reply.
    """
    try:
        with transaction.atomic():
            _insert(push)
            return _run(push, run_handler)
    except IntegrityError:
        return _stored_reply(push.dedup_key)


def _insert(push: Push) -> None:
    """Store the push; IntegrityError when a copy with its dedup key is stored."""
    data = push.data
    fastsql.insert(
        InboundMessage,
        dedup_key=push.dedup_key,
        kind=push.kind[:64],
        msg_type=str(data.get("MsgType"))[:32],
        event=str(data.get("Event") or "")[:64],
        sender=push.sender[:128],
        recipient=str(data.get("ToUserName") or "")[:128],
        xml=push.xml,
        encrypted=push.encrypted,
        status=InboundMessage.Status.PROCESSING,
        reply="",
        error="",
        received_at=timezone.now(),
    )


def _run(push: Push, run_handler: Callable[[Push], str]) -> str:
    started = time.perf_counter()
    status, error = InboundMessage.Status.ANSWERED, ""
    try:
        # A savepoint (taken at the handler's first query, if any): if the
        # handler raises, its writes (and the tasks it enqueued) roll back
        # while the push and its error are kept.
        with savepoint_on_first_query():
            reply = run_handler(push)
    except Exception:
        reply, status, error = EMPTY_REPLY, InboundMessage.Status.FAILED, traceback.format_exc()
    fastsql.update(
        InboundMessage,
        {"dedup_key": push.dedup_key},
        reply=reply,
        status=status,
        error=error,
        answered_at=timezone.now(),
        handler_ms=(time.perf_counter() - started) * 1000,
    )
    return reply


def _stored_reply(dedup_key: str) -> str:
    """The reply the first copy stored (committed with its outcome, so final)."""
    reply = InboundMessage.objects.filter(dedup_key=dedup_key).values_list("reply", flat=True)
    return reply.first() or EMPTY_REPLY
