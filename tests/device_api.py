"""Register WeChat's device endpoints on the `wechat_api` stand-in (a `responses` mock).

Each helper answers one endpoint as WeChat does; pass `errcode` to make WeChat
refuse in the shape that endpoint uses.
"""

import json

from django.conf import settings
from responses import RequestsMock

OK = {"base_resp": {"errcode": 0, "errmsg": "ok"}}


def url(endpoint: str) -> str:
    return f"{settings.WECHAT_API_BASE_URL}device/{endpoint}"


def refusal(errcode: int, errmsg: str) -> dict:
    return {"base_resp": {"errcode": errcode, "errmsg": errmsg}}


def get_stat(api: RequestsMock, status: int = 1, info: str = "authorized", errcode: int = 0):
    body = (
        {"errcode": 0, "errmsg": "ok", "status": status, "status_info": info}
        if not errcode
        else {"errcode": errcode, "errmsg": info}
    )
    return api.get(url("get_stat"), json=body)


def get_openid(api: RequestsMock, openids: list[str], errcode: int = 0, info: str = ""):
    body = {
        "open_id": openids,
        "resp_msg": {"ret_code": errcode, "error_info": info or "get open id list OK!"},
    }
    return api.get(url("get_openid"), json=body)


def transmsg(api: RequestsMock, ret: int = 0, info: str = "this is ok"):
    return api.post(url("transmsg"), json={"ret": ret, "ret_info": info})


def create_qrcode(api: RequestsMock, device_id: str = "dev_1", errcode: int = 0):
    body = (
        {**OK, "device_num": 1, "code_list": [{"device_id": device_id, "ticket": "T_" + device_id}]}
        if not errcode
        else refusal(errcode, "device not exist")
    )
    return api.post(url("create_qrcode"), json=body)


def compel_bind(api: RequestsMock, errcode: int = 0, errmsg: str = "ok"):
    return api.post(url("compel_bind"), json=refusal(errcode, errmsg) if errcode else OK)


def compel_unbind(api: RequestsMock, errcode: int = 0, errmsg: str = "ok"):
    return api.post(url("compel_unbind"), json=refusal(errcode, errmsg) if errcode else OK)


def sent_json(api: RequestsMock, endpoint: str) -> list[dict]:
    """The JSON bodies posted to `endpoint`, in order."""
    return [
        json.loads(call.request.body)
        for call in api.calls
        if call.request.url.split("?")[0] == url(endpoint)
    ]


def query_of(api: RequestsMock, endpoint: str) -> list[dict]:
    """The query parameters (without the access token) of each call to `endpoint`."""
    from urllib.parse import parse_qs, urlsplit

    calls = [c for c in api.calls if c.request.url.split("?")[0] == url(endpoint)]
    queries = [parse_qs(urlsplit(c.request.url).query) for c in calls]
    return [{k: v[0] for k, v in q.items() if k != "access_token"} for q in queries]
