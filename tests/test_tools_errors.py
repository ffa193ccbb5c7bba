"""Every way an outbound call fails raises `WeChatAPIError` with the right code, token masked."""

import json
import logging
import traceback

import pytest
import requests
from django.conf import settings
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from tests.conftest import FAKE_ACCESS_TOKEN
from wechat import http, tools
from wechat.tools import WeChatAPIError

USER = "oUSER_OPENID_0123456789abcdef"


def url(path: str) -> str:
    return f"{settings.WECHAT_API_BASE_URL}{path}"


def test_tools_exports_the_same_error_class_as_wechat_exceptions():
    from wechat.exceptions import WeChatAPIError as Root

    assert WeChatAPIError is Root


@pytest.mark.parametrize(
    ("call", "method", "path", "answer", "code", "message"),
    [
        (
            lambda: tools.customSendText(USER, "hi"),
            "post",
            "cgi-bin/message/custom/send",
            {"errcode": 45015, "errmsg": "response out of time limit"},
            45015,
            "response out of time limit",
        ),
        (
            lambda: tools.compelBind("dev1", USER),
            "post",
            "device/compel_bind",
            {"base_resp": {"errcode": 100002, "errmsg": "device not exist"}},
            100002,
            "device not exist",
        ),
        (
            lambda: tools.getOpenId("gh_type", "dev1"),
            "get",
            "device/get_openid",
            {"open_id": [], "resp_msg": {"ret_code": -1, "error_info": "system error"}},
            -1,
            "system error",
        ),
        (
            lambda: tools.transMsg("gh_type", "dev1", USER, "x"),
            "post",
            "device/transmsg",
            {"ret": 1, "ret_info": "device is offline"},
            1,
            "device is offline",
        ),
        (
            lambda: tools.menuQuery(),
            "get",
            "cgi-bin/menu/get",
            {"errcode": "46003", "errmsg": "menu no exist"},
            46003,
            "menu no exist",
        ),
    ],
    ids=["errcode", "base_resp", "resp_msg", "ret", "errcode-as-text"],
)
def test_each_error_shape_raises_with_wechats_code_message_and_api(
    wechat_api, call, method, path, answer, code, message
):
    getattr(wechat_api, method)(url(path), json=answer)
    with pytest.raises(WeChatAPIError) as caught:
        call()
    assert (caught.value.errcode, caught.value.errmsg, caught.value.api) == (code, message, path)
    assert caught.value.response is not None


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, http.SERVER_ERROR),
        (502, http.SERVER_ERROR),
        (404, http.HTTP_ERROR),
        (403, http.HTTP_ERROR),
    ],
)
def test_http_error_statuses_raise_negative_codes(wechat_api, status, code):
    wechat_api.get(url("cgi-bin/menu/delete"), body="<html>bad gateway</html>", status=status)
    with pytest.raises(WeChatAPIError) as caught:
        tools.menuDelete()
    assert caught.value.errcode == code
    assert caught.value.errmsg == f"HTTP {status}"
    assert caught.value.response.status_code == status


def test_an_answer_that_is_not_json_is_bad_answer(wechat_api):
    wechat_api.get(url("cgi-bin/menu/delete"), body="<html>captive portal</html>")
    with pytest.raises(WeChatAPIError) as caught:
        tools.menuDelete()
    assert caught.value.errcode == http.BAD_ANSWER


def refused_connection() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")
    return requests.ConnectionError(MaxRetryError(None, "/cgi-bin/menu/delete", reason))


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (requests.ConnectTimeout("connect timed out"), http.CONNECT_FAILED),
        (refused_connection(), http.CONNECT_FAILED),
        (requests.ReadTimeout("read timed out"), http.NO_ANSWER),
        (
            requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
            http.NO_ANSWER,
        ),
    ],
    ids=["connect-timeout", "refused", "read-timeout", "reset-after-sending"],
)
def test_network_failures_raise_negative_codes_not_library_errors(wechat_api, failure, code):
    wechat_api.get(url("cgi-bin/menu/delete"), body=failure)
    with pytest.raises(WeChatAPIError) as caught:
        tools.menuDelete()
    assert caught.value.errcode == code
    assert caught.value.api == "cgi-bin/menu/delete"


def test_a_network_failure_quoting_the_url_does_not_leak_the_token(wechat_api):
    leaky = requests.ConnectionError(
        f"Max retries exceeded with url: /cgi-bin/menu/delete?access_token={FAKE_ACCESS_TOKEN}"
    )
    wechat_api.get(url("cgi-bin/menu/delete"), body=leaky)
    with pytest.raises(WeChatAPIError) as caught:
        tools.menuDelete()
    printed = "".join(traceback.format_exception(caught.value))
    assert "access_token=***" in str(caught.value)
    assert FAKE_ACCESS_TOKEN not in printed


