"""Pools of signed pushes for wrk: one request per line, `PATH<TAB>BODY`.

wrk's Lua has neither SHA-1 nor AES, so the pushes are built here, each with
its own MsgId (and, in AES mode, its own `Encrypt` and `msg_signature`), and
the Lua script only replays them.
"""

import itertools
from pathlib import Path
from urllib.parse import urlencode

from bench import config
from bench.client import sign
from wechat.simulate import build_push

_batches = itertools.count(1)


def write_pool(
    path: Path, mode: str, size: int, kind: str = "image", id_base: int | None = None
) -> Path:
    """Write `size` distinct pushes of `kind` for `mode` (`plain` or `aes`) to `path`."""
    base = id_base if id_base is not None else next(_batches) * 10**9
    sign_mode = "safe" if mode == "aes" else "plain"
    with path.open("w") as out:
        for n in range(size):
            xml = build_push(
                kind,
                openid=f"o_bench_{n % 97}",
                account=config.ACCOUNT,
                content=f"hello {n}",
                extra={"MsgId": str(base + n)},
            )
            push = sign(xml, sign_mode, nonce=str(base + n))
            out.write(f"/wechat/?{urlencode(push.query)}\t{push.body}\n")
    return path
