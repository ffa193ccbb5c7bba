"""Configuration problems surface at start-up or in `manage.py check`, not at the first push."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wechat.checks import check_wechat_settings

ROOT = Path(__file__).resolve().parent.parent


def ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_complete_configuration_has_no_messages():
    assert check_wechat_settings() == []


def test_missing_token_is_warned(settings):
    settings.WECHAT_TOKEN = ""
    assert ids(check_wechat_settings()) == {"wechat.W001"}


def test_missing_credentials_are_warned(settings):
    settings.WECHAT_APP_SECRET = ""
    assert ids(check_wechat_settings()) == {"wechat.W002"}


@pytest.mark.parametrize("key", ["short", "!" * 43])
def test_malformed_aes_key_is_an_error(settings, key):
    settings.WECHAT_ENCODING_AES_KEY = key
    messages = check_wechat_settings()
    assert ids(messages) == {"wechat.E001"}
    assert "WECHAT_ENCODING_AES_KEY" in messages[0].msg


def test_aes_key_without_app_id_is_an_error(settings):
    settings.WECHAT_APP_ID = ""
    assert ids(check_wechat_settings()) == {"wechat.W002", "wechat.E002"}


def run_django(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WECHAT_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "wrist.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_without_debug_is_a_clear_startup_error(tmp_path):
    result = run_django({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_invalid_boolean_is_a_clear_startup_error():
    result = run_django({"DJANGO_DEBUG": "maybe"}, "check")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_manage_check_reports_a_malformed_aes_key():
    result = run_django(
        {"DJANGO_DEBUG": "true", "WECHAT_TOKEN": "t", "WECHAT_ENCODING_AES_KEY": "bad"}, "check"
    )
    assert result.returncode != 0
    assert "wechat.E001" in result.stderr