def test_a_failed_token_fetch_names_the_token_api_and_hides_the_secret(wechat_api):
    wechat_api.replace(
        "POST",
        url("cgi-bin/stable_token"),
        json={"errcode": 40125, "errmsg": "invalid appsecret"},
    )
    with pytest.raises(WeChatAPIError) as caught:
        tools.menuDelete()
    assert (caught.value.errcode, caught.value.api) == (40125, "cgi-bin/stable_token")
    assert settings.WECHAT_APP_SECRET not in str(caught.value)


def test_requests_carry_connect_and_read_timeouts(wechat_api, settings):
    settings.WECHAT_API_CONNECT_TIMEOUT = 1.5
    settings.WECHAT_API_READ_TIMEOUT = 7
    wechat_api.get(url("cgi-bin/menu/delete"), json={"errcode": 0})
    tools.menuDelete()
    assert [c.request.req_kwargs["timeout"] for c in wechat_api.calls] == [(1.5, 7.0), (1.5, 7.0)]


def test_nothing_logged_contains_the_token(wechat_api, caplog):
    wechat_api.get(url("cgi-bin/menu/delete"), json={"errcode": 0})
    wechat_api.get(url("cgi-bin/menu/get"), body=requests.ReadTimeout("read timed out"))
    with caplog.at_level(logging.DEBUG):
        tools.menuDelete()
        with pytest.raises(WeChatAPIError):
            tools.menuQuery()
    assert any("cgi-bin/menu/delete" in record.getMessage() for record in caplog.records)
    assert all(FAKE_ACCESS_TOKEN not in record.getMessage() for record in caplog.records)


# --- Invalid and expired tokens: refresh once, retry once ---------------------------------


def token_fetches(mock) -> list[dict]:
    return [json.loads(c.request.body) for c in mock.calls if "stable_token" in c.request.url]


@pytest.mark.parametrize("code", [40001, 40014, 42001])
def test_a_refused_token_is_force_refreshed_and_the_call_retried_once(wechat_api, code):
    wechat_api.replace(
        "POST",
        url("cgi-bin/stable_token"),
        json={"access_token": "OLD_TOKEN", "expires_in": 7200},
    )
    wechat_api.add(
        "POST", url("cgi-bin/stable_token"), json={"access_token": "NEW_TOKEN", "expires_in": 7200}
    )
    wechat_api.get(url("cgi-bin/menu/delete"), json={"errcode": code, "errmsg": "token"})
    wechat_api.get(url("cgi-bin/menu/delete"), json={"errcode": 0, "errmsg": "ok"})

    assert tools.menuDelete() == {"errcode": 0, "errmsg": "ok"}
    assert [fetch["force_refresh"] for fetch in token_fetches(wechat_api)] == [False, True]
    used = [c.request.params["access_token"] for c in wechat_api.calls if "menu" in c.request.url]
    assert used == ["OLD_TOKEN", "NEW_TOKEN"]
    assert tools.getToken() == "NEW_TOKEN"  # kept for everyone after the refresh


def test_a_device_api_refusing_the_token_in_base_resp_also_refreshes(wechat_api):
    refused = {"base_resp": {"errcode": 40001, "errmsg": "invalid credential"}}
    wechat_api.post(url("device/compel_bind"), json=refused)
    wechat_api.post(url("device/compel_bind"), json={"base_resp": {"errcode": 0, "errmsg": "ok"}})
    assert tools.compelBind("dev1", USER)["base_resp"]["errcode"] == 0
    assert [fetch["force_refresh"] for fetch in token_fetches(wechat_api)] == [False, True]


def test_a_token_refused_twice_raises_after_one_retry(wechat_api):
    wechat_api.get(
        url("cgi-bin/menu/delete"), json={"errcode": 40001, "errmsg": "invalid credential"}
    )
    with pytest.raises(WeChatAPIError) as caught:
        tools.menuDelete()
    assert caught.value.errcode == 40001
    assert len([c for c in wechat_api.calls if "menu/delete" in c.request.url]) == 2
    assert len(token_fetches(wechat_api)) == 2


def test_other_errors_are_not_retried(wechat_api):
    wechat_api.get(
        url("cgi-bin/menu/delete"), json={"errcode": 45009, "errmsg": "api freq out of limit"}
    )
    with pytest.raises(WeChatAPIError):
        tools.menuDelete()
    assert len([c for c in wechat_api.calls if "menu/delete" in c.request.url]) == 1
    assert len(token_fetches(wechat_api)) == 1


def test_masking_hides_tokens_and_long_secrets_but_keeps_short_words_readable():
    text = "GET /cgi-bin/x?access_token=abc123&b=1 failed with secret-value-123"
    masked = http.mask(text, "secret-value-123", "s")
    assert masked == "GET /cgi-bin/x?access_token=***&b=1 failed with ***"
