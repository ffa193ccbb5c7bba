"""Shared pieces of the fuzz tests: the property every input must keep, and signing."""

from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.pushes import post, signed
from tests.reliability.fuzzcount import count
from wechat.crypto import MessageCrypto, sign
from wechat.models import InboundMessage
from wechat.simulate import SignedPush, build_push, read_reply, to_xml

ALLOWED = {200, 400, 403, 413}
CHECK_EVERY = 250  # a valid push goes through after this many hostile ones


def fuzz(examples: int):
    return hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


def send_raw(client, body: bytes, query: dict):
    return client.post("/wechat/", body, content_type="text/xml", query_params=query)


def answers_valid_push(client) -> None:
    response, reply = _send_valid(client)
    assert response.status_code == 200
    assert "Hello World! I am" in reply or "<MsgType>news</MsgType>" in reply.replace(
        "<![CDATA[", ""
    ).replace("]]>", "")


def _send_valid(client):
    push = signed(build_push("event", "CLICK"), "safe")
    response = post(client, push)
    return response, read_reply(push, response.content.decode())


def check(client, test: str, response, rows_before: int) -> None:
    """The property every fuzz input must keep."""
    assert response.status_code in ALLOWED, (response.status_code, response.content[:300])
    if response.status_code != 200:
        assert InboundMessage.objects.count() == rows_before, "a rejected push was stored"
        assert b"Traceback" not in response.content
    if count(test) % CHECK_EVERY == 0:
        answers_valid_push(client)


def signed_query(mode: str = "plain") -> dict:
    return dict(signed(build_push("text"), mode).query)


def encrypted(xml: str, key: str | None = None, app_id: str | None = None) -> SignedPush:
    """`xml` encrypted (with the account's key unless told otherwise), correctly signed."""
    crypto = MessageCrypto(
        key or settings.WECHAT_ENCODING_AES_KEY, app_id or settings.WECHAT_APP_ID
    )
    return with_encrypt(crypto.encrypt(xml))


def with_encrypt(encrypted: str) -> SignedPush:
    query = signed_query()
    query.update(
        encrypt_type="aes",
        msg_signature=sign(settings.WECHAT_TOKEN, query["timestamp"], query["nonce"], encrypted),
    )
    body = to_xml({"ToUserName": "gh_wrist", "Encrypt": encrypted})
    # With the account's crypto, read_reply checks the reply's signature and decrypts it.
    account = MessageCrypto(settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APP_ID)
    return SignedPush(query, body, account, settings.WECHAT_TOKEN)


def sign_any(xml: str, mode: str) -> SignedPush:
    """Sign even a push that does not parse: plain as it is, or encrypted in safe mode."""
    return SignedPush(signed_query(), xml) if mode == "plain" else encrypted(xml)
