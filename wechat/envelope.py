"""Verify, unwrap and wrap a push: the protocol layer of the callback.

Plain mode sends the message as the body. Compatible and safe mode
(`encrypt_type=aes`) send it AES-encrypted in `<Encrypt>`, signed by
`msg_signature`, and expect the reply encrypted the same way.
"""

import secrets

from django.http import HttpRequest

from wechat import conf
from wechat.crypto import MessageCrypto, encrypted_envelope, signature_matches
from wechat.exceptions import BadSignature, DecryptionFailed, MalformedPush, PushTooLarge
from wechat.inbox import EMPTY_REPLY
from wechat.parsing import xml_to_dict


def verify_signature(request: HttpRequest) -> None:
    """Check the query `signature` that WeChat puts on every request."""
    query = request.GET
    token = conf.token()
    if not token or not signature_matches(
        query.get("signature", ""), token, query.get("timestamp", ""), query.get("nonce", "")
    ):
        raise BadSignature("signature does not match WECHAT_TOKEN")


def read_body(request: HttpRequest) -> bytes:
    """The body, refused with 413 past the size of any real push."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > conf.MAX_PUSH_BYTES:
        raise PushTooLarge(f"the body is over {conf.MAX_PUSH_BYTES} bytes")
    body = request.read(conf.MAX_PUSH_BYTES + 1)
    if len(body) > conf.MAX_PUSH_BYTES:
        raise PushTooLarge(f"the body is over {conf.MAX_PUSH_BYTES} bytes")
    return body


def is_encrypted(request: HttpRequest) -> bool:
    return request.GET.get("encrypt_type", "raw").lower() == "aes"


def account_crypto() -> MessageCrypto:
    key = conf.encoding_aes_key()
    if not key:
        raise DecryptionFailed("an encrypted push arrived but WECHAT_ENCODING_AES_KEY is not set")
    try:
        return MessageCrypto(key, conf.app_id())
    except ValueError as err:
        raise DecryptionFailed(f"WECHAT_ENCODING_AES_KEY is malformed: {err}") from err


def unwrap(request: HttpRequest, body: bytes) -> str:
    """The push's plain XML: the body itself, or the decrypted `<Encrypt>`."""
    if not is_encrypted(request):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise MalformedPush("the body is not UTF-8") from err
    encrypted = xml_to_dict(body).get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise MalformedPush("an encrypted push must carry <Encrypt>")
    query = request.GET
    if not signature_matches(
        query.get("msg_signature", ""),
        conf.token(),
        query.get("timestamp", ""),
        query.get("nonce", ""),
        encrypted,
    ):
        raise BadSignature("msg_signature does not match WECHAT_TOKEN")
    return account_crypto().decrypt(encrypted)


def wrap(request: HttpRequest, reply: str) -> str:
    """The reply as sent: encrypted when the push was (the empty reply never is)."""
    if reply == EMPTY_REPLY or not is_encrypted(request):
        return reply
    nonce = str(secrets.randbelow(10**10))
    return encrypted_envelope(account_crypto(), conf.token(), reply, nonce)
