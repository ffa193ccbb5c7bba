"""The outbound WeChat API, with the 2015 demo's names and argument order.

    from wechat import tools
    tools.customSendText("oUSER_OPENID", "hello")

Each function names the WeChat call it makes and returns WeChat's decoded
answer (a dict), unless noted. Every failure — a WeChat error in any of its
shapes, an HTTP error, a network failure — raises `WeChatAPIError` with
`errcode`, `errmsg` and `api` (codes of network failures: `wechat.http`).
Tokens, URLs, timeouts and retries live in `wechat.client`.
"""

import base64
import json
import os
from pathlib import Path

import qrcode

from wechat import conf, crypto, http, media
from wechat.client import client
from wechat.exceptions import WeChatAPIError

FileName = str | os.PathLike

__all__ = [
    "WeChatAPIError",
    "checkSignature",
    "compelBind",
    "compelUnbind",
    "createQrByDeviceId",
    "customSendArticle",
    "customSendArticles",
    "customSendImage",
    "customSendText",
    "customSendVideo",
    "customSendVoice",
    "getBindDevice",
    "getOpenId",
    "getStat",
    "getToken",
    "menuCreate",
    "menuDelete",
    "menuQuery",
    "transMsg",
    "uploadMedia",
]


def checkSignature(request) -> bool:
    """True when the request's query `signature` matches WECHAT_TOKEN, timestamp and nonce."""
    query = request.GET
    return crypto.signature_matches(
        query.get("signature", ""), conf.token(), query.get("timestamp", ""), query.get("nonce", "")
    )


def getToken() -> str:
    """The access token for device APIs: the relay's (WECHAT_DEVICE_TOKEN_URL) or our own."""
    return client().device_token()


# --- Hardware platform (device/...) ----------------------------------------------


def transMsg(deviceType: str, deviceId: str, user: str, content: str | bytes) -> dict:
    """POST device/transmsg {device_type, device_id, open_id, content: base64(content)}."""
    if isinstance(content, str):
        payload = content.encode()
    elif isinstance(content, bytes | bytearray | memoryview):
        payload = bytes(content)
    else:
        raise TypeError(f"content must be str or bytes, not {type(content).__name__}")
    return client().device._post(
        "transmsg",
        data={
            "device_type": deviceType,
            "device_id": deviceId,
            "open_id": user,
            "content": base64.b64encode(payload).decode(),
        },
    )


def createQrByDeviceId(deviceId: str, filename: FileName | None = None) -> str:
    """POST device/create_qrcode for one device; returns its ticket, drawn as PNG to `filename`."""
    answer = client().device.create_qrcode([deviceId])
    codes = answer.get("code_list") or []
    if not codes or not codes[0].get("ticket"):
        raise WeChatAPIError(http.BAD_ANSWER, "no ticket in the answer", "device/create_qrcode")
    ticket = codes[0]["ticket"]
    if filename:
        qrcode.make(ticket).save(Path(filename), format="PNG")
    return ticket


def getStat(deviceId: str) -> dict:
    """GET device/get_stat?device_id=… → {"status": 0|1|2|3, "status_info": …}."""
    return client().device.get_stat(deviceId)


def getOpenId(deviceType: str, deviceId: str) -> dict:
    """GET device/get_openid?device_type=…&device_id=… → {"open_id": [...], "resp_msg": …}."""
    return client().device.get_open_id(deviceType, deviceId)


def compelBind(deviceId: str, user: str) -> dict:
    """POST device/compel_bind {device_id, openid}."""
    return client().device.compel_bind(deviceId, user)


def compelUnbind(deviceId: str, user: str) -> dict:
    """POST device/compel_unbind {device_id, openid}."""
    return client().device.compel_unbind(deviceId, user)


def getBindDevice(user: str) -> dict:
    """GET device/get_bind_device?openid=… → {"device_list": [...], …}."""
    return client().device.get_bind_device(user)


# --- Customer-service messages (cgi-bin/message/custom/send) ----------------------


def customSendText(user: str, content: str) -> dict:
    """POST cgi-bin/message/custom/send {touser, msgtype: text, text: {content}}."""
    return client().message.send_text(user, content)


def customSendImage(
    user: str, filename: FileName | None = None, mediaId: str | None = None
) -> dict:
    """Send an image by `mediaId`, or upload `filename` first (reused for 3 days)."""
    if not mediaId:
        if not filename:
            raise ValueError("customSendImage needs a filename or a mediaId")
        mediaId = uploadMedia("image", filename)["media_id"]
    return client().message.send_image(user, mediaId)


def customSendVoice(user: str, mediaId: str) -> dict:
    """POST cgi-bin/message/custom/send {msgtype: voice, voice: {media_id}}."""
    return client().message.send_voice(user, mediaId)


def customSendVideo(
    user: str, mediaId: str, title: str | None = None, description: str | None = None
) -> dict:
    """POST cgi-bin/message/custom/send {msgtype: video, video: {media_id, title, description}}."""
    return client().message.send_video(user, mediaId, title, description)


def customSendArticle(user: str, title: str, description: str, image: str, url: str) -> dict:
    """One article: {msgtype: news, news: {articles: [{title, description, url, picurl}]}}."""
    return customSendArticles(
        user, [{"title": title, "description": description, "image": image, "url": url}]
    )


def customSendArticles(user: str, articles: list[dict]) -> dict:
    """Up to 8 articles, each {title, description, url, image or picurl}."""
    return client().message.send_articles(user, [_article(article) for article in articles])


def _article(article: dict) -> dict:
    return {
        "title": article.get("title", ""),
        "description": article.get("description", ""),
        "url": article.get("url", ""),
        "picurl": article.get("picurl") or article.get("image") or "",
    }


# --- Media and menu ------------------------------------------------------------------


def uploadMedia(type: str, filename: FileName) -> dict:  # noqa: A002 (the demo's name)
    """POST cgi-bin/media/upload?type=… (multipart `media`), once per content for 3 days."""

    def upload(media_type: str, name: str, content: bytes) -> dict:
        return client().media.upload(media_type, (name, content))

    return media.upload_once(type, filename, upload)


def menuCreate(body) -> dict:
    """POST cgi-bin/menu/create with `body` (a dict, or its JSON text); replaces the menu."""
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError as err:
            raise ValueError(f"the menu is not valid JSON: {err}") from err
    if not isinstance(body, dict):
        raise TypeError("the menu must be a JSON object with a 'button' list")
    return client().menu.create(body)


def menuQuery() -> dict:
    """GET cgi-bin/menu/get (raises WeChatAPIError 46003 when no menu is set)."""
    return client().get("menu/get")


def menuDelete() -> dict:
    """GET cgi-bin/menu/delete."""
    return client().menu.delete()
