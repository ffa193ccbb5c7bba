"""Every function of `wechat.tools`: the request WeChat receives and the value returned."""

import base64
import json

import pytest
from django.conf import settings
from django.test import RequestFactory
from PIL import Image
from responses import matchers

from tests.conftest import FAKE_ACCESS_TOKEN
from wechat import crypto, tools

OK = {"errcode": 0, "errmsg": "ok"}
USER = "oUSER_OPENID_0123456789abcdef"


def url(path: str) -> str:
    return f"{settings.WECHAT_API_BASE_URL}{path}"


def token_query(**params) -> list:
    return [matchers.query_param_matcher({**params, "access_token": FAKE_ACCESS_TOKEN})]


def body_of(mock, path: str) -> dict:
    [call] = [c for c in mock.calls if c.request.path_url.split("?")[0] == "/" + path]
    return json.loads(call.request.body)


# --- checkSignature and getToken --------------------------------------------------


def test_check_signature_accepts_the_tokens_signature():
    signature = crypto.sign(settings.WECHAT_TOKEN, "1700000000", "n0nce")
    request = RequestFactory().get(
        "/wechat/", {"signature": signature, "timestamp": "1700000000", "nonce": "n0nce"}
    )
    assert tools.checkSignature(request) is True


@pytest.mark.parametrize(
    "query",
    [
        {"signature": "0" * 40, "timestamp": "1700000000", "nonce": "n0nce"},
        {"timestamp": "1700000000", "nonce": "n0nce"},
        {},
    ],
)
def test_check_signature_refuses_a_forged_or_missing_signature(query):
    assert tools.checkSignature(RequestFactory().get("/wechat/", query)) is False


def test_get_token_without_a_relay_is_this_accounts_token(wechat_api):
    assert tools.getToken() == FAKE_ACCESS_TOKEN
    [call] = wechat_api.calls
    assert call.request.method == "POST"
    assert json.loads(call.request.body) == {
        "grant_type": "client_credential",
        "appid": settings.WECHAT_APP_ID,
        "secret": settings.WECHAT_APP_SECRET,
        "force_refresh": False,
    }


# --- Hardware platform --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "encoded"),
    [("hello 你好", base64.b64encode("hello 你好".encode()).decode()), (b"\x00\xff\x10", "AP8Q")],
)
def test_trans_msg_posts_base64_content_with_open_id(wechat_api, content, encoded):
    answer = {"ret": 0, "ret_info": "this is ok"}
    wechat_api.post(url("device/transmsg"), json=answer, match=token_query())
    assert tools.transMsg("gh_type", "dev1", USER, content) == answer
    assert body_of(wechat_api, "device/transmsg") == {
        "device_type": "gh_type",
        "device_id": "dev1",
        "open_id": USER,
        "content": encoded,
    }


def test_trans_msg_refuses_content_that_is_neither_text_nor_bytes(wechat_api):
    with pytest.raises(TypeError, match="str or bytes"):
        tools.transMsg("gh_type", "dev1", USER, 5)
    assert len(wechat_api.calls) == 0


def qr_answer(ticket: str = "http://we.qq.com/d/AQBTICKET") -> dict:
    return {
        "base_resp": {"errcode": 0, "errmsg": "ok"},
        "device_num": 1,
        "code_list": [{"device_id": "dev1", "ticket": ticket}],
    }


def test_create_qr_by_device_id_returns_the_ticket(wechat_api):
    wechat_api.post(url("device/create_qrcode"), json=qr_answer(), match=token_query())
    assert tools.createQrByDeviceId("dev1") == "http://we.qq.com/d/AQBTICKET"
    assert body_of(wechat_api, "device/create_qrcode") == {
        "device_num": 1,
        "device_id_list": ["dev1"],
    }


def test_create_qr_by_device_id_writes_a_png_of_the_ticket(wechat_api, tmp_path):
    wechat_api.post(url("device/create_qrcode"), json=qr_answer())
    target = tmp_path / "dev1.png"
    tools.createQrByDeviceId("dev1", str(target))
    with Image.open(target) as image:
        assert image.format == "PNG"
        assert image.size[0] == image.size[1] > 100


def test_get_stat_gets_the_device_status(wechat_api):
    answer = {"errcode": 0, "errmsg": "ok", "status": 2, "status_info": "bound"}
    wechat_api.get(url("device/get_stat"), json=answer, match=token_query(device_id="dev1"))
    assert tools.getStat("dev1") == answer


