"""Build signed (and encrypted) pushes for the tests, as WeChat sends them."""

from django.conf import settings
from django.test import Client

from wechat.simulate import SignedPush, build_push, read_reply, sign_push

MODES = ("plain", "compatible", "safe")


def signed(xml: str, mode: str = "plain", **kwargs) -> SignedPush:
    return sign_push(
        xml,
        settings.WECHAT_TOKEN,
        mode=mode,
        encoding_aes_key=settings.WECHAT_ENCODING_AES_KEY,
        app_id=settings.WECHAT_APP_ID,
        **kwargs,
    )


def post(client: Client, push: SignedPush, path: str = "/wechat/"):
    return client.post(path, push.body, content_type="text/xml", query_params=push.query)


def send(client: Client, kind: str, event: str = "", mode: str = "plain", **fields):
    """Post a fresh push of `kind`; return (response, decrypted reply text)."""
    push = signed(build_push(kind, event, **fields), mode)
    response = post(client, push)
    return response, read_reply(push, response.content.decode())
