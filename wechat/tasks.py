"""Customer-service sends in the background, so a handler answers WeChat at once.

A handler calls `send_later("customSendText", openid, "hi")`: an `OutboundSend`
row is stored and its delivery enqueued (with the database backend, both
commit with the handler's transaction). `python manage.py db_worker` runs it.
Inside a push (`sends_batched`, which the callback wraps every handler in) the
sends are stored together when the handler returns: one INSERT for all rows
and one task delivering them in order, instead of two writes per send.

Each send reaches WeChat at most once:
- a task claims its row (queued/retrying → sending) with one conditional
  UPDATE, so a duplicate run of the task finds nothing to do;
- it is retried, with backoff, only when WeChat certainly did not take it:
  the request never left (-1001), HTTP 5xx (-1003), a rate limit (45009) or
  "system busy" (-1). A send that left but got no answer (-1002, a read
  timeout) may have been delivered: it is stored as `unconfirmed`, not resent;
- after `conf.send_max_attempts()` tries the row is `failed`, with its error,
  in admin.
"""

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from wechat import conf, http, tools
from wechat.exceptions import WeChatAPIError
from wechat.models import OutboundSend
from wrist import fastsql

logger = logging.getLogger(__name__)

SENDERS = frozenset(
    {
        "customSendText",
        "customSendImage",
        "customSendVoice",
        "customSendVideo",
        "customSendArticle",
        "customSendArticles",
    }
)
RATE_LIMITED = 45009
SYSTEM_BUSY = -1
RETRYABLE = frozenset({http.CONNECT_FAILED, http.SERVER_ERROR, RATE_LIMITED, SYSTEM_BUSY})
Status = OutboundSend.Status

# The sends collected by the innermost `sends_batched`, or None outside one.
_batch: ContextVar[list[OutboundSend] | None] = ContextVar("wechat_send_batch", default=None)


def send_later(call: str, user: str, *args) -> OutboundSend:
    """Store a send of `tools.<call>(user, *args)` and enqueue its delivery.

    Inside `sends_batched` the row is stored when the batch closes (its pk is
    set then); elsewhere at once.
    """
    if call not in SENDERS:
        raise ValueError(f"{call!r} is not one of {sorted(SENDERS)}")
    send = OutboundSend(call=call, recipient=user, args=list(args))
    batch = _batch.get()
    if batch is None:
        _store([send])
    else:
        batch.append(send)
    return send


@contextmanager
def sends_batched() -> Iterator[None]:
    """Collect the `send_later` calls made inside, and store them when it exits.

    If the block raises, nothing is stored: the sends go with the handler's
    other writes.
    """
    batch: list[OutboundSend] = []
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    if batch:
        _store(batch)


def _store(sends: list[OutboundSend]) -> None:
    """One INSERT for the rows, one task for their delivery (in the order given)."""
    now = timezone.now()
    rows = [
        {
            "call": send.call,
            "recipient": send.recipient,
            "args": send.args,
            "status": Status.QUEUED,
            "attempts": 0,
            "error": "",
            "created_at": now,
            "updated_at": now,
        }
        for send in sends
    ]
    for send, pk in zip(sends, fastsql.insert_many(OutboundSend, rows), strict=True):
        send.pk, send.created_at, send.updated_at = pk, now, now
        send._state.adding = False  # saved: a later send.save() updates, as after create()
    if len(sends) == 1:
        deliver.enqueue(sends[0].pk)
    else:
        deliver_in_order.enqueue([send.pk for send in sends])


def send_again(queryset) -> int:
    """Queue failed sends once more (never `unconfirmed` ones: those may have arrived)."""
    failed = list(queryset.filter(status=Status.FAILED).values_list("pk", flat=True))
    requeued = 0
    for pk in failed:
        if OutboundSend.objects.filter(pk=pk, status=Status.FAILED).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=None, updated_at=timezone.now()
        ):
            deliver.enqueue(pk)
            requeued += 1
    return requeued


@task()
def deliver(send_id: int) -> str:
    """Make one attempt at the send; returns the status it leaves the row in."""
    if not _claim(send_id):
        return "skipped"  # sent, being sent, or given up: never twice
    send = OutboundSend.objects.get(pk=send_id)
    try:
        answer = getattr(tools, send.call)(send.recipient, *send.args)
    except WeChatAPIError as err:
        return _failed(send, err.errcode, str(err))
    except Exception:  # a bad argument or a missing file: nothing a retry would fix
        logger.exception("send %s failed", send_id)
        return _settle(send, Status.FAILED, errcode=None, error=traceback.format_exc())
    return _settle(send, Status.SENT, answer=answer, sent_at=timezone.now(), error="")


@task()
def deliver_in_order(send_ids: list[int]) -> list[str]:
    """`deliver` each send in turn: a handler's sends reach the user in its order."""
    return [deliver.call(send_id) for send_id in send_ids]


def _claim(send_id: int) -> bool:
    claimed = OutboundSend.objects.filter(
        pk=send_id, status__in=[Status.QUEUED, Status.RETRYING]
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now())
    return claimed == 1


def _failed(send: OutboundSend, errcode: int, error: str) -> str:
    if errcode == http.NO_ANSWER:
        error += " — WeChat may have delivered it, so it is not resent"
        return _settle(send, Status.UNCONFIRMED, errcode=errcode, error=error)
    if errcode not in RETRYABLE or send.attempts >= conf.send_max_attempts():
        return _settle(send, Status.FAILED, errcode=errcode, error=error)
    delay = retry_delay(send.attempts)
    _settle(
        send,
        Status.RETRYING,
        errcode=errcode,
        error=error,
        next_attempt_at=timezone.now() + delay,
    )
    _enqueue_retry(send.pk, delay)
    return Status.RETRYING


def retry_delay(attempts: int) -> timedelta:
    """Backoff after `attempts` tries: base, 4×base, 16×base…"""
    return timedelta(seconds=conf.send_retry_base_seconds() * 4 ** (attempts - 1))


def _enqueue_retry(send_id: int, delay: timedelta) -> None:
    if deliver.get_backend().supports_defer:
        deliver.using(run_after=timezone.now() + delay).enqueue(send_id)
    else:  # the immediate backend (tests) cannot wait: it retries at once
        deliver.enqueue(send_id)


def _settle(send: OutboundSend, status: str, **fields) -> str:
    OutboundSend.objects.filter(pk=send.pk).update(
        status=status, updated_at=timezone.now(), **fields
    )
    if status == Status.FAILED:
        logger.warning("send %s (%s) failed: %s", send.pk, send.call, fields.get("error"))
    return status
