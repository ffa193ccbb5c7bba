"""device_qr, device_send and device_sync against a stand-in WeChat."""

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from devices import services
from devices.models import Binding, Device
from tests import device_api


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- device_qr ----------------------------------------------------------------------------


def test_device_qr_writes_a_png_and_prints_the_ticket(wechat_api, tmp_path):
    device_api.create_qrcode(wechat_api, "dev_1")
    target = tmp_path / "dev_1.png"

    out = run("device_qr", "dev_1", "-o", str(target))

    assert Image.open(target).format == "PNG"
    assert "ticket: T_dev_1" in out
    assert device_api.sent_json(wechat_api, "create_qrcode")[0]["device_id_list"] == ["dev_1"]


def test_device_qr_refused_is_a_command_error(wechat_api, tmp_path):
    device_api.create_qrcode(wechat_api, errcode=-1)
    target = tmp_path / "x.png"

    with pytest.raises(CommandError, match="device not exist"):
        run("device_qr", "dev_x", "-o", str(target))
    assert not target.exists()


def test_device_qr_into_a_missing_folder_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        run("device_qr", "dev_1", "-o", str(tmp_path / "nope" / "x.png"))


# --- device_send --------------------------------------------------------------------------


def test_device_send_calls_transmsg_and_prints_wechats_answer(wechat_api):
    device_api.transmsg(wechat_api)

    out = run("device_send", "gh_wrist", "dev_1", "o_alice", "hello")

    assert '"ret_info": "this is ok"' in out
    assert device_api.sent_json(wechat_api, "transmsg") == [
        {
            "device_type": "gh_wrist",
            "device_id": "dev_1",
            "open_id": "o_alice",
            "content": "aGVsbG8=",
        }
    ]


def test_device_send_refused_is_a_command_error(wechat_api):
    device_api.transmsg(wechat_api, ret=-1, info="device not connected")

    with pytest.raises(CommandError, match="device not connected"):
        run("device_send", "gh_wrist", "dev_1", "o_alice", "hello")


# --- device_sync --------------------------------------------------------------------------


@pytest.fixture
def two_devices(db):
    services.open_binding("o_old", "gh_wrist", "dev_1")
    Device.objects.create(device_type="gh_wrist", device_id="dev_2")


def test_device_sync_all_updates_status_and_bindings_with_a_line_per_device(
    wechat_api, two_devices
):
    device_api.get_stat(wechat_api, status=2, info="bind")
    device_api.get_openid(wechat_api, ["o_alice"])

    out = run("device_sync", "--all")

    lines = out.strip().splitlines()
    assert lines[0].startswith("gh_wrist/dev_1: status bound; bindings +1 bound, -1 unbound")
    assert lines[1].startswith("gh_wrist/dev_2: status bound; bindings +1 bound, -0 unbound")
    assert lines[2] == "Synced 2 of 2 device(s): 2 binding(s) opened, 1 closed."
    active = Binding.objects.active().values_list("user__openid", "device__device_id")
    assert sorted(active) == [("o_alice", "dev_1"), ("o_alice", "dev_2")]
    assert set(Device.objects.values_list("status", flat=True)) == {2}


def test_device_sync_named_devices_only(wechat_api, two_devices):
    device_api.get_stat(wechat_api)
    device_api.get_openid(wechat_api, [])

    out = run("device_sync", "dev_2")

    assert "gh_wrist/dev_2" in out and "dev_1" not in out
    assert Binding.objects.active().count() == 1  # dev_1's binding untouched


def test_device_sync_reports_failures_and_ends_with_a_command_error(wechat_api, two_devices):
    device_api.get_stat(wechat_api, errcode=10002, info="invalid device id")

    with pytest.raises(CommandError, match=r"Synced 0 of 2 device\(s\).*2 failed"):
        run("device_sync", "--all")


def test_device_sync_of_an_unknown_device_is_a_command_error(db):
    with pytest.raises(CommandError, match="unknown device"):
        run("device_sync", "dev_nope")


@pytest.mark.parametrize("args", [(), ("--all", "dev_1")])
def test_device_sync_needs_devices_or_all_but_not_both(db, args):
    with pytest.raises(CommandError, match="--all"):
        run("device_sync", *args)
