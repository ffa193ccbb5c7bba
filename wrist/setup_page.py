"""The setup page at `/`: what to type into the test account, and whether it works.

Staff only. It shows the callback URL (built from this request's host) and
the Token, which credentials are set (never the secret itself), checks the
app id and secret by fetching a token on request, and when the last push came.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from wechat import conf
from wechat.client import fetch_stable_token
from wechat.crypto import decode_aes_key
from wechat.exceptions import WeChatAPIError
from wechat.models import InboundMessage

CALLBACK_PATH = "/wechat/"


@staff_member_required
@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest) -> HttpResponse:
    context = {
        "callback_url": request.build_absolute_uri(CALLBACK_PATH),
        "token": conf.token(),
        "app_id": conf.app_id(),
        "secret_set": bool(conf.app_secret()),
        "aes_key": aes_key_state(),
        "device_token_url_set": bool(conf.device_token_url()),
        "last_push": InboundMessage.objects.order_by("-received_at").first(),
        "check": check_credentials() if request.method == "POST" else None,
    }
    return render(request, "setup.html", context)


def aes_key_state() -> str:
    """`unset`, `valid` or `malformed`: the key itself is never shown."""
    key = conf.encoding_aes_key()
    if not key:
        return "unset"
    try:
        decode_aes_key(key)
    except ValueError:
        return "malformed"
    return "valid"


def check_credentials() -> dict:
    """Fetch a token with the app id and secret; the token itself is not kept or shown."""
    if not conf.app_id() or not conf.app_secret():
        return {"ok": False, "text": "Set WECHAT_APP_ID and WECHAT_APP_SECRET first."}
    try:
        _, expires_in = fetch_stable_token(force_refresh=False)
    except WeChatAPIError as err:
        return {"ok": False, "text": f"WeChat refused: {err.errmsg} (errcode {err.errcode})"}
    return {
        "ok": True,
        "text": f"WeChat issued an access token (valid for {expires_in} s): "
        "the app id and secret are right.",
    }


urlpatterns = [path("", setup_page, name="setup")]
