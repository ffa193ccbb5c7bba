"""The ceiling: the callback's protocol work with no framework and no database.

A bare WSGI app that does what every push costs at the least: verify the
signature, decrypt (AES mode), parse with wechatpy, build a text reply,
encrypt it (AES mode). wrist's throughput is reported as a fraction of this.
"""

import secrets
from urllib.parse import parse_qs

import xmltodict
from wechatpy import parse_message
from wechatpy.replies import TextReply

from bench import config
from wechat.crypto import MessageCrypto, encrypted_envelope, signature_matches

_CRYPTO = MessageCrypto(config.ENCODING_AES_KEY, config.APP_ID)
_MAX_BODY = 64 * 1024


def _answer(start_response, status: str, body: str, content_type: str = "text/plain"):
    data = body.encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not signature_matches(query.get("signature", ""), config.TOKEN, timestamp, nonce):
        return _answer(start_response, "403 Forbidden", "bad signature")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(min(length, _MAX_BODY)).decode()
    encrypted = query.get("encrypt_type") == "aes"
    if encrypted:
        cipher_text = xmltodict.parse(body)["xml"]["Encrypt"]
        if not signature_matches(
            query.get("msg_signature", ""), config.TOKEN, timestamp, nonce, cipher_text
        ):
            return _answer(start_response, "403 Forbidden", "bad msg_signature")
        body = _CRYPTO.decrypt(cipher_text)
    message = parse_message(body)
    reply = TextReply(content=f"Hello World! I am {message.type}", message=message).render()
    if encrypted:
        reply = encrypted_envelope(_CRYPTO, config.TOKEN, reply, str(secrets.randbelow(10**10)))
    return _answer(start_response, "200 OK", reply, "application/xml")
