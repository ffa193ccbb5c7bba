"""Send one signed push to a running target and read its answer, as WeChat would."""

import urllib.error
import urllib.request
from urllib.parse import urlencode

from bench import config
from wechat.simulate import SignedPush, read_reply, sign_push


def sign(xml: str, mode: str = "safe", nonce: str | None = None) -> SignedPush:
    """Sign (and encrypt) `xml` for the bench account."""
    return sign_push(
        xml,
        config.TOKEN,
        mode=mode,
        encoding_aes_key=config.ENCODING_AES_KEY,
        app_id=config.APP_ID,
        nonce=nonce,
    )


def post_push(url: str, xml: str, mode: str = "safe", timeout: float = 10) -> tuple[int, str, str]:
    """POST `xml` to `url`/wechat/ in `mode`; (status, decrypted reply or body, content type)."""
    push = sign(xml, mode)
    request = urllib.request.Request(
        f"{url}/wechat/?{urlencode(push.query)}",
        data=push.body.encode(),
        headers={"Content-Type": "text/xml"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (local URL)
            body = response.read().decode()
            return response.status, read_reply(push, body), response.headers["Content-Type"]
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), err.headers["Content-Type"]
