"""Admin for users, devices and bindings, through Django's test client and a stand-in WeChat."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from PIL import Image

from devices import services
from devices.models import Binding, Device, WeChatUser
from tests import device_api


@pytest.fixture
def staff(db) -> Client:
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.fixture
def device(db) -> Device:
    return Device.objects.create(device_type="gh_wrist", device_id="dev_1", name="Band one")


@pytest.fixture
def alice_bound(device) -> Binding:
    binding, _ = services.open_binding("o_alice", "gh_wrist", "dev_1")
    return binding


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def levels(response) -> list[str]:
    return [message.level_tag for message in get_messages(response.wsgi_request)]


def change_url(device: Device) -> str:
    return f"/admin/devices/device/{device.pk}/change/"


def run_action(client, model, action, pks):
    return client.post(
        f"/admin/devices/{model}/",
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


# --- lists ------------------------------------------------------------------------------


def test_user_list_shows_active_device_count_and_filters_by_subscribed(staff, alice_bound):
    WeChatUser.objects.create(openid="o_bob", subscribed=True)

    response = staff.get("/admin/devices/wechatuser/", {"subscribed__exact": "0"})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [(user.openid, user.active_devices) for user in rows] == [("o_alice", 1)]


def test_user_search_by_openid(staff, alice_bound):
    WeChatUser.objects.create(openid="o_bob")

    response = staff.get("/admin/devices/wechatuser/", {"q": "bob"})

    assert [user.openid for user in response.context["cl"].result_list] == ["o_bob"]


def test_user_page_shows_bindings_inline(staff, alice_bound):
    response = staff.get(f"/admin/devices/wechatuser/{alice_bound.user.pk}/change/")

    assert response.status_code == 200
    assert "Band one" in response.content.decode()


def test_device_list_shows_status_and_active_bindings(staff, alice_bound):
    response = staff.get("/admin/devices/device/", {"q": "dev_1"})

    [row] = response.context["cl"].result_list
    assert (row.device_id, row.active_bindings) == ("dev_1", 1)


def test_binding_list_filters_active_and_closed_and_searches(staff, alice_bound):
    services.open_binding("o_bob", "gh_wrist", "dev_2")
    services.close_binding("o_bob", "gh_wrist", "dev_2")

    def openids(**query):
        response = staff.get("/admin/devices/binding/", query)
        return sorted(b.user.openid for b in response.context["cl"].result_list)

    assert openids(state="active") == ["o_alice"]
    assert openids(state="closed") == ["o_bob"]
    assert openids(q="dev_2") == ["o_bob"]
    assert openids(q="o_alice") == ["o_alice"]


# --- device actions -------------------------------------------------------------------


def test_refresh_status_action_stores_and_reports_the_status(staff, wechat_api, device):
    device_api.get_stat(wechat_api, status=1, info="authorized")

    response = run_action(staff, "device", "refresh_status", [device.pk])

    device.refresh_from_db()
    assert device.status == Device.Status.AUTHORIZED
    assert levels(response) == ["success"]
    assert "authorized" in texts(response)[0]


def test_refresh_status_refused_shows_wechats_error(staff, wechat_api, device):
    device_api.get_stat(wechat_api, errcode=10002, info="invalid device id")

    response = run_action(staff, "device", "refresh_status", [device.pk])

    assert response.status_code == 200
    assert levels(response) == ["error"]
    assert "invalid device id" in texts(response)[0]
    assert "10002" in texts(response)[0]


def test_sync_action_opens_and_closes_bindings(staff, wechat_api, alice_bound, device):
    device_api.get_openid(wechat_api, ["o_bob"])

    response = run_action(staff, "device", "sync_bindings", [device.pk])

    assert sorted(device.bindings.active().values_list("user__openid", flat=True)) == ["o_bob"]
    assert levels(response) == ["success"]
    assert "+1 bound, -1 unbound" in texts(response)[0]


def test_sync_action_refused_shows_wechats_error(staff, wechat_api, alice_bound, device):
    device_api.get_openid(wechat_api, [], errcode=-1, info="device not exist")

    response = run_action(staff, "device", "sync_bindings", [device.pk])

    assert levels(response) == ["error"]
    assert "device not exist" in texts(response)[0]
    assert device.bindings.active().count() == 1


# --- device page: QR code and send message -------------------------------------------


def test_device_page_links_the_qr_image_and_offers_bound_users(staff, alice_bound, device):
    response = staff.get(change_url(device))

    body = response.content.decode()
    assert f"/admin/devices/device/{device.pk}/qr.png" in body
    assert list(response.context["send_form"].fields["user"].queryset) == [alice_bound.user]


def test_qr_view_renders_the_png_of_the_devices_ticket(staff, wechat_api, device):
    device_api.create_qrcode(wechat_api, "dev_1")

    response = staff.get(f"/admin/devices/device/{device.pk}/qr.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.width > 0
    assert device_api.sent_json(wechat_api, "create_qrcode")[0]["device_id_list"] == ["dev_1"]


def test_qr_view_refused_answers_502_with_wechats_error(staff, wechat_api, device):
    device_api.create_qrcode(wechat_api, errcode=-1)

    response = staff.get(f"/admin/devices/device/{device.pk}/qr.png")

    assert response.status_code == 502
    assert "device not exist" in response.content.decode()


def test_qr_view_is_for_staff_only(db, device):
    response = Client(HTTP_HOST="localhost").get(f"/admin/devices/device/{device.pk}/qr.png")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_qr_view_of_a_missing_device_is_404(staff):
    assert staff.get("/admin/devices/device/999/qr.png").status_code == 404


def test_send_message_calls_transmsg_and_shows_wechats_answer(
    staff, wechat_api, alice_bound, device
):
    device_api.transmsg(wechat_api)

    response = staff.post(
        f"/admin/devices/device/{device.pk}/send/",
        {"user": alice_bound.user.pk, "content": "hi"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == change_url(device)
    assert levels(response) == ["success"]
    assert "this is ok" in texts(response)[0]
    [sent] = device_api.sent_json(wechat_api, "transmsg")
    assert sent == {
        "device_type": "gh_wrist",
        "device_id": "dev_1",
        "open_id": "o_alice",
        "content": "aGk=",
    }


def test_send_message_refused_shows_wechats_error(staff, wechat_api, alice_bound, device):
    device_api.transmsg(wechat_api, ret=-1, info="device not connected")

    response = staff.post(
        f"/admin/devices/device/{device.pk}/send/",
        {"user": alice_bound.user.pk, "content": "hi"},
        follow=True,
    )

    assert levels(response) == ["error"]
    assert "device not connected" in texts(response)[0]


def test_send_message_for_a_user_not_bound_is_refused_before_wechat(
    staff, wechat_api, alice_bound, device
):
    stranger = WeChatUser.objects.create(openid="o_stranger")

    response = staff.post(
        f"/admin/devices/device/{device.pk}/send/",
        {"user": stranger.pk, "content": "hi"},
        follow=True,
    )

    assert levels(response) == ["error"]
    assert device_api.sent_json(wechat_api, "transmsg") == []


def test_send_message_needs_post(staff, device):
    assert staff.get(f"/admin/devices/device/{device.pk}/send/").status_code == 405


# --- bindings: add and close ask WeChat first -------------------------------------------


def add_binding(staff, user, device):
    return staff.post(
        "/admin/devices/binding/add/", {"user": user.pk, "device": device.pk}, follow=True
    )


def test_adding_a_binding_calls_compel_bind_then_saves(staff, wechat_api, device):
    user = WeChatUser.objects.create(openid="o_alice")
    device_api.compel_bind(wechat_api)

    response = add_binding(staff, user, device)

    assert levels(response) == ["success"]
    binding = Binding.objects.get()
    assert (binding.user, binding.device, binding.source) == (user, device, "admin")
    assert binding.is_active
    assert device_api.sent_json(wechat_api, "compel_bind") == [
        {"device_id": "dev_1", "openid": "o_alice"}
    ]


def test_adding_a_binding_wechat_refuses_shows_the_error_and_saves_nothing(
    staff, wechat_api, device
):
    user = WeChatUser.objects.create(openid="o_alice")
    device_api.compel_bind(wechat_api, errcode=-1, errmsg="device not authorized")

    response = add_binding(staff, user, device)

    assert response.status_code == 200
    body = response.content.decode()
    assert "device not authorized" in body
    assert "errornote" in body
    assert not Binding.objects.exists()


def test_adding_an_already_active_binding_is_refused_before_wechat(
    staff, wechat_api, alice_bound, device
):
    response = add_binding(staff, alice_bound.user, device)

    assert "already bound" in response.content.decode()
    assert Binding.objects.count() == 1
    assert device_api.sent_json(wechat_api, "compel_bind") == []


def test_close_action_calls_compel_unbind_then_closes(staff, wechat_api, alice_bound):
    device_api.compel_unbind(wechat_api)

    response = run_action(staff, "binding", "close_bindings", [alice_bound.pk])

    alice_bound.refresh_from_db()
    assert not alice_bound.is_active
    assert alice_bound.closed_by == Binding.Source.ADMIN
    assert levels(response) == ["success"]
    assert device_api.sent_json(wechat_api, "compel_unbind") == [
        {"device_id": "dev_1", "openid": "o_alice"}
    ]


def test_close_action_refused_keeps_the_binding_and_shows_the_error(staff, wechat_api, alice_bound):
    device_api.compel_unbind(wechat_api, errcode=-1, errmsg="not bound")

    response = run_action(staff, "binding", "close_bindings", [alice_bound.pk])

    alice_bound.refresh_from_db()
    assert alice_bound.is_active
    assert levels(response) == ["error"]
    assert "not bound" in texts(response)[0]


def test_close_action_on_closed_bindings_only_warns(staff, wechat_api, alice_bound):
    services.close(alice_bound, source=Binding.Source.EVENT)

    response = run_action(staff, "binding", "close_bindings", [alice_bound.pk])

    assert levels(response) == ["warning"]
    assert device_api.sent_json(wechat_api, "compel_unbind") == []


def test_an_existing_binding_page_is_read_only(staff, alice_bound):
    response = staff.get(f"/admin/devices/binding/{alice_bound.pk}/change/")

    assert response.status_code == 200
    assert 'name="user"' not in response.content.decode()


def close_button(staff, binding):
    return staff.post(
        f"/admin/devices/binding/{binding.pk}/change/", {"_close_binding": "1"}, follow=True
    )


def test_active_binding_page_offers_the_close_button(staff, alice_bound):
    body = staff.get(f"/admin/devices/binding/{alice_bound.pk}/change/").content.decode()

    assert 'name="_close_binding"' in body


def test_close_button_calls_compel_unbind_then_closes(staff, wechat_api, alice_bound):
    device_api.compel_unbind(wechat_api)

    response = close_button(staff, alice_bound)

    alice_bound.refresh_from_db()
    assert not alice_bound.is_active
    assert levels(response) == ["success"]
    assert len(device_api.sent_json(wechat_api, "compel_unbind")) == 1
    assert 'name="_close_binding"' not in response.content.decode()


def test_close_button_refused_keeps_the_binding_and_shows_the_error(staff, wechat_api, alice_bound):
    device_api.compel_unbind(wechat_api, errcode=-1, errmsg="not bound")

    response = close_button(staff, alice_bound)

    alice_bound.refresh_from_db()
    assert alice_bound.is_active
    assert levels(response) == ["error"]
    assert "not bound" in texts(response)[0]


def test_close_button_on_a_closed_binding_only_warns(staff, wechat_api, alice_bound):
    services.close(alice_bound, source=Binding.Source.EVENT)

    response = close_button(staff, alice_bound)

    assert levels(response) == ["warning"]
    assert device_api.sent_json(wechat_api, "compel_unbind") == []


def test_an_active_binding_cannot_be_deleted_only_closed(staff, alice_bound):
    response = staff.post(f"/admin/devices/binding/{alice_bound.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Binding.objects.filter(pk=alice_bound.pk).exists()


def test_a_closed_binding_can_be_deleted(staff, alice_bound):
    services.close(alice_bound, source=Binding.Source.EVENT)

    staff.post(f"/admin/devices/binding/{alice_bound.pk}/delete/", {"post": "yes"})

    assert not Binding.objects.filter(pk=alice_bound.pk).exists()


def test_a_device_with_an_active_binding_is_not_deleted(staff, alice_bound, device):
    response = staff.post(f"/admin/devices/device/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Device.objects.filter(pk=device.pk).exists()
