"""The handlers: what the account answers to each message and event.

Edit a function to change what users (and their devices) get back. Each
handler takes wechatpy's message object and returns a reply: a text, a
wechatpy reply (``ArticlesReply``, ``DeviceTextReply``…), or None for the
empty reply ``success``. Everything a handler wants to send through the API
goes through `wechat.tasks`, so the reply is never held up by WeChat.

``HANDLERS`` at the bottom maps each message type and event to its handler;
a push whose kind is not listed is answered ``success``.
"""

from pathlib import Path

from wechatpy.replies import ArticlesReply, DeviceStatusReply

from devices import services as devices
from wechat.replies import device_payload, device_text_reply
from wechat.tasks import send_later

# The demo's image and articles (wechat/static/wechat/demo.png is a 160 px PNG
# drawn with pillow; articles need public URLs, so these point at WeChat's).
DEMO_IMAGE = Path(__file__).resolve().parent / "static" / "wechat" / "demo.png"
DEMO_ARTICLE = {
    "title": "Hello World!",
    "description": "I am a customer-service article",
    "image": "https://res.wx.qq.com/a/wx_fed/assets/res/NTI4MWU5.ico",
    "url": "https://developers.weixin.qq.com/doc/offiaccount/en/",
}


def hello(kind: str) -> str:
    return f"Hello World! I am {kind}"


# --- Messages -----------------------------------------------------------------


def on_text(message):
    """Reply with articles at once; send a text, an image and articles in the background."""
    user = message.source
    send_later("customSendText", user, hello("customer-service text"))
    send_later("customSendImage", user, str(DEMO_IMAGE))
    article = DEMO_ARTICLE
    send_later(
        "customSendArticle",
        user,
        article["title"],
        article["description"],
        article["image"],
        article["url"],
    )
    send_later("customSendArticles", user, [article, {**article, "title": "Hello again!"}])
    return ArticlesReply(message=message, articles=[{**article, "title": hello("text")}])


def on_image(message):
    return hello("image")


def on_voice(message):
    return hello("voice")


def on_video(message):
    return hello("video")


def on_shortvideo(message):
    return hello("shortvideo")


def on_location(message):
    return hello("location")


def on_link(message):
    return hello("link")


# --- Events -------------------------------------------------------------------


def on_subscribe(message):
    devices.record_subscribe(message.source, at=message.create_time)
    return hello("subscribe event")


def on_unsubscribe(message):
    devices.record_unsubscribe(message.source, at=message.create_time)
    # WeChat shows no reply to a user who unfollowed; the demo answers all the same.
    return hello("unsubscribe event")


def on_subscribe_scan(message):
    devices.record_subscribe(message.source, at=message.create_time)
    return hello("scan event without subscription")


def on_scan(message):
    return hello("scan event with subscription")


def on_location_event(message):
    return hello("LOCATION event")


def on_click(message):
    return hello("CLICK event")


def on_view(message):
    return hello("VIEW event")


def on_masssendjobfinish(message):
    return hello("MASSSENDJOBFINISH event")


def on_templatesendjobfinish(message):
    return hello("TEMPLATESENDJOBFINISH event")


def on_scancode_push(message):
    return hello("scancode_push event")


def on_scancode_waitmsg(message):
    return hello("scancode_waitmsg event")


def on_pic_sysphoto(message):
    return hello("pic_sysphoto event")


def on_pic_photo_or_album(message):
    return hello("pic_photo_or_album event")


def on_pic_weixin(message):
    return hello("pic_weixin event")


def on_location_select(message):
    return hello("location_select event")


# --- Device pushes (WeChat hardware platform) -----------------------------------


def on_device_text(message):
    """Echo the device's bytes back to it, in the same session."""
    devices.device_seen(message.device_type, message.device_id)
    return device_text_reply(message, device_payload(message))


def on_device_bind(message):
    devices.open_binding(
        message.open_id or message.source,
        message.device_type,
        message.device_id,
        at=message.create_time,
    )
    return None


def on_device_unbind(message):
    devices.close_binding(
        message.open_id or message.source,
        message.device_type,
        message.device_id,
        at=message.create_time,
    )
    return None


def on_device_subscribe_status(message):
    return DeviceStatusReply(
        message=message, device_type=message.device_type, device_id=message.device_id, status=1
    )


def on_device_unsubscribe_status(message):
    return DeviceStatusReply(
        message=message, device_type=message.device_type, device_id=message.device_id, status=0
    )


HANDLERS = {
    "text": on_text,
    "image": on_image,
    "voice": on_voice,
    "video": on_video,
    "shortvideo": on_shortvideo,
    "location": on_location,
    "link": on_link,
    "event.subscribe": on_subscribe,
    "event.unsubscribe": on_unsubscribe,
    "event.subscribe_scan": on_subscribe_scan,
    "event.scan": on_scan,
    "event.location": on_location_event,
    "event.click": on_click,
    "event.view": on_view,
    "event.masssendjobfinish": on_masssendjobfinish,
    "event.templatesendjobfinish": on_templatesendjobfinish,
    "event.scancode_push": on_scancode_push,
    "event.scancode_waitmsg": on_scancode_waitmsg,
    "event.pic_sysphoto": on_pic_sysphoto,
    "event.pic_photo_or_album": on_pic_photo_or_album,
    "event.pic_weixin": on_pic_weixin,
    "event.location_select": on_location_select,
    "device_text": on_device_text,
    "device_event.bind": on_device_bind,
    "device_event.unbind": on_device_unbind,
    "device_event.subscribe_status": on_device_subscribe_status,
    "device_event.unsubscribe_status": on_device_unsubscribe_status,
}
