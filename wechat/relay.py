"""The device-token relay, both sides (the demo's `getToken()`).

Device APIs may need the token of another account (the service account that
authorised the devices). With `WECHAT_DEVICE_TOKEN_URL` set, this process asks
that URL for it, presenting `Authorization: Bearer $WECHAT_TOKEN_RELAY_KEY`,
and keeps it in the shared cache for its lifetime. The relay answers JSON
`{"access_token": ..., "expires_in": ...}` or the bare token as text.

A relay running wrist serves its own token at `GET /wechat/token` (see
`serve_token`). When a device call is refused for the relay's token, the
client asks again with `?stale=<sha256 of that token>`, and a wrist relay
replaces its token if it is still that one.
"""

import hashlib
import hmac

import requests
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from wechat import conf, http
from wechat.exceptions import WeChatAPIError
from wechat.token_store import TokenStore

PLAIN_TOKEN_SECONDS = 300  # a plain-text answer says nothing of its lifetime: keep it 5 min
API = "token relay"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def relay_token(stale: str | None = None) -> str:
    """The relay's token, from the cache or fetched once for every process."""
    url_digest = hashlib.sha256(conf.device_token_url().encode()).hexdigest()[:16]
    return TokenStore(f"relay_{url_digest}_access_token", _fetch).token(stale)


def _fetch(stale: str | None) -> tuple[str, int]:
    key = conf.token_relay_key()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    params = {"stale": token_digest(stale)} if stale else {}
    return _parse(_get(headers, params, key))


def _get(headers: dict, params: dict, key: str) -> requests.Response:
    try:
        response = http.session().get(
            conf.device_token_url(), headers=headers, params=params, timeout=conf.api_timeout()
        )
    except requests.RequestException as err:
        code = http.CONNECT_FAILED if http.never_sent(err) else http.NO_ANSWER
        raise WeChatAPIError(code, http.mask(str(err), key), API) from None
    if response.status_code != 200:
        code = http.SERVER_ERROR if response.status_code >= 500 else http.HTTP_ERROR
        raise WeChatAPIError(code, f"HTTP {response.status_code}", API, response)
    return response


def _parse(response: requests.Response) -> tuple[str, int]:
    text = response.text.strip()
    if not text.startswith("{"):
        if not text or any(char.isspace() for char in text):
            raise WeChatAPIError(http.BAD_ANSWER, "the relay's answer is not a token", API)
        return text, PLAIN_TOKEN_SECONDS
    try:
        answer = response.json()
    except ValueError:
        raise WeChatAPIError(http.BAD_ANSWER, "the relay's answer is not JSON", API) from None
    error = http.error_of(answer)
    if error:
        raise WeChatAPIError(error[0], error[1], API, response)
    if not answer.get("access_token"):
        raise WeChatAPIError(http.BAD_ANSWER, "no access_token in the relay's answer", API)
    return str(answer["access_token"]), int(answer.get("expires_in") or PLAIN_TOKEN_SECONDS)


@require_GET
def serve_token(request: HttpRequest) -> HttpResponse:
    """`GET /wechat/token`: this account's token, to a client bearing the relay key."""
    key = conf.token_relay_key()
    if not key:
        raise Http404("the token relay is off (WECHAT_TOKEN_RELAY_KEY is unset)")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.encode(), key.encode()):
        return JsonResponse({"errcode": 403, "errmsg": "wrong relay key"}, status=403)
    from wechat.client import own_token_store  # late: the client imports this module

    store = own_token_store()
    try:
        token = store.token()
        stale = request.GET.get("stale", "")
        if stale and hmac.compare_digest(stale, token_digest(token)):
            token = store.token(stale=token)
    except WeChatAPIError as err:
        return JsonResponse({"errcode": err.errcode, "errmsg": err.errmsg}, status=502)
    response = JsonResponse({"access_token": token, "expires_in": store.remaining()})
    response["Cache-Control"] = "no-store"
    return response
