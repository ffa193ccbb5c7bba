"""The one request helper: timeouts, error shapes and token masking for every outbound call.

Every failure becomes a `WeChatAPIError`. WeChat's own errors keep WeChat's
code; failures that never got a WeChat answer get a negative code of ours:

    -1001 CONNECT_FAILED  the request was not sent (DNS, refused, connect timeout)
    -1002 NO_ANSWER       sent, but no answer (read timeout, connection lost):
                          WeChat may have acted on it
    -1003 SERVER_ERROR    HTTP 5xx from WeChat or a proxy
    -1004 HTTP_ERROR      any other non-2xx HTTP status
    -1005 BAD_ANSWER      the answer is not JSON
"""

import functools
import json
import logging
import re
import time

import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from wechat import conf
from wechat.exceptions import WeChatAPIError

logger = logging.getLogger(__name__)

CONNECT_FAILED = -1001
NO_ANSWER = -1002
SERVER_ERROR = -1003
HTTP_ERROR = -1004
BAD_ANSWER = -1005

_TOKEN_IN_TEXT = re.compile(r"((?:access_)?token=)[^&\s'\"]+")


def mask(text: str, *secrets: str) -> str:
    """`text` with every access_token/token query value, and each of `secrets`, masked.

    Secrets shorter than 8 characters are left alone: replacing every "s" of
    a message would garble it, and real tokens and secrets are far longer.
    """
    text = _TOKEN_IN_TEXT.sub(r"\1***", str(text))
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "***")
    return text


@functools.cache
def session() -> requests.Session:
    """One connection pool per process (its state is connections, never tokens)."""
    return requests.Session()


def error_of(answer) -> tuple[int, str] | None:
    """WeChat's error in any of its shapes, or None when the answer is a success.

    cgi-bin APIs: `errcode`/`errmsg`; device APIs: `base_resp.errcode`,
    `resp_msg.ret_code`/`error_info` (get_openid), `ret`/`ret_info` (transmsg).
    """
    if not isinstance(answer, dict):
        return None
    base_resp = answer.get("base_resp") if isinstance(answer.get("base_resp"), dict) else {}
    resp_msg = answer.get("resp_msg") if isinstance(answer.get("resp_msg"), dict) else {}
    shapes = (
        (answer.get("errcode"), answer.get("errmsg")),
        (base_resp.get("errcode"), base_resp.get("errmsg")),
        (resp_msg.get("ret_code"), resp_msg.get("error_info")),
        (answer.get("ret"), answer.get("ret_info")),
    )
    for code, message in shapes:
        if code is None or code == "":
            continue
        try:
            number = int(code)
        except (TypeError, ValueError):
            return BAD_ANSWER, f"unreadable error code {code!r}"
        if number != 0:
            return number, str(message or "")
    return None


def never_sent(err: requests.RequestException) -> bool:
    """True when the request never left: retrying it cannot send anything twice."""
    if isinstance(err, requests.ConnectTimeout):
        return True
    reason = getattr(err.args[0], "reason", None) if err.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError | NameResolutionError)


def request(method: str, url: str, api: str, secrets: tuple[str, ...] = (), **kwargs) -> dict:
    """Send one request and return its decoded JSON answer, or raise `WeChatAPIError`.

    `api` names the call in errors; `secrets` (the token sent) are masked in
    any message built from a library error, which may quote the URL.
    """
    kwargs.setdefault("timeout", conf.api_timeout())
    started = time.perf_counter()
    try:
        response = session().request(method, url, **kwargs)
    except requests.RequestException as err:
        code = CONNECT_FAILED if never_sent(err) else NO_ANSWER
        # Not chained: the library's exception quotes the URL, access token included.
        raise WeChatAPIError(code, mask(f"{type(err).__name__}: {err}", *secrets), api) from None
    logger.debug(
        "%s %s -> %s in %.0f ms",
        method.upper(),
        api,
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
    if response.status_code >= 500:
        raise WeChatAPIError(SERVER_ERROR, f"HTTP {response.status_code}", api, response)
    if not 200 <= response.status_code < 300:
        raise WeChatAPIError(HTTP_ERROR, f"HTTP {response.status_code}", api, response)
    try:
        answer = json.loads(response.content.decode("utf-8", "replace"))
    except ValueError:
        raise WeChatAPIError(BAD_ANSWER, "the answer is not JSON", api, response) from None
    error = error_of(answer)
    if error:
        raise WeChatAPIError(error[0], error[1], api, response)
    return answer
