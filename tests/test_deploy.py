"""The production path: `check --deploy` is clean with the production variables set.

Run in a subprocess with a clean environment, as a server would start.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.pushes import post, signed
from wechat.simulate import build_push, read_reply

BASE_DIR = Path(settings.BASE_DIR)

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "wrist.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://wrist.example.com",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_SESSION_COOKIE_SECURE": "true",
    "DJANGO_CSRF_COOKIE_SECURE": "true",
    "WECHAT_APP_ID": "wx_deploy_check",
    "WECHAT_APP_SECRET": "deploy-check-secret",
    "WECHAT_TOKEN": "deploy_check_token",
    "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WECHAT_"))}
    base.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), **env)
    base.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py's default: the real settings
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_passes_with_no_warning_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_https_settings_are_left_at_their_defaults():
    bare = {**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_SECURE_HSTS_SECONDS": "0"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=bare)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008"):
        assert warning in result.stderr + result.stdout


@pytest.mark.parametrize("name", ["gunicorn.conf.py", "Procfile", "deploy/nginx.conf"])
def test_deploy_files_exist(name):
    assert (BASE_DIR / name).is_file()


def test_gunicorn_config_is_valid():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--check-config",
            "wrist.wsgi",
        ],
        cwd=BASE_DIR,
        env={**os.environ, **PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_with_the_https_redirect_on_the_callback_still_answers_over_http(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/admin/login/").status_code == 301  # the rest of the site moves to https

    push = signed(build_push("text", content="over http"))
    response = post(client, push)

    assert response.status_code == 200
    assert "Hello World! I am text" in read_reply(push, response.content.decode())
