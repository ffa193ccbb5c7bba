"""The device-token relay: the client side (WECHAT_DEVICE_TOKEN_URL) and `GET /wechat/token`."""

import hashlib
import json

import pytest
import requests
from django.conf import settings
from django.test import Client
from responses import matchers

from tests.conftest import FAKE_ACCESS_TOKEN
from wechat import http, tools
from wechat.client import own_token_store
from wechat.tools import WeChatAPIError

RELAY_URL = "https://relay.example.com/wechat/token"
RELAY_KEY = "relay-key-for-tests"
USER = "oUSER_OPENID_0123456789abcdef"


def url(path: str) -> str:
    return f"{settings.WECHAT_API_BASE_URL}{path}"


def calls_to(mock, part: str) -> list:
    return [c for c in mock.calls if part in c.request.url]


@pytest.fixture
def relay_client(settings, wechat_api):
    settings.WECHAT_DEVICE_TOKEN_URL = RELAY_URL
    settings.WECHAT_TOKEN_RELAY_KEY = RELAY_KEY
    return wechat_api


# --- Client side ------------------------------------------------------------------------


def test_get_token_asks_the_relay_with_the_bearer_key(relay_client):
    relay_client.get(
        RELAY_URL,
        json={"access_token": "RELAYED", "expires_in": 7200},
        match=[matchers.header_matcher({"Authorization": f"Bearer {RELAY_KEY}"})],
    )
    assert tools.getToken() == "RELAYED"
    assert calls_to(relay_client, "stable_token") == []


def test_a_plain_text_answer_is_the_token(relay_client):
    relay_client.get(RELAY_URL, body="PLAIN_RELAYED\n")
    assert tools.getToken() == "PLAIN_RELAYED"


def test_device_apis_use_the_relayed_token_fetched_once(relay_client):
    relay_client.get(RELAY_URL, json={"access_token": "RELAYED", "expires_in": 7200})
    relay_client.get(url("device/get_stat"), json={"errcode": 0, "status": 1})
    tools.getStat("dev1")
    tools.getStat("dev2")
    assert len(calls_to(relay_client, "relay.example.com")) == 1
    tokens = [c.request.params["access_token"] for c in calls_to(relay_client, "get_stat")]
    assert tokens == ["RELAYED", "RELAYED"]


def test_account_apis_keep_the_accounts_own_token(relay_client):
    relay_client.get(RELAY_URL, json={"access_token": "RELAYED", "expires_in": 7200})
    relay_client.get(url("cgi-bin/menu/delete"), json={"errcode": 0})
    tools.menuDelete()
    [call] = calls_to(relay_client, "menu/delete")
    assert call.request.params["access_token"] == FAKE_ACCESS_TOKEN
    assert calls_to(relay_client, "relay.example.com") == []


def test_a_relayed_token_wechat_refuses_is_asked_for_again_as_stale(relay_client):
    relay_client.get(RELAY_URL, json={"access_token": "OLD", "expires_in": 7200})
    relay_client.get(RELAY_URL, json={"access_token": "NEW", "expires_in": 7200})
    refused = {"errcode": 42001, "errmsg": "access_token expired"}
    relay_client.get(url("device/get_stat"), json=refused)
    relay_client.get(url("device/get_stat"), json={"errcode": 0, "status": 1})

    assert tools.getStat("dev1")["status"] == 1
    relay_calls = calls_to(relay_client, "relay.example.com")
    assert [c.request.params for c in relay_calls] == [
        {},
        {"stale": hashlib.sha256(b"OLD").hexdigest()},
    ]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"status": 403, "json": {"errcode": 403}}, http.HTTP_ERROR),
        ({"status": 502, "body": "bad gateway"}, http.SERVER_ERROR),
        ({"json": {"errcode": 40013, "errmsg": "invalid appid"}}, 40013),
        ({"json": {"expires_in": 7200}}, http.BAD_ANSWER),
        ({"body": "<html>a login page</html>"}, http.BAD_ANSWER),
        ({"body": requests.ConnectTimeout("connect timed out")}, http.CONNECT_FAILED),
    ],
    ids=["403", "502", "wechat-error", "no-token", "html", "unreachable"],
)
def test_relay_failures_raise_wechat_api_errors(relay_client, answer, code):
    relay_client.get(RELAY_URL, **answer)
    with pytest.raises(WeChatAPIError) as caught:
        tools.getToken()
    assert (caught.value.errcode, caught.value.api) == (code, "token relay")
    assert RELAY_KEY not in str(caught.value)


