"""PostgreSQL stops mid-run: the callback answers 503 (WeChat retries) and recovers.

A throwaway cluster (initdb in a temp dir, its own port) and wrist under
gunicorn in production settings pointing at it; the machine's own cluster
is never touched.
"""

import pytest

from bench.client import post_push
from bench.pgcluster import ThrowawayPostgres, find_bin_dir
from bench.servers import Gunicorn, prepare_wrist_db, wrist_env
from wechat.simulate import build_push

pytestmark = pytest.mark.live


def deliver(url: str, xml: str) -> tuple[int, str, str]:
    """POST a safe-mode push; (status, decrypted reply or raw body, content type)."""
    return post_push(url, xml, "safe", timeout=20)


@pytest.fixture
def postgres():
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin) missing")
    with ThrowawayPostgres("wrist_down") as pg:
        yield pg


def test_callback_answers_503_while_postgresql_is_down_and_recovers(postgres, tmp_path):
    env = wrist_env(postgres.url)
    prepare_wrist_db(env)
    log = (tmp_path / "gunicorn.log").open("w")
    with Gunicorn("wrist.wsgi:application", env, workers=1, stderr=log) as server:
        status, reply, _ = deliver(server.url, build_push("image"))
        assert status == 200 and "Hello World! I am image" in reply

        postgres.stop()
        retried = build_push("image")
        for xml in (retried, build_push("voice")):
            status, body, content_type = deliver(server.url, xml)
            assert status == 503
            assert content_type.startswith("text/plain")
            assert "retry later" in body
            assert "Traceback" not in body and "psycopg2" not in body

        postgres.start()
        status, reply, _ = deliver(server.url, retried)  # WeChat's retry of the lost push
        assert status == 200 and "Hello World! I am image" in reply
        status, reply, _ = deliver(server.url, build_push("voice"))
        assert status == 200 and "Hello World! I am voice" in reply
    log.close()
    assert "database unavailable" in (tmp_path / "gunicorn.log").read_text()
