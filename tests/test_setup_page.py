"""The setup page at `/`: staff only, shows what to type, checks the credentials."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.conftest import FAKE_ACCESS_TOKEN
from wechat.models import InboundMessage


@pytest.fixture
def staff(db, settings) -> Client:
    settings.ALLOWED_HOSTS = ["wrist.example.com"]
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client = Client(HTTP_HOST="wrist.example.com")
    client.force_login(user)
    return client


def test_anonymous_visitor_is_sent_to_the_admin_login(db):
    response = Client(HTTP_HOST="localhost").get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/")


def test_logged_in_non_staff_is_sent_to_the_admin_login(db):
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.create_user("visitor", password="pw"))

    assert client.get("/").status_code == 302


def test_page_shows_callback_url_from_the_request_host_and_the_token(staff, settings):
    body = staff.get("/").content.decode()

    assert "http://wrist.example.com/wechat/" in body
    assert f'<code class="copy" id="token">{settings.WECHAT_TOKEN}</code>' in body


def test_callback_url_is_https_behind_https(staff, settings):
    body = staff.get("/", secure=True).content.decode()

    assert "https://wrist.example.com/wechat/" in body


def test_page_says_which_credentials_are_set_without_showing_secrets(staff, settings):
    body = staff.get("/").content.decode()

    assert settings.WECHAT_APP_ID in body
    assert settings.WECHAT_APP_SECRET not in body
    assert settings.WECHAT_ENCODING_AES_KEY not in body
    assert "safe mode all work" in body


def test_page_flags_a_missing_token_and_secret(staff, settings):
    settings.WECHAT_TOKEN = ""
    settings.WECHAT_APP_SECRET = ""

    body = staff.get("/").content.decode()

    assert "not set: set WECHAT_TOKEN" in body
    assert "not set (WECHAT_APP_SECRET)" in body


def test_page_shows_the_last_push(staff, settings):
    InboundMessage.objects.create(
        dedup_key="k1",
        kind="event.subscribe",
        msg_type="event",
        sender="o_alice",
        xml="<xml/>",
        received_at=timezone.now(),
    )

    body = staff.get("/").content.decode()

    assert "Last push received" in body
    assert "o_alice" in body


def test_page_without_pushes_says_so(staff, settings):
    assert "No push received yet" in staff.get("/").content.decode()


def test_check_button_reports_a_token_fetched(staff, settings, wechat_api):
    body = staff.post("/").content.decode()

    assert "WeChat issued an access token" in body
    assert FAKE_ACCESS_TOKEN not in body
    assert len(wechat_api.calls) == 1


def test_check_button_shows_wechats_refusal(staff, settings, wechat_api):
    wechat_api.replace(
        "POST",
        f"{settings.WECHAT_API_BASE_URL}cgi-bin/stable_token",
        json={"errcode": 40125, "errmsg": "invalid appsecret"},
    )

    response = staff.post("/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "invalid appsecret" in body and "40125" in body


def test_page_links_into_admin(staff, settings):
    body = staff.get("/").content.decode()

    for url in (
        "/admin/devices/device/",
        "/admin/devices/binding/",
        "/admin/wechat/inboundmessage/",
    ):
        assert f'href="{url}"' in body
