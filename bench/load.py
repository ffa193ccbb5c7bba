"""Drive a target with wrk and read its figures, and check a target's answers."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench import config
from bench.client import post_push
from wechat.simulate import build_push

LUA = Path(__file__).resolve().parent / "push.lua"


@dataclass
class Run:
    """One wrk run: what it sent, how fast, and what wrk itself cost."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    wrapped: int
    wrk_cpu: float  # share of one core that wrk used
    server_cpu_ms: float = 0.0  # server CPU (database included) per push

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(url: str, pool: Path, seconds: float, connections: int, server_cpu=None) -> Run:
    """`wrk -t1 -cN` replaying `pool`; one thread keeps wrk's CPU small on 2 cores.

    `server_cpu`, when given, returns the server's CPU seconds so far.
    """
    server_before = server_cpu() if server_cpu else 0.0
    before = os.times()
    result = subprocess.run(
        [
            wrk_path() or "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{round(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
            "--",
            str(pool),
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    after = os.times()
    server_used = (server_cpu() - server_before) if server_cpu else 0.0
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH "))
    data = json.loads(line[len("BENCH ") :])
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    duration = data["duration_us"] / 1e6
    errors = sum(
        data[k]
        for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return Run(
        requests=data["requests"],
        seconds=duration,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        wrapped=data["wrapped"],
        wrk_cpu=cpu / duration,
        server_cpu_ms=server_used * 1000 / max(data["requests"], 1),
    )


def check_answers(url: str, mode: str, kind: str = "image", handlers: bool = True) -> None:
    """Send one push and check the decrypted reply, so a fast wrong answer cannot pass."""
    xml = build_push(kind, account=config.ACCOUNT, content="bench check")
    _, reply, _ = post_push(url, xml, "safe" if mode == "aes" else "plain")
    expected = "<MsgType><![CDATA[news]]>" if kind == "text" and handlers else f"I am {kind}"
    if expected not in reply:
        raise RuntimeError(f"{url} answered a {mode} push wrongly: {reply[:200]!r}")