def test_get_open_id_lists_the_bound_users(wechat_api):
    answer = {"open_id": [USER], "resp_msg": {"ret_code": 0, "error_info": "get open id list OK!"}}
    wechat_api.get(
        url("device/get_openid"),
        json=answer,
        match=token_query(device_type="gh_type", device_id="dev1"),
    )
    assert tools.getOpenId("gh_type", "dev1") == answer


@pytest.mark.parametrize(
    ("function", "path"), [("compelBind", "compel_bind"), ("compelUnbind", "compel_unbind")]
)
def test_compel_bind_and_unbind_post_device_id_and_openid(wechat_api, function, path):
    answer = {"base_resp": {"errcode": 0, "errmsg": "ok"}}
    wechat_api.post(url(f"device/{path}"), json=answer, match=token_query())
    assert getattr(tools, function)("dev1", USER) == answer
    assert body_of(wechat_api, f"device/{path}") == {"device_id": "dev1", "openid": USER}


def test_get_bind_device_queries_by_openid(wechat_api):
    answer = {
        "resp_msg": {"ret_code": 0, "error_info": "ok"},
        "openid": USER,
        "device_list": [{"device_type": "gh_type", "device_id": "dev1"}],
    }
    wechat_api.get(url("device/get_bind_device"), json=answer, match=token_query(openid=USER))
    assert tools.getBindDevice(USER) == answer


# --- Customer-service messages ------------------------------------------------------


def custom_send(wechat_api) -> None:
    wechat_api.post(url("cgi-bin/message/custom/send"), json=OK, match=token_query())


def sent(wechat_api) -> dict:
    return body_of(wechat_api, "cgi-bin/message/custom/send")


def test_custom_send_text(wechat_api):
    custom_send(wechat_api)
    assert tools.customSendText(USER, "你好") == OK
    assert sent(wechat_api) == {"touser": USER, "msgtype": "text", "text": {"content": "你好"}}


def test_custom_send_text_sends_chinese_as_utf8_not_escapes(wechat_api):
    custom_send(wechat_api)
    tools.customSendText(USER, "你好")
    [call] = [c for c in wechat_api.calls if "custom/send" in c.request.url]
    assert "你好".encode() in call.request.body


def test_custom_send_image_with_a_media_id_uploads_nothing(wechat_api):
    custom_send(wechat_api)
    assert tools.customSendImage(USER, None, "MEDIA_1") == OK
    assert sent(wechat_api) == {
        "touser": USER,
        "msgtype": "image",
        "image": {"media_id": "MEDIA_1"},
    }
    assert not [c for c in wechat_api.calls if "media/upload" in c.request.url]


def test_custom_send_image_with_a_file_uploads_it_then_sends_its_media_id(wechat_api, tmp_path):
    picture = tmp_path / "pic.png"
    picture.write_bytes(b"\x89PNG fake image bytes")
    wechat_api.post(
        url("cgi-bin/media/upload"),
        json={"type": "image", "media_id": "MEDIA_UP", "created_at": 1700000000},
        match=token_query(type="image"),
    )
    custom_send(wechat_api)
    assert tools.customSendImage(USER, str(picture)) == OK
    assert sent(wechat_api)["image"] == {"media_id": "MEDIA_UP"}


def test_custom_send_image_without_file_or_media_id_is_a_value_error(wechat_api):
    with pytest.raises(ValueError, match="filename or a mediaId"):
        tools.customSendImage(USER)


def test_custom_send_voice(wechat_api):
    custom_send(wechat_api)
    assert tools.customSendVoice(USER, "VOICE_1") == OK
    assert sent(wechat_api) == {
        "touser": USER,
        "msgtype": "voice",
        "voice": {"media_id": "VOICE_1"},
    }


def test_custom_send_video_with_title_and_description(wechat_api):
    custom_send(wechat_api)
    assert tools.customSendVideo(USER, "VIDEO_1", "Title", "Words") == OK
    assert sent(wechat_api)["video"] == {
        "media_id": "VIDEO_1",
        "title": "Title",
        "description": "Words",
    }


