"""Secrets never reach a log line, at DEBUG, for every logger (urllib3 and requests too).

Representative flows run against a real local HTTP server standing in for
WeChat, so urllib3 really logs its requests: pushes in every mode (the text
handler's background sends included), rejected pushes, a handler that raises,
tool calls with a token refresh (40001), WeChat errors and network failures.
"""

import json
import logging
import sys

import pytest
from django.core.cache import cache
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.pushes import MODES, post, send, signed
from tests.secret_watch import STAND_IN_TOKENS, SecretWatch
from wechat import server, tools
from wechat.exceptions import WeChatAPIError
from wechat.simulate import build_push, sign_push

pytestmark = pytest.mark.django_db

TOKENS = STAND_IN_TOKENS  # the session's secret watch looks for these too


@pytest.fixture
def stand_in(settings):
    """WeChat on a local port: a token per fetch, 40001 once for the first token."""
    wechat = HTTPServer()
    wechat.start()
    fetched = []

    def token(request: Request) -> Response:
        fetched.append(TOKENS[min(len(fetched), 1)])
        return Response(json.dumps({"access_token": fetched[-1], "expires_in": 7200}))

    def stat(request: Request) -> Response:
        if request.args.get("access_token") == TOKENS[0]:
            return Response(json.dumps({"errcode": 40001, "errmsg": "invalid credential"}))
        return Response(json.dumps({"errcode": 0, "errmsg": "ok", "status": 1}))

    wechat.expect_request("/cgi-bin/stable_token").respond_with_handler(token)
    wechat.expect_request("/device/get_stat").respond_with_handler(stat)
    wechat.expect_request("/cgi-bin/message/custom/send").respond_with_json(
        {"errcode": 0, "errmsg": "ok"}
    )
    wechat.expect_request("/cgi-bin/media/upload").respond_with_json(
        {"type": "image", "media_id": "MEDIA_1", "created_at": 1700000000}
    )
    wechat.expect_request("/cgi-bin/menu/get").respond_with_json(
        {"errcode": 48001, "errmsg": "api unauthorized"}
    )
    wechat.expect_request("/cgi-bin/menu/delete").respond_with_data("oops", status=500)
    settings.WECHAT_API_BASE_URL = wechat.url_for("/")
    settings.WECHAT_API_READ_TIMEOUT = 5
    cache.clear()
    yield wechat
    cache.clear()
    wechat.clear()
    wechat.stop()


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "requests", "django", "django.request", "wechat", "django_tasks"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def secrets_of(settings) -> dict[str, str]:
    return {
        "app secret": settings.WECHAT_APP_SECRET,
        "AES key": settings.WECHAT_ENCODING_AES_KEY,
        **{f"access token {n}": token for n, token in enumerate(TOKENS)},
    }


def assert_no_secret_in(caplog, settings) -> None:
    # werkzeug's lines are the stand-in's (it is WeChat, receiving the token), not wrist's.
    records = [r for r in caplog.records if not r.name.startswith("werkzeug")]
    handler = logging.Formatter("%(name)s %(levelname)s %(message)s")
    text = "\n".join(handler.format(record) for record in records)
    assert len(records) > 20, "the flows should have logged plenty"
    assert "access_token=***" in text, "urllib3's request lines should be there, masked"
    for what, secret in secrets_of(settings).items():
        assert secret not in text, f"the {what} appears in the logs"


def test_no_secret_in_debug_logs_of_pushes_and_tool_calls(
    client, stand_in, everything_logged, settings, monkeypatch
):
    for mode in MODES:
        response, reply = send(client, "text", mode=mode, content="hi")  # 4 background sends
        assert response.status_code == 200 and "news" in reply
        assert send(client, "event", "subscribe", mode=mode)[0].status_code == 200

    forged = signed(build_push("text"), "safe")
    forged.query["msg_signature"] = "0" * 40
    assert post(client, forged).status_code == 403
    other_key = sign_push(
        build_push("text"),
        settings.WECHAT_TOKEN,
        mode="safe",
        encoding_aes_key="A" * 43,
        app_id=settings.WECHAT_APP_ID,
    )
    assert post(client, other_key).status_code == 400

    def broken(message):
        raise RuntimeError("handler bug")

    monkeypatch.setitem(server.HANDLERS, "event.click", broken)
    assert send(client, "event", "CLICK", mode="safe")[0].status_code == 200

    assert tools.getStat("device_1")["status"] == 1  # 40001 on the first token, then refreshed
    assert tools.uploadMedia("image", server.DEMO_IMAGE)["media_id"] == "MEDIA_1"
    with pytest.raises(WeChatAPIError):
        tools.menuQuery()  # a WeChat error
    with pytest.raises(WeChatAPIError):
        tools.menuDelete()  # HTTP 500
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/"  # connection refused
    with pytest.raises(WeChatAPIError):
        tools.customSendText("o_user", "hello")

    assert len([r for r in stand_in.log if r[0].path == "/cgi-bin/message/custom/send"]) >= 3
    assert_no_secret_in(everything_logged, settings)


# --- The session-wide watch (tests/secret_watch.py) ----------------------------------------


def test_the_session_watch_sees_every_loggers_debug_records(secret_watch):
    before = secret_watch.records
    logging.getLogger("wechat.client").debug("a debug record with nothing secret")
    logging.getLogger("some.library").debug("and one from anywhere else")
    assert secret_watch.records == before + 2
    assert not secret_watch.leaks


def _record(name: str, level: int, message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args, exc_info)


def test_a_secret_in_a_message_or_a_traceback_is_reported():
    watch = SecretWatch({"the app secret": "s3cr3t-value"})  # not the session's: on purpose
    try:
        raise ValueError("the secret was s3cr3t-value")
    except ValueError:
        failure = sys.exc_info()
    watch.handle(_record("wechat.client", logging.DEBUG, "secret=%s", "s3cr3t-value"))
    watch.handle(_record("wechat.tasks", logging.ERROR, "send failed", exc_info=failure))
    watch.handle(_record("wechat.tasks", logging.INFO, "nothing here"))
    watch.handle(_record("werkzeug", logging.INFO, "GET /?secret=s3cr3t-value"))  # the stand-in

    assert watch.records == 3
    assert watch.leaks == [
        "the app secret in a DEBUG record of wechat.client",
        "the app secret in a ERROR record of wechat.tasks",
    ]
