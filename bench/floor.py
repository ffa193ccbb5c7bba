"""The Django floor: the least a Django view storing each push can cost.

No middleware, one URL: verify, decrypt, parse (as the ceiling), then one ORM
INSERT of the push, then the reply. No deduplication wait, no handler table,
no outcome update. Settings: `bench.floor_settings`. It shows how
much of wrist's cost is Django plus one row, and how much is wrist's own.
"""

import secrets

import xmltodict
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from wechatpy import parse_message
from wechatpy.replies import TextReply

from bench import config
from wechat.crypto import MessageCrypto, encrypted_envelope, signature_matches
from wechat.models import InboundMessage

_CRYPTO = MessageCrypto(config.ENCODING_AES_KEY, config.APP_ID)


@csrf_exempt
def callback(request: HttpRequest) -> HttpResponse:
    query = request.GET
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not signature_matches(query.get("signature", ""), config.TOKEN, timestamp, nonce):
        return HttpResponse("bad signature", status=403)
    body = request.body.decode()
    encrypted = query.get("encrypt_type") == "aes"
    if encrypted:
        cipher_text = xmltodict.parse(body)["xml"]["Encrypt"]
        if not signature_matches(
            query.get("msg_signature", ""), config.TOKEN, timestamp, nonce, cipher_text
        ):
            return HttpResponse("bad msg_signature", status=403)
        body = _CRYPTO.decrypt(cipher_text)
    message = parse_message(body)
    reply = TextReply(content=f"Hello World! I am {message.type}", message=message).render()
    InboundMessage.objects.create(
        dedup_key=f"msg:{message.id}",
        kind=message.type,
        msg_type=message.type,
        sender=message.source,
        xml=body,
        encrypted=encrypted,
        status=InboundMessage.Status.ANSWERED,
        reply=reply,
        received_at=timezone.now(),
    )
    if encrypted:
        reply = encrypted_envelope(_CRYPTO, config.TOKEN, reply, str(secrets.randbelow(10**10)))
    return HttpResponse(reply, content_type="application/xml")


urlpatterns = [path("wechat/", callback)]
