"""Background sends against a misbehaving WeChat, through the database queue and its worker.

A real local HTTP server stands in for WeChat and fails on a script: refused
connections, a read timeout, HTTP 500, rate limiting (45009), an invalidated
token (40001). Each message is delivered exactly once, or stored as failed
(or unconfirmed) with the reason; nothing is lost, nothing is sent twice.
"""

import json
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.pushes import post, signed
from wechat import http, tasks
from wechat.models import OutboundSend
from wechat.simulate import build_push

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]

Status = OutboundSend.Status
SEND = "/cgi-bin/message/custom/send"
READ_TIMEOUT = 0.5


class FlakyWeChat:
    """Answers each send with the next scripted outcome (then "ok"); a token per fetch."""

    def __init__(self, server: HTTPServer, script: list) -> None:
        self.script = list(script)
        self.tokens: list[str] = []
        self.delivered: list[dict] = []  # sends WeChat accepted
        self.attempts: list[dict] = []  # every send that reached it
        server.expect_request("/cgi-bin/stable_token").respond_with_handler(self.token)
        server.expect_request(SEND).respond_with_handler(self.send)
        server.expect_request("/cgi-bin/media/upload").respond_with_json(
            {"type": "image", "media_id": "FLAKY_MEDIA", "created_at": 1700000000}
        )

    def token(self, request: Request) -> Response:
        self.tokens.append(f"FLAKY_TOKEN_{len(self.tokens) + 1}")
        return Response(json.dumps({"access_token": self.tokens[-1], "expires_in": 7200}))

    def send(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.attempts.append(body)
        outcome = self.script.pop(0) if self.script else "ok"
        if outcome == 500:
            return Response("upstream error", status=500)
        if outcome == "slow":
            self.delivered.append(body)  # WeChat takes it, but answers after the caller gave up
            time.sleep(READ_TIMEOUT * 3)
            return Response(json.dumps({"errcode": 0, "errmsg": "ok"}))
        if outcome == 45009:
            return Response(json.dumps({"errcode": 45009, "errmsg": "api freq out of limit"}))
        elif outcome == 40001 and request.args.get("access_token") == self.tokens[0]:
            return Response(json.dumps({"errcode": 40001, "errmsg": "invalid credential"}))
        self.delivered.append(body)
        return Response(json.dumps({"errcode": 0, "errmsg": "ok"}))


@pytest.fixture
def wechat_server(settings):
    server = HTTPServer(threaded=True)
    server.start()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WECHAT_API_BASE_URL = server.url_for("/")
    settings.WECHAT_API_READ_TIMEOUT = READ_TIMEOUT
    settings.WECHAT_SEND_RETRY_BASE_SECONDS = 0.05  # backoff 0.05 s, 0.2 s, 0.8 s
    settings.WECHAT_SEND_MAX_ATTEMPTS = 4
    cache.clear()
    yield server
    cache.clear()
    server.clear()
    server.stop()


def drain(sends: list[OutboundSend], before_each_run=None, rounds: int = 20) -> None:
    """Run the worker, waiting out each backoff, until every send is settled."""
    for _ in range(rounds):
        if before_each_run:
            before_each_run()
        call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
        pending = OutboundSend.objects.filter(
            pk__in=[s.pk for s in sends], status__in=[Status.QUEUED, Status.RETRYING]
        )
        if not pending.exists():
            return
        wake = max(s.next_attempt_at or timezone.now() for s in pending)
        time.sleep(max(0.0, (wake - timezone.now()).total_seconds()) + 0.01)
    raise AssertionError("sends still pending after the worker's rounds")


# script, final status, requests reaching WeChat, task attempts, error code kept
SCENARIOS = {
    "500 twice then success": ([500, 500], Status.SENT, 3, 3, None),
    "45009 rate limit then success": ([45009], Status.SENT, 2, 2, None),
    # the client refreshes the token and resends within the same attempt
    "40001 once: token refreshed, resent": ([40001], Status.SENT, 2, 1, None),
    "read timeout: unconfirmed, never resent": (["slow"], Status.UNCONFIRMED, 1, 1, http.NO_ANSWER),
    "500 on every try: failed with the reason": ([500] * 4, Status.FAILED, 4, 4, http.SERVER_ERROR),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_send_is_delivered_once_or_kept_with_its_reason(wechat_server, name):
    script, final, requests, attempts, errcode = SCENARIOS[name]
    wechat = FlakyWeChat(wechat_server, script)
    send = tasks.send_later("customSendText", "oUSER_1", f"hello: {name}")
    drain([send])
    send.refresh_from_db()

    assert send.status == final, send.error
    assert len(wechat.attempts) == requests
    assert send.attempts == attempts
    assert len(wechat.delivered) == (1 if final in (Status.SENT, Status.UNCONFIRMED) else 0)
    if errcode is not None:
        assert send.errcode == errcode and send.error
    if "40001" in name:
        assert wechat.tokens == ["FLAKY_TOKEN_1", "FLAKY_TOKEN_2"]


def test_refused_connections_are_retried_until_wechat_is_back(wechat_server, settings):
    wechat = FlakyWeChat(wechat_server, [])
    up = settings.WECHAT_API_BASE_URL
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/"  # nothing listens: refused
    send = tasks.send_later("customSendText", "oUSER_1", "while WeChat is unreachable")
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
    send.refresh_from_db()
    assert (send.status, send.errcode) == (Status.RETRYING, http.CONNECT_FAILED)

    settings.WECHAT_API_BASE_URL = up
    drain([send])
    send.refresh_from_db()
    assert (send.status, send.attempts) == (Status.SENT, 2)
    assert len(wechat.delivered) == len(wechat.attempts) == 1


def test_a_text_push_during_an_outage_delivers_each_message_once(wechat_server, client):
    wechat = FlakyWeChat(wechat_server, [500, 45009, 500])
    response = post(client, signed(build_push("text", openid="oUSER_2"), "safe"))
    assert response.status_code == 200
    sends = list(OutboundSend.objects.filter(recipient="oUSER_2"))
    assert len(sends) == 4 and wechat.attempts == []  # answered before any send left

    drain(sends)
    assert {s.status for s in OutboundSend.objects.filter(recipient="oUSER_2")} == {Status.SENT}
    delivered = [json.dumps(body, sort_keys=True) for body in wechat.delivered]
    assert len(delivered) == 4 and len(set(delivered)) == 4  # each message exactly once
    assert len(wechat.attempts) == 4 + 3
