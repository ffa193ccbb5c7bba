"""Bad input gets a clear status, stores nothing it should not, and never a 500."""

import base64

import pytest
from django.conf import settings

from tests.pushes import post, signed
from wechat.crypto import MessageCrypto, sign
from wechat.models import InboundMessage
from wechat.simulate import SignedPush, build_push, to_xml

pytestmark = pytest.mark.django_db


def raw_push(body: bytes | str, **query) -> SignedPush:
    """A correctly signed POST whose body is whatever the test wants."""
    good = signed(build_push("text"))
    return SignedPush({**good.query, **query}, body if isinstance(body, str) else body.decode())


def post_bytes(client, body: bytes, query: dict):
    return client.post("/wechat/", body, content_type="text/xml", query_params=query)


def with_encrypt(push: SignedPush, encrypted: str) -> SignedPush:
    """A safe-mode push carrying `encrypted`, correctly signed, so it reaches decryption."""
    query = {
        **push.query,
        "encrypt_type": "aes",
        "msg_signature": sign(
            settings.WECHAT_TOKEN, push.query["timestamp"], push.query["nonce"], encrypted
        ),
    }
    return SignedPush(query, to_xml({"Encrypt": encrypted}))


def test_push_without_signature_is_403_and_not_stored(client):
    push = signed(build_push("text"))
    del push.query["signature"]
    response = post(client, push)
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0


def test_push_with_forged_signature_is_403_and_not_stored(client):
    push = signed(build_push("text"))
    push.query["signature"] = sign("guessed-token", push.query["timestamp"], push.query["nonce"])
    response = post(client, push)
    assert response.status_code == 403
    assert b"signature" in response.content
    assert InboundMessage.objects.count() == 0


def test_push_with_signature_of_other_timestamp_is_403(client):
    push = signed(build_push("text"))
    push.query["timestamp"] = str(int(push.query["timestamp"]) + 1)
    assert post(client, push).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "hello, not xml",
        "<xml><MsgType>text</MsgType>",
        "<notxml><MsgType>text</MsgType></notxml>",
        "<xml><Content>no type</Content></xml>",
        "<xml><MsgType><a>nested</a></MsgType></xml>",
        "<xml><MsgType>event</MsgType><FromUserName>o</FromUserName></xml>",
        '{"MsgType": "text"}',
    ],
)
def test_malformed_body_is_400_and_not_stored(client, body):
    response = post(client, raw_push(body))
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_non_utf8_body_is_400(client):
    push = raw_push("")
    response = post_bytes(client, b"<xml><MsgType>\xff\xfe</MsgType></xml>", push.query)
    assert response.status_code == 400


def test_body_over_64_kib_is_413(client):
    body = build_push("text", content="x" * (64 * 1024))
    response = post(client, raw_push(body))
    assert response.status_code == 413
    assert InboundMessage.objects.count() == 0


def test_body_of_exactly_64_kib_is_accepted(client):
    body = build_push("text", content="")
    filler = "y" * (65536 - len(body.encode()))
    body = body.replace("<Content></Content>", f"<Content>{filler}</Content>")
    assert len(body.encode()) == 65536
    assert post(client, raw_push(body)).status_code == 200


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<xml><MsgType>text</MsgType><Content>&lol3;</Content></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><MsgType>text</MsgType><Content>&xxe;</Content></xml>"
)
BARE_DTD = '<!DOCTYPE xml SYSTEM "http://example.com/x.dtd"><xml><MsgType>text</MsgType></xml>'


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, BARE_DTD])
def test_xml_with_dtd_or_entities_is_400_without_expanding(client, body):
    response = post(client, raw_push(body))
    assert response.status_code == 400
    assert b"DTD" in response.content
    assert InboundMessage.objects.count() == 0


def test_encrypted_push_with_dtd_inside_is_400(client):
    crypto = MessageCrypto(settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APP_ID)
    push = with_encrypt(signed(EXTERNAL_ENTITY, "plain"), crypto.encrypt(EXTERNAL_ENTITY))
    response = post(client, push)
    assert response.status_code == 400


def test_safe_push_encrypted_with_a_wrong_key_is_400(client):
    push = signed(build_push("text"), "safe")
    wrong = MessageCrypto("Z" * 43, settings.WECHAT_APP_ID).encrypt(push.plain_xml)
    response = post(client, with_encrypt(push, wrong))
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_safe_push_for_another_app_id_is_400(client):
    push = signed(build_push("text"), "safe")
    other = MessageCrypto(settings.WECHAT_ENCODING_AES_KEY, "wx_other").encrypt(push.plain_xml)
    response = post(client, with_encrypt(push, other))
    assert response.status_code == 400
    assert b"app id" in response.content


def test_tampered_encrypt_with_recomputed_msg_signature_is_400(client):
    push = signed(build_push("text"), "safe")
    raw = bytearray(base64.b64decode(push.crypto.encrypt(push.plain_xml)))
    raw[-1] ^= 0x55  # breaks the padding of the last block
    tampered = base64.b64encode(bytes(raw)).decode()
    response = post(client, with_encrypt(push, tampered))
    assert response.status_code == 400


def test_truncated_encrypt_is_400(client):
    push = signed(build_push("text"), "safe")
    truncated = push.crypto.encrypt(push.plain_xml)[:-24]
    response = post(client, with_encrypt(push, truncated))
    assert response.status_code == 400


def test_tampered_encrypt_without_a_matching_msg_signature_is_403(client):
    push = signed(build_push("text"), "safe")
    body = push.body.replace("<Encrypt>", "<Encrypt>AAAA")
    assert post(client, SignedPush(push.query, body)).status_code == 403


def test_encrypted_push_without_encrypt_element_is_400(client):
    push = signed(build_push("text"), "plain")
    push.query["encrypt_type"] = "aes"
    assert post(client, push).status_code == 400


def test_encrypted_push_when_no_aes_key_is_configured_is_400(client, settings):
    push = signed(build_push("text"), "safe")
    settings.WECHAT_ENCODING_AES_KEY = ""
    response = post(client, push)
    assert response.status_code == 400
    assert b"WECHAT_ENCODING_AES_KEY" in response.content


def test_encrypted_push_with_a_malformed_configured_key_is_400_not_500(client, settings):
    push = signed(build_push("text"), "safe")
    settings.WECHAT_ENCODING_AES_KEY = "too-short"
    assert post(client, push).status_code == 400
