"""Store each push once and answer retries from the stored reply.

The unique `dedup_key` decides which copy runs the handler: the insert that
wins runs it, every other copy (a retry, or a concurrent duplicate) waits for
the winner's reply. No check-then-insert race is possible.

A copy whose process died mid-handler would leave its row "processing" for
ever; a retry that finds such a row older than WeChat's answer window takes
it over (one conditional UPDATE decides who), so the push is not lost.
"""

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from wechatpy.messages import BaseMessage

from wechat import conf
from wechat.models import InboundMessage

EMPTY_REPLY = "success"
_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Push:
    """A verified, decrypted and parsed push."""

    xml: str
    data: dict
    kind: str
    message: BaseMessage
    encrypted: bool

    @property
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
    """Answer `push`, running `run_handler` only for the first copy to arrive."""
    record = _record(push) or _take_over_abandoned(push.dedup_key)
    if record is None:
        return _stored_reply(push.dedup_key)
    return _run(record, push, run_handler)


def _record(push: Push) -> InboundMessage | None:
    """Insert the push; None when a copy with the same dedup key is already stored."""
    data = push.data
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                dedup_key=push.dedup_key,
                kind=push.kind[:64],
                msg_type=str(data.get("MsgType"))[:32],
                event=str(data.get("Event") or "")[:64],
                sender=push.sender[:128],
                recipient=str(data.get("ToUserName") or "")[:128],
                xml=push.xml,
                encrypted=push.encrypted,
                received_at=timezone.now(),
            )
    except IntegrityError:
        return None


def _take_over_abandoned(dedup_key: str) -> InboundMessage | None:
    """Claim a copy still "processing" long after any live copy could answer."""
    now = timezone.now()
    claimed = InboundMessage.objects.filter(
        dedup_key=dedup_key,
        status=InboundMessage.Status.PROCESSING,
        received_at__lt=now - timedelta(seconds=conf.abandoned_after_seconds()),
    ).update(received_at=now)
    return InboundMessage.objects.get(dedup_key=dedup_key) if claimed else None


def _run(record: InboundMessage, push: Push, run_handler: Callable[[Push], str]) -> str:
    started = time.perf_counter()
    status, error = InboundMessage.Status.ANSWERED, ""
    try:
        # The handler's own writes (and the tasks it enqueues) commit together
        # with nothing else: if it raises, they roll back and the error is kept.
        with transaction.atomic():
            reply = run_handler(push)
    except Exception:
        reply, status, error = EMPTY_REPLY, InboundMessage.Status.FAILED, traceback.format_exc()
    InboundMessage.objects.filter(pk=record.pk).update(
        reply=reply,
        status=status,
        error=error,
        answered_at=timezone.now(),
        handler_ms=(time.perf_counter() - started) * 1000,
    )
    return reply


def _stored_reply(dedup_key: str) -> str:
    """The first copy's reply, waiting for it while that copy is still running."""
    deadline = time.monotonic() + conf.duplicate_wait_seconds()
    while True:
        row = (
            InboundMessage.objects.filter(dedup_key=dedup_key)
            .values_list("status", "reply")
            .first()
        )
        if row and row[0] != InboundMessage.Status.PROCESSING:
            return row[1]
        if time.monotonic() >= deadline:
            # The first copy will still answer WeChat; this one must not run twice.
            return EMPTY_REPLY
        time.sleep(_POLL_SECONDS)