def test_custom_send_video_with_only_a_media_id(wechat_api):
    custom_send(wechat_api)
    tools.customSendVideo(USER, "VIDEO_1")
    assert sent(wechat_api) == {
        "touser": USER,
        "msgtype": "video",
        "video": {"media_id": "VIDEO_1"},
    }


def test_custom_send_article_sends_the_image_as_picurl(wechat_api):
    custom_send(wechat_api)
    answer = tools.customSendArticle(USER, "T", "D", "https://img/p.png", "https://site/a")
    assert answer == OK
    assert sent(wechat_api) == {
        "touser": USER,
        "msgtype": "news",
        "news": {
            "articles": [
                {
                    "title": "T",
                    "description": "D",
                    "url": "https://site/a",
                    "picurl": "https://img/p.png",
                }
            ]
        },
    }


def test_custom_send_articles_accepts_image_or_picurl(wechat_api):
    custom_send(wechat_api)
    tools.customSendArticles(
        USER,
        [
            {"title": "A", "description": "a", "url": "https://a", "image": "https://a.png"},
            {"title": "B", "url": "https://b", "picurl": "https://b.png"},
        ],
    )
    assert sent(wechat_api)["news"]["articles"] == [
        {"title": "A", "description": "a", "url": "https://a", "picurl": "https://a.png"},
        {"title": "B", "description": "", "url": "https://b", "picurl": "https://b.png"},
    ]


# --- Media and menu -------------------------------------------------------------------


def test_upload_media_posts_the_file_as_multipart_media(wechat_api, tmp_path):
    voice = tmp_path / "hello.amr"
    voice.write_bytes(b"#!AMR voice bytes")
    answer = {"type": "voice", "media_id": "MEDIA_V", "created_at": 1700000000}
    wechat_api.post(url("cgi-bin/media/upload"), json=answer, match=token_query(type="voice"))
    assert tools.uploadMedia("voice", str(voice)) == answer
    [call] = [c for c in wechat_api.calls if "media/upload" in c.request.url]
    assert call.request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="media"; filename="hello.amr"' in call.request.body
    assert b"#!AMR voice bytes" in call.request.body


def test_upload_media_refuses_an_unknown_type_without_calling_wechat(wechat_api, tmp_path):
    (tmp_path / "f.bin").write_bytes(b"x")
    with pytest.raises(ValueError, match="media type"):
        tools.uploadMedia("music", str(tmp_path / "f.bin"))
    assert len(wechat_api.calls) == 0


MENU = {"button": [{"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"}]}


@pytest.mark.parametrize("body", [MENU, json.dumps(MENU, ensure_ascii=False)])
def test_menu_create_posts_a_dict_or_json_text(wechat_api, body):
    wechat_api.post(url("cgi-bin/menu/create"), json=OK, match=token_query())
    assert tools.menuCreate(body) == OK
    assert body_of(wechat_api, "cgi-bin/menu/create") == MENU


def test_menu_create_refuses_text_that_is_not_json(wechat_api):
    with pytest.raises(ValueError, match="not valid JSON"):
        tools.menuCreate("{button: oops")
    assert len(wechat_api.calls) == 0


def test_menu_query_gets_the_menu(wechat_api):
    answer = {"menu": MENU}
    wechat_api.get(url("cgi-bin/menu/get"), json=answer, match=token_query())
    assert tools.menuQuery() == answer


def test_menu_delete(wechat_api):
    wechat_api.get(url("cgi-bin/menu/delete"), json=OK, match=token_query())
    assert tools.menuDelete() == OK


def test_every_call_follows_the_configured_base_url(wechat_api, settings):
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/proxy"
    wechat_api.post("http://127.0.0.1:9/proxy/cgi-bin/stable_token", json={"access_token": "T2"})
    wechat_api.get("http://127.0.0.1:9/proxy/device/get_stat", json={**OK, "status": 1})
    wechat_api.get("http://127.0.0.1:9/proxy/cgi-bin/menu/delete", json=OK)
    tools.getStat("dev1")
    tools.menuDelete()
    hosts = {c.request.url.split("/proxy/")[0] for c in wechat_api.calls}
    assert hosts == {"http://127.0.0.1:9"}
    assert [c.request.path_url.split("?")[0] for c in wechat_api.calls] == [
        "/proxy/cgi-bin/stable_token",
        "/proxy/device/get_stat",
        "/proxy/cgi-bin/menu/delete",
    ]