# --- Serving side: GET /wechat/token ----------------------------------------------------


def ask(client: Client, key: str | None = RELAY_KEY, **query):
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return client.get("/wechat/token", query, headers=headers)


def test_the_endpoint_is_404_when_no_relay_key_is_set(client, wechat_api, settings):
    settings.WECHAT_TOKEN_RELAY_KEY = ""
    assert ask(client).status_code == 404
    assert len(wechat_api.calls) == 0


@pytest.mark.parametrize("key", ["wrong-key", "", None, RELAY_KEY + "x"])
def test_a_wrong_or_missing_key_is_403(client, relay_client, key):
    response = ask(client, key)
    assert response.status_code == 403
    assert FAKE_ACCESS_TOKEN not in response.content.decode()


def test_a_basic_auth_header_with_the_key_is_403(client, relay_client):
    response = client.get("/wechat/token", headers={"Authorization": f"Basic {RELAY_KEY}"})
    assert response.status_code == 403


def test_the_right_key_gets_the_accounts_token_and_its_remaining_life(client, relay_client):
    response = ask(client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert answer["access_token"] == FAKE_ACCESS_TOKEN
    assert 7200 - 300 - 5 <= answer["expires_in"] <= 7200 - 300


def test_the_endpoint_also_answers_without_the_trailing_slash_and_only_to_get(client, relay_client):
    assert (
        client.get("/wechat/token/", headers={"Authorization": f"Bearer {RELAY_KEY}"}).status_code
        == 200
    )
    assert (
        client.post("/wechat/token", headers={"Authorization": f"Bearer {RELAY_KEY}"}).status_code
        == 405
    )


def test_a_stale_report_of_the_current_token_force_refreshes_it(client, relay_client):
    relay_client.add(
        "POST", url("cgi-bin/stable_token"), json={"access_token": "REFRESHED", "expires_in": 7200}
    )
    assert ask(client).json()["access_token"] == FAKE_ACCESS_TOKEN
    stale = hashlib.sha256(FAKE_ACCESS_TOKEN.encode()).hexdigest()
    assert ask(client, stale=stale).json()["access_token"] == "REFRESHED"
    bodies = [json.loads(c.request.body) for c in calls_to(relay_client, "stable_token")]
    assert [body["force_refresh"] for body in bodies] == [False, True]


def test_a_stale_report_of_an_older_token_does_not_refresh(client, relay_client):
    ask(client)
    stale = hashlib.sha256(b"SOME_OLDER_TOKEN").hexdigest()
    assert ask(client, stale=stale).json()["access_token"] == FAKE_ACCESS_TOKEN
    assert len(calls_to(relay_client, "stable_token")) == 1


def test_wechat_refusing_the_token_fetch_is_a_502_without_secrets(client, relay_client):
    relay_client.replace(
        "POST", url("cgi-bin/stable_token"), json={"errcode": 40125, "errmsg": "invalid appsecret"}
    )
    response = ask(client)
    assert response.status_code == 502
    assert response.json() == {"errcode": 40125, "errmsg": "invalid appsecret"}
    assert settings.WECHAT_APP_SECRET not in response.content.decode()


# --- Both sides: a wrist relay client asking a wrist relay server ---------------------------


def test_a_device_call_through_a_wrist_relay_uses_the_relays_account_token(relay_client):
    relay_server = Client(HTTP_HOST="localhost")

    def through_the_relay(request):
        response = relay_server.get(
            "/wechat/token", headers={"Authorization": request.headers["Authorization"]}
        )
        return response.status_code, {"Content-Type": response["Content-Type"]}, response.content

    relay_client.add_callback("GET", RELAY_URL, callback=through_the_relay)
    relay_client.get(url("device/get_stat"), json={"errcode": 0, "status": 1})
    own_token_store().put("RELAY_ACCOUNTS_TOKEN", 7200)

    assert tools.getStat("dev1")["status"] == 1
    [call] = calls_to(relay_client, "get_stat")
    assert call.request.params["access_token"] == "RELAY_ACCOUNTS_TOKEN"
