"""`manage.py wechat_menu show|create FILE|delete`."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

DEMO_MENU = Path(settings.BASE_DIR) / "menus" / "demo_menu.json"
OK = {"errcode": 0, "errmsg": "ok"}


def url(path: str) -> str:
    return f"{settings.WECHAT_API_BASE_URL}{path}"


def run(*args) -> str:
    out = StringIO()
    call_command("wechat_menu", *args, stdout=out)
    return out.getvalue()


def test_the_sample_menu_has_click_and_view_buttons():
    menu = json.loads(DEMO_MENU.read_text(encoding="utf-8"))
    buttons = [*menu["button"], *[sub for b in menu["button"] for sub in b.get("sub_button", [])]]
    assert {button.get("type") for button in buttons} >= {"click", "view"}


def test_create_posts_the_files_menu(wechat_api):
    wechat_api.post(url("cgi-bin/menu/create"), json=OK)
    assert "Menu created" in run("create", str(DEMO_MENU))
    [call] = [c for c in wechat_api.calls if "menu/create" in c.request.url]
    assert json.loads(call.request.body) == json.loads(DEMO_MENU.read_text(encoding="utf-8"))


def test_show_prints_the_menu_as_json(wechat_api):
    menu = {"menu": {"button": [{"type": "click", "name": "今日歌曲", "key": "V1001"}]}}
    wechat_api.get(url("cgi-bin/menu/get"), json=menu)
    assert json.loads(run("show")) == menu


def test_show_without_a_menu_says_so(wechat_api):
    wechat_api.get(url("cgi-bin/menu/get"), json={"errcode": 46003, "errmsg": "menu no exist"})
    assert run("show").strip() == "No menu is set."


def test_delete_deletes_the_menu(wechat_api):
    wechat_api.get(url("cgi-bin/menu/delete"), json=OK)
    assert "Menu deleted" in run("delete")
    assert len([c for c in wechat_api.calls if "menu/delete" in c.request.url]) == 1


def test_a_wechat_error_is_a_command_error_with_code_and_message(wechat_api):
    wechat_api.post(
        url("cgi-bin/menu/create"), json={"errcode": 40018, "errmsg": "invalid button name size"}
    )
    with pytest.raises(
        CommandError, match=r"cgi-bin/menu/create failed: \[40018\] invalid button name size"
    ):
        run("create", str(DEMO_MENU))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        ('{"menu": []}', 'a "button" list'),
        ("[1, 2]", 'a "button" list'),
    ],
    ids=["missing", "not-json", "no-button", "not-object"],
)
def test_a_bad_menu_file_is_a_command_error_and_calls_nothing(
    wechat_api, tmp_path, content, message
):
    path = tmp_path / "menu.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("create", str(path))
    assert len(wechat_api.calls) == 0


def test_an_unknown_action_is_refused():
    with pytest.raises(CommandError):
        run("rename")
