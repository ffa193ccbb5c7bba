"""End to end: a real HTTP server stands in for WeChat (WECHAT_API_BASE_URL points at it).

- 4 separate Python processes on the real settings and one shared database
  (a SQLite file, or the test PostgreSQL) make 10 calls each and upload the
  same file: WeChat sees 1 token fetch and 1 upload.
- A text push to the live `/wechat/` is answered before the stand-in (which
  takes 2 s per customer-service message) has seen a single send; the
  database queue's worker then delivers each message exactly once.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.pushes import signed
from wechat.parsing import xml_to_dict
from wechat.simulate import build_push

pytestmark = pytest.mark.live

BASE_DIR = Path(settings.BASE_DIR)
PROCESSES = 4
CALLS_EACH = 10
SLOW_SECONDS = 2.0


def slow(seconds: float, answer: dict):
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return Response(json.dumps(answer), content_type="application/json")

    return handler


@pytest.fixture
def stand_in():
    """WeChat: token (slow enough for every cold process to miss the cache), device, media."""
    server = HTTPServer(threaded=True)
    server.start()
    server.expect_request("/cgi-bin/stable_token", method="POST").respond_with_handler(
        slow(0.5, {"access_token": "LIVE_TOKEN", "expires_in": 7200})
    )
    server.expect_request("/device/get_stat").respond_with_json(
        {"errcode": 0, "errmsg": "ok", "status": 1, "status_info": "authorized"}
    )
    server.expect_request("/cgi-bin/media/upload", method="POST").respond_with_json(
        {"type": "image", "media_id": "LIVE_MEDIA", "created_at": 1700000000}
    )
    server.expect_request("/cgi-bin/message/custom/send", method="POST").respond_with_handler(
        slow(SLOW_SECONDS, {"errcode": 0, "errmsg": "ok"})
    )
    yield server
    server.clear()
    server.stop()


def requests_to(server: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


# --- 4 processes, one token, one upload -------------------------------------------------


def shared_database_url(tmp_path: Path, env: dict) -> str:
    """The test PostgreSQL when the suite runs on it, else a migrated SQLite file."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@"
        return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    for command in (["migrate", "--noinput"], ["createcachetable"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v", "0"],
            cwd=BASE_DIR,
            env={**env, "DATABASE_URL": url},
            check=True,
            timeout=60,
        )
    return url


def process_env(stand_in: HTTPServer) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wrist.settings",
        "DJANGO_SECRET_KEY": "e2e-only-not-a-secret",
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "WECHAT_APP_ID": "wx_live_app",
        "WECHAT_APP_SECRET": "live_secret",
        "WECHAT_API_BASE_URL": stand_in.url_for("/"),
        "WECHAT_DEVICE_TOKEN_URL": "",
        "WECHAT_TOKEN_RELAY_KEY": "",
    }


@pytest.mark.django_db(transaction=True)
def test_four_processes_fetch_one_token_and_upload_a_file_once(stand_in, tmp_path):
    cache.clear()
    env = process_env(stand_in)
    env["DATABASE_URL"] = shared_database_url(tmp_path, env)
    go_file = tmp_path / "go"
    upload = BASE_DIR / "wechat" / "static" / "wechat" / "demo.png"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.e2e.tool_calls",
                str(CALLS_EACH),
                str(upload),
                str(go_file),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
        go_file.touch()
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    assert [worker.returncode for worker in workers] == [0] * PROCESSES, outputs
    assert [out.strip() for out, _ in outputs] == ["LIVE_MEDIA"] * PROCESSES

    assert len(requests_to(stand_in, "/device/get_stat")) == PROCESSES * CALLS_EACH
    assert len(requests_to(stand_in, "/cgi-bin/stable_token")) == 1
    assert len(requests_to(stand_in, "/cgi-bin/media/upload")) == 1
    tokens = {request.args["access_token"] for request in requests_to(stand_in, "/device/get_stat")}
    assert tokens == {"LIVE_TOKEN"}
    cache.clear()


# --- A push answered at once; its sends delivered once by the worker ------------------------------


@pytest.fixture
def live_wechat(live_server, stand_in, settings):
    settings.WECHAT_API_BASE_URL = stand_in.url_for("/")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    cache.clear()
    yield live_server
    cache.clear()


def push_text(live_server, push):
    return requests.post(
        f"{live_server.url}/wechat/",
        params=push.query,
        data=push.body.encode(),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )


def test_a_push_is_answered_before_wechat_and_each_send_arrives_once(live_wechat, stand_in):
    push = signed(build_push("text", openid="oLIVE_USER", content="hi"))
    started = time.monotonic()
    response = push_text(live_wechat, push)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert xml_to_dict(response.text)["MsgType"] == "news"
    assert requests_to(stand_in, "/cgi-bin/message/custom/send") == []
    assert elapsed < SLOW_SECONDS

    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)  # nothing left to send
    again = push_text(live_wechat, push)  # WeChat's retry of the same push
    assert again.text == response.text

    sent = [json.loads(r.get_data()) for r in requests_to(stand_in, "/cgi-bin/message/custom/send")]
    assert [body["msgtype"] for body in sent] == ["text", "image", "news", "news"]
    assert {body["touser"] for body in sent} == {"oLIVE_USER"}
    assert len(requests_to(stand_in, "/cgi-bin/media/upload")) == 1
