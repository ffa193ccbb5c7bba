"""Device replies that carry raw bytes.

wechatpy 1.8's DeviceTextReply pushes its content through a text conversion
before base64, which mangles binary payloads (a wristband speaks bytes, not
UTF-8). These helpers take and give bytes and base64 them exactly once.
"""

import base64
import binascii

from wechatpy.fields import StringField
from wechatpy.messages import BaseMessage
from wechatpy.replies import BaseReply


class DeviceBytesReply(BaseReply):
    """A `device_text` reply whose `Content` is already base64 text."""

    type = "device_text"
    device_type = StringField("DeviceType")
    device_id = StringField("DeviceID")
    session_id = StringField("SessionID")
    content = StringField("Content")


def device_payload(message: BaseMessage) -> bytes:
    """The raw bytes a device sent in a `device_text` push."""
    try:
        return base64.b64decode(message._data.get("Content") or "", validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError("the device push's Content is not base64") from err


def device_text_reply(message: BaseMessage, payload: bytes) -> DeviceBytesReply:
    """Reply to a device in the session its push came from."""
    return DeviceBytesReply(
        message=message,
        device_type=message.device_type,
        device_id=message.device_id,
        session_id=message.session_id,
        content=base64.b64encode(payload).decode(),
    )
