"""Build signed (and encrypted) pushes as WeChat sends them, and read replies.

Used by `manage.py wechat_simulate` so a developer can try every handler with
no public IP, and by the tests, which send exactly what WeChat would.
"""

import itertools
import secrets
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from wechat.crypto import MessageCrypto, sign, signature_matches
from wechat.parsing import xml_to_dict

MESSAGE_KINDS = ("text", "image", "voice", "video", "shortvideo", "location", "link")
EVENTS = (
    "subscribe",
    "unsubscribe",
    "SCAN",
    "LOCATION",
    "CLICK",
    "VIEW",
    "MASSSENDJOBFINISH",
    "TEMPLATESENDJOBFINISH",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
)
DEVICE_EVENTS = ("bind", "unbind", "subscribe_status", "unsubscribe_status")

_ids = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))


def _fields_for(kind: str, event: str, content: str, event_key: str) -> dict:
    media = {"MediaId": "media_" + secrets.token_hex(4)}
    per_kind = {
        "text": {"Content": content},
        "image": {"PicUrl": "http://example.com/pic.jpg", **media},
        "voice": {**media, "Format": "amr", "Recognition": content},
        "video": {**media, "ThumbMediaId": "thumb_1"},
        "shortvideo": {**media, "ThumbMediaId": "thumb_1"},
        "location": {"Location_X": "23.13", "Location_Y": "113.26", "Scale": "20", "Label": "GZ"},
        "link": {"Title": content, "Description": content, "Url": "http://example.com/"},
    }
    if kind in per_kind:
        return {**per_kind[kind], "MsgId": str(next(_ids))}
    per_event = {
        "subscribe": {"EventKey": event_key} if event_key else {},
        "LOCATION": {"Latitude": "23.13", "Longitude": "113.26", "Precision": "65.0"},
        "MASSSENDJOBFINISH": {"MsgID": str(next(_ids)), "Status": "send success"},
        "TEMPLATESENDJOBFINISH": {"MsgID": str(next(_ids)), "Status": "success"},
        "scancode_push": {"ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": content}},
        "scancode_waitmsg": {"ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": content}},
        "location_select": {
            "SendLocationInfo": {"Location_X": "23", "Location_Y": "113", "Scale": "15"}
        },
    }
    pics = {"SendPicsInfo": {"Count": "1", "PicList": {"item": {"PicMd5Sum": "abc"}}}}
    fields = per_event.get(event, pics if event.startswith("pic_") else {})
    if event in ("SCAN", "CLICK", "VIEW") or (event.startswith(("scancode", "pic_", "location_s"))):
        fields = {"EventKey": event_key or "KEY_1", **fields}
    return {"Event": event, **fields}


def build_push(
    kind: str,
    event: str = "",
    *,
    openid: str = "o_simulated_user",
    account: str = "gh_wrist",
    content: str = "hello",
    event_key: str = "",
    device_type: str = "gh_wrist",
    device_id: str = "device_1",
    create_time: int | None = None,
    extra: dict | None = None,
) -> str:
    """The plain XML of a push of `kind` (`event`, `device_event`: with `event`)."""
    data: dict = {
        "ToUserName": account,
        "FromUserName": openid,
        "CreateTime": str(create_time or int(time.time())),
        "MsgType": kind,
    }
    if kind in MESSAGE_KINDS or kind == "event":
        data.update(_fields_for(kind, event, content, event_key))
    elif kind in ("device_text", "device_event"):
        data.update({"Event": event} if kind == "device_event" else {})
        data.update(
            DeviceType=device_type,
            DeviceID=device_id,
            Content=content,
            SessionID=str(secrets.randbelow(10**6)),
            MsgID=str(next(_ids)),
            OpenID=openid,
        )
        if event.endswith("subscribe_status"):
            data["OpType"] = "1" if event == "subscribe_status" else "0"
    else:
        raise ValueError(f"unknown push kind {kind!r}")
    data.update(extra or {})
    return to_xml(data)


def to_xml(data: dict, root: str = "xml") -> str:
    parts = []
    for name, value in data.items():
        inner = to_xml(value, root="") if isinstance(value, dict) else escape(str(value))
        parts.append(f"<{name}>{inner}</{name}>")
    body = "".join(parts)
    return f"<{root}>{body}</{root}>" if root else body


@dataclass
class SignedPush:
    """A push ready to POST: its query string parameters and body."""

    query: dict
    body: str
    crypto: MessageCrypto | None = None
    token: str = ""
    plain_xml: str = field(default="", repr=False)


def sign_push(
    xml: str,
    token: str,
    *,
    mode: str = "plain",
    encoding_aes_key: str = "",
    app_id: str = "",
    timestamp: str | None = None,
    nonce: str | None = None,
) -> SignedPush:
    """Sign `xml` for `mode`: plain, compatible (plain + Encrypt) or safe (Encrypt only)."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**10))
    query = {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if mode == "plain":
        return SignedPush(query, xml, None, token, xml)
    if mode not in ("compatible", "safe"):
        raise ValueError(f"unknown mode {mode!r}: plain, compatible or safe")
    crypto = MessageCrypto(encoding_aes_key, app_id)
    encrypted = crypto.encrypt(xml)
    data = xml_to_dict(xml)
    envelope = dict(data) if mode == "compatible" else {"ToUserName": data.get("ToUserName", "")}
    envelope["Encrypt"] = encrypted
    query.update(
        encrypt_type="aes",
        msg_signature=sign(token, timestamp, nonce, encrypted),
        openid=str(data.get("FromUserName", "")),
    )
    return SignedPush(query, to_xml(envelope), crypto, token, xml)


def read_reply(push: SignedPush, reply: str) -> str:
    """The reply's plain XML: decrypted, with its signature checked, when encrypted."""
    if push.crypto is None or not reply.lstrip().startswith("<"):
        return reply
    envelope = xml_to_dict(reply)
    if "Encrypt" not in envelope:
        return reply
    if not signature_matches(
        envelope.get("MsgSignature", ""),
        push.token,
        envelope.get("TimeStamp", ""),
        envelope.get("Nonce", ""),
        envelope["Encrypt"],
    ):
        raise ValueError("the reply's MsgSignature does not match the Token")
    return push.crypto.decrypt(envelope["Encrypt"])
