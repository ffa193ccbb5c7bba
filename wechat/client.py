"""wechatpy's `WeChatClient`, with every URL under `WECHAT_API_BASE_URL` and a shared token.

wechatpy 1.8 hard-codes `https://api.weixin.qq.com/` for the token fetch and
for the device API, fetches the token with `cgi-bin/token` (which invalidates
the token every other process holds) and keeps it per client object. Here:

- every URL is built from `conf.api_base_url()` at call time;
- the token comes from `POST cgi-bin/stable_token` and lives in the Django
  cache (`TokenStore`), fetched once for all processes;
- device APIs use the relay's token when `WECHAT_DEVICE_TOKEN_URL` is set;
- a call refused for its token (40001, 42001, 40014) gets a fresh token and
  is sent once more;
- every request goes through `wechat.http.request` (timeouts, error shapes).
"""

import json

from wechatpy import WeChatClient
from wechatpy.client.api import WeChatDevice

from wechat import conf, http, relay
from wechat.exceptions import WeChatAPIError
from wechat.token_store import DjangoCacheStorage, TokenStore

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
WECHATPY_HOST = "https://api.weixin.qq.com/"


def own_token_store() -> TokenStore:
    """This account's token, shared through the cache under its app id."""
    return TokenStore(
        f"{conf.app_id()}_access_token", lambda stale: fetch_stable_token(stale is not None)
    )


def fetch_stable_token(force_refresh: bool) -> tuple[str, int]:
    """`POST cgi-bin/stable_token`: unlike `cgi-bin/token` it leaves others' tokens valid."""
    # WeChat's own codes for what it would answer, without a round trip (and
    # without the worker retrying a send that cannot succeed).
    if not conf.app_id():
        raise WeChatAPIError(41002, "WECHAT_APP_ID is not set", "cgi-bin/stable_token")
    if not conf.app_secret():
        raise WeChatAPIError(41004, "WECHAT_APP_SECRET is not set", "cgi-bin/stable_token")
    answer = http.request(
        "post",
        f"{conf.api_base_url()}cgi-bin/stable_token",
        api="cgi-bin/stable_token",
        secrets=(conf.app_secret(),),
        json={
            "grant_type": "client_credential",
            "appid": conf.app_id(),
            "secret": conf.app_secret(),
            "force_refresh": force_refresh,
        },
    )
    if not answer.get("access_token"):
        raise WeChatAPIError(
            http.BAD_ANSWER, "no access_token in the answer", "cgi-bin/stable_token"
        )
    return answer["access_token"], int(answer.get("expires_in") or 7200)


class DeviceAPI(WeChatDevice):
    """wechatpy's device API under our base URL, with the device token."""

    @property
    def API_BASE_URL(self) -> str:  # noqa: N802 (wechatpy's name)
        return conf.api_base_url() + "device/"

    def _get(self, url, **kwargs):
        return super()._get(url, token_kind="device", **kwargs)

    def _post(self, url, **kwargs):
        return super()._post(url, token_kind="device", **kwargs)


class WristClient(WeChatClient):
    """The client every `wechat.tools` function uses."""

    device = DeviceAPI()

    def __init__(self) -> None:
        # Whatever wechatpy itself caches (JS-API tickets…) is shared like the token.
        super().__init__(conf.app_id(), conf.app_secret(), session=DjangoCacheStorage())
        self._http = http.session()
        self.tokens = own_token_store()

    @property
    def API_BASE_URL(self) -> str:  # noqa: N802 (wechatpy's name)
        return conf.api_base_url() + "cgi-bin/"

    @property
    def access_token(self) -> str:
        # `self.tokens` is unset while wechatpy's __new__ inspects the instance,
        # so the AttributeError keeps that inspection from fetching a token.
        return self.tokens.token()

    def fetch_access_token(self) -> dict:
        token, _ = fetch_stable_token(force_refresh=False)
        return {"access_token": token}

    def device_token(self, stale: str | None = None) -> str:
        """The relay's token when one is configured, else this account's."""
        if conf.device_token_url():
            return relay.relay_token(stale)
        return self.tokens.token(stale)

    def _request(self, method, url_or_endpoint, **kwargs):
        url = self._url(url_or_endpoint, kwargs.pop("api_base_url", None))
        api = url[len(conf.api_base_url()) :] if url.startswith(conf.api_base_url()) else url
        token_for = (
            self.device_token if kwargs.pop("token_kind", "") == "device" else self.tokens.token
        )
        processor = kwargs.pop("result_processor", None)
        params = dict(kwargs.pop("params", None) or {})
        if isinstance(kwargs.get("data"), dict | list):
            kwargs["data"] = json.dumps(kwargs["data"], ensure_ascii=False).encode()
        kwargs.pop("timeout", None)  # ours, from conf, always applies
        token = token_for()
        try:
            answer = self._send(method, url, api, token, params, kwargs)
        except WeChatAPIError as err:
            if err.errcode not in TOKEN_ERRORS:
                raise
            token = token_for(stale=token)
            answer = self._send(method, url, api, token, params, kwargs)
        return processor(answer) if processor else answer

    @staticmethod
    def _url(url_or_endpoint: str, base: str | None) -> str:
        if url_or_endpoint.startswith(WECHATPY_HOST):
            return conf.api_base_url() + url_or_endpoint[len(WECHATPY_HOST) :]
        if url_or_endpoint.startswith(("http://", "https://")):
            return url_or_endpoint
        base = base or conf.api_base_url() + "cgi-bin/"
        if base.startswith(WECHATPY_HOST):
            base = conf.api_base_url() + base[len(WECHATPY_HOST) :]
        return base + url_or_endpoint

    @staticmethod
    def _send(method, url, api, token, params, kwargs) -> dict:
        return http.request(
            method, url, api, secrets=(token,), params={**params, "access_token": token}, **kwargs
        )


def client() -> WristClient:
    """A client reading the settings of this moment (cheap: its state is in the cache)."""
    return WristClient()
