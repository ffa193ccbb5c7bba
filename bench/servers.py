"""Start the bench targets under gunicorn on 127.0.0.1, and prepare wrist's database."""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import config

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


def wrist_env(database_url: str) -> dict[str, str]:
    """wrist configured as in production: no debug, a secret key, persistent connections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WECHAT_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("BENCH_SETTINGS", "wrist.settings"),
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_CONN_MAX_AGE="600",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        REDIS_URL="",
        WECHAT_TOKEN=config.TOKEN,
        WECHAT_APP_ID=config.APP_ID,
        WECHAT_APP_SECRET="bench-app-secret",
        WECHAT_ENCODING_AES_KEY=config.ENCODING_AES_KEY,
    )
    return env


def prepare_wrist_db(env: dict[str, str]) -> None:
    """Migrate a fresh database and create the cache table, as a deploy does."""
    for command in (["migrate", "--noinput"], ["createcachetable"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its live children (Linux /proc)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    ticks = 0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py APP` (2 workers unless told) on a free local port."""

    def __init__(
        self, app: str, env: dict[str, str] | None = None, workers: int = WORKERS, stderr=None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(env or os.environ)
        env.update(
            WEB_CONCURRENCY=str(workers), GUNICORN_ACCESS_LOG="", GUNICORN_LOG_LEVEL="warning"
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--no-control-socket",
                app,
            ],
            cwd=ROOT,
            env=env,
            stderr=stderr,
        )
        self._wait()

    def _wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start listening")

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "Gunicorn":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
