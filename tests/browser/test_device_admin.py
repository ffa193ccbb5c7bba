"""A staff user runs a device from admin in a real Chromium, WeChat stood in for by HTTP."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from devices.models import Binding, Device, WeChatUser
from tests.browser.conftest import save_screenshot
from tests.pushes import send

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "browser-test-password"


@pytest.fixture
def staff(transactional_db):
    return get_user_model().objects.create_superuser("ops", "ops@example.com", PASSWORD)


@pytest.fixture
def bound_device(transactional_db) -> Device:
    # A real bind push through /wechat/ creates the user, the device and the binding.
    response, _ = send(
        Client(HTTP_HOST="localhost"),
        "device_event",
        "bind",
        openid="o_alice",
        device_type="gh_wrist",
        device_id="wrist_0001",
    )
    assert response.status_code == 200
    device = Device.objects.get(device_id="wrist_0001")
    device.name, device.mac = "Alice's band", "1A:2B:3C:4D:5E:6F"
    device.status, device.status_info = Device.Status.BOUND, "bind"
    device.status_checked_at = timezone.now()
    device.save()
    return device


def log_in(page) -> None:
    page.goto("/admin/login/?next=/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/")


def test_setup_page_shows_url_token_last_push_and_checks_credentials(
    page, live_server, wechat, staff, bound_device
):
    log_in(page)

    assert page.inner_text("#callback-url") == f"{live_server.url}/wechat/"
    assert page.inner_text("#token") == "test_token"
    assert "device_event.bind" in page.inner_text("#last-push")
    page.click("#check-credentials")
    assert "WeChat issued an access token" in page.inner_text("#check-result")
    assert [req.path for req, _ in wechat.log] == ["/cgi-bin/stable_token"]
    save_screenshot(page, "setup-page.png")


def test_staff_sees_qr_sends_a_message_and_is_refused_a_binding(
    page, live_server, wechat, staff, bound_device
):
    wechat.expect_request("/device/create_qrcode", method="POST").respond_with_json(
        {
            "base_resp": {"errcode": 0, "errmsg": "ok"},
            "device_num": 1,
            "code_list": [{"device_id": "wrist_0001", "ticket": "http://we.qq.com/d/AbCdEf"}],
        }
    )
    wechat.expect_request("/device/transmsg", method="POST").respond_with_json(
        {"ret": 0, "ret_info": "this is ok"}
    )
    wechat.expect_request("/device/compel_bind", method="POST").respond_with_json(
        {"base_resp": {"errcode": -1, "errmsg": "device not authorized"}}
    )
    WeChatUser.objects.create(openid="o_bob", subscribed=True)
    log_in(page)

    # The device's page, with its QR code drawn from WeChat's ticket.
    page.goto(f"/admin/devices/device/{bound_device.pk}/change/")
    qr = page.locator("#device-qr-image")
    qr.wait_for()
    page.wait_for_function("document.getElementById('device-qr-image').complete")
    assert qr.evaluate("img => img.naturalWidth") > 0

    # Send a message on Alice's behalf; WeChat's answer is shown.
    page.select_option("#id_user", label="o_alice")
    page.fill("#id_content", "hello band")
    page.click("input[name=_send]")
    success = page.locator(".messagelist .success")
    success.wait_for()
    assert "this is ok" in success.inner_text()
    sent = [json.loads(req.get_data()) for req, _ in wechat.log if req.path == "/device/transmsg"]
    assert [(m["open_id"], m["device_id"]) for m in sent] == [("o_alice", "wrist_0001")]
    page.wait_for_function("document.getElementById('device-qr-image').naturalWidth > 0")
    save_screenshot(page, "device-admin.png")

    # Bind Bob in admin: WeChat refuses, the admin sees why, and nothing is saved.
    page.goto("/admin/devices/binding/add/")
    page.select_option("#id_user", label="o_bob")
    page.select_option("#id_device", label="Alice's band")
    page.click("input[name=_save]")
    page.locator(".errornote").wait_for()
    assert "device not authorized" in page.inner_text("#content-main")
    assert not Binding.objects.filter(user__openid="o_bob").exists()
