"""Latency isolation: pushes whose handler sends messages, with WeChat 2 s slow.

The demo's text handler replies at once and queues four customer-service
sends; `manage.py db_worker` processes deliver them. With the stand-in taking
2 s per send, the pushes must still be answered fast, and every message must
reach the stand-in exactly once.
"""

import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import config
from bench.client import post_push
from bench.servers import ROOT, Gunicorn, prepare_wrist_db, wrist_env
from bench.standin import StandIn
from wechat.simulate import build_push

PUSHES = 40
SENDS_PER_PUSH = 4
WORKERS = 20  # db_worker processes: each delivers one 2-second send at a time
SLOW = 2.0


def _push(url: str, number: int, kind: str = "text") -> float:
    xml = build_push(kind, account=config.ACCOUNT, openid=f"o_iso_{number}", content="hi")
    started = time.perf_counter()
    status, reply, _ = post_push(url, xml, "safe")
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"the {kind} push got HTTP {status}: {reply[:200]!r}")
    if kind == "text" and "news" not in reply:
        raise RuntimeError(f"the text push got {reply[:200]!r}")
    return elapsed * 1000


def run(workdir: Path) -> dict:
    with StandIn(delay=SLOW) as wechat:
        env = wrist_env(f"sqlite:///{workdir / 'isolation.sqlite3'}")
        env["WECHAT_API_BASE_URL"] = wechat.url
        prepare_wrist_db(env)
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--interval",
                    "0.5",
                    "--no-startup-delay",
                    "--verbosity",
                    "0",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(WORKERS)
        ]
        try:
            with Gunicorn("wrist.wsgi:application", env) as server:
                time.sleep(5)  # let the workers finish starting
                for number in range(8):  # warm both web workers (imports, connections)
                    _push(server.url, 1000 + number, kind="image")
                with ThreadPoolExecutor(max_workers=4) as pool:
                    latencies = []
                    for wave in range(0, PUSHES, 4):  # 4 at a time, ~10 waves a second
                        latencies += pool.map(lambda n: _push(server.url, n), range(wave, wave + 4))
                        time.sleep(0.1)
                expected = PUSHES * SENDS_PER_PUSH
                started = time.monotonic()
                while len(wechat.sends) < expected and time.monotonic() - started < 120:
                    time.sleep(0.2)
                drained = time.monotonic() - started
                time.sleep(SLOW + 1)  # room for a duplicate to show up
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
        sends = list(wechat.sends)
        latencies.sort()
        return {
            "pushes": PUSHES,
            "p50_ms": statistics.median(latencies),
            "p99_ms": latencies[max(0, round(0.99 * len(latencies)) - 1)],
            "max_ms": latencies[-1],
            "latencies_ms": [round(x, 1) for x in latencies],
            "sends_expected": expected,
            "sends_received": len(sends),
            "distinct_sends": len(set(sends)),
            "token_fetches": wechat.hits["/cgi-bin/stable_token"],
            "uploads": wechat.hits["/cgi-bin/media/upload"],
            "drain_seconds": drained,
        }
