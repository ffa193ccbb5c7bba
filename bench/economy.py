"""Token and media economy: 4 processes × 100 tool calls, and one image sent 100 times.

Every process starts cold at the same moment against one shared database
(its cache table holds the token and the upload record): WeChat should see
one token fetch and one upload.
"""

import subprocess
import sys
from pathlib import Path

from bench.servers import ROOT, prepare_wrist_db, wrist_env
from bench.standin import StandIn

PROCESSES = 4
CALLS_EACH = 100
UPLOADS_EACH = 25
IMAGE = ROOT / "wechat" / "static" / "wechat" / "demo.png"


def run(workdir: Path) -> dict:
    with StandIn() as wechat:
        env = wrist_env(f"sqlite:///{workdir / 'economy.sqlite3'}")
        env["WECHAT_API_BASE_URL"] = wechat.url
        prepare_wrist_db(env)
        go = workdir / "go"
        command = [
            sys.executable,
            "-m",
            "bench.toolcalls",
            str(CALLS_EACH),
            str(UPLOADS_EACH),
            str(IMAGE),
            str(go),
        ]
        procs = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(PROCESSES)
        ]
        try:
            for proc in procs:
                if proc.stdout.readline().strip() != "ready":
                    raise RuntimeError("a tool-call process failed to start")
            go.touch()
            outputs = [proc.communicate(timeout=120)[0].split() for proc in procs]
        finally:
            for proc in procs:
                proc.kill()
        if any(proc.returncode for proc in procs):
            raise RuntimeError("a tool-call process failed")
        return {
            "processes": PROCESSES,
            "tool_calls": wechat.hits["/device/get_stat"],
            "token_fetches": wechat.hits["/cgi-bin/stable_token"],
            "upload_calls": PROCESSES * UPLOADS_EACH,
            "uploads": wechat.hits["/cgi-bin/media/upload"],
            "media_ids": sorted({media for out in outputs for media in out}),
        }
