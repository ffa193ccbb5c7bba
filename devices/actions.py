"""What admins and commands ask WeChat to do to a device: unbind, send, QR code.

WeChat is asked first; only when it agrees is the change recorded, so a
refusal (`WeChatAPIError`) leaves the database as it was.
"""

import tempfile
from pathlib import Path

from django.utils import timezone

from devices import services
from devices.models import Binding, Device
from wechat import tools
from wechat.exceptions import WeChatAPIError


def compel_unbind(binding: Binding) -> Binding:
    """Unbind on WeChat (`compelUnbind`), then close the binding."""
    tools.compelUnbind(binding.device.device_id, binding.user.openid)
    return services.close(binding, at=timezone.now(), source=Binding.Source.ADMIN)


def send_message(device: Device, openid: str, content: str) -> dict:
    """Send `content` to the device for the user (`transMsg`); WeChat's answer."""
    return tools.transMsg(device.device_type, device.device_id, openid, content)


def qr_png(device_id: str) -> bytes:
    """The PNG of the device's QR code, as `createQrByDeviceId` renders it."""
    with tempfile.TemporaryDirectory(prefix="wrist-qr-") as folder:
        path = Path(folder) / "qr.png"
        tools.createQrByDeviceId(device_id, filename=str(path))
        return path.read_bytes()


def refusal(err: WeChatAPIError) -> str:
    """WeChat's refusal as admins read it."""
    return f"WeChat refused {err.api or 'the call'}: {err.errmsg} (errcode {err.errcode})"
