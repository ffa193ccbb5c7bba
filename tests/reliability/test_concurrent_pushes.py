"""Many pushes, each arriving five times at once, against a live server.

WeChat retries a push it got no answer to; under load the copies overlap.
Each of 50 pushes is sent 5 times at once, two pushes (10 requests, released
together by a barrier) per wave — the live server's listen backlog is 10 —
in shuffled order: every handler runs once per push and every copy gets the
same reply. Runs on SQLite and, in CI, on PostgreSQL.
"""

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.pushes import signed
from wechat import server
from wechat.models import InboundMessage
from wechat.simulate import build_push, read_reply

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]

PUSHES = 50
COPIES = 5
PUSHES_PER_WAVE = 2
THREADS = COPIES * PUSHES_PER_WAVE


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_fifty_pushes_five_copies_each_run_each_handler_once(live_server, monkeypatch, mode):
    runs: Counter = Counter()
    lock = threading.Lock()

    def counting_handler(message):
        # The documented extension point: a handler in wechat.server.HANDLERS.
        with lock:
            runs[message.id] += 1
        return f"handled {message.id} once"

    monkeypatch.setitem(server.HANDLERS, "voice", counting_handler)
    pushes = [build_push("voice", content=f"push {n}") for n in range(PUSHES)]
    http = requests.Session()

    def deliver(item, start: threading.Barrier):
        number, push = item
        start.wait()
        response = http.post(
            f"{live_server.url}/wechat/", params=push.query, data=push.body.encode(), timeout=30
        )
        return number, response.status_code, read_reply(push, response.text)

    results = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for first in range(0, PUSHES, PUSHES_PER_WAVE):
            wave = [
                (n, signed(pushes[n], mode))
                for n in range(first, first + PUSHES_PER_WAVE)
                for _ in range(COPIES)
            ]
            random.Random(first).shuffle(wave)
            start = threading.Barrier(len(wave))
            results += pool.map(deliver, wave, [start] * len(wave))

    assert {status for _, status, _ in results} == {200}
    assert len(runs) == PUSHES
    assert set(runs.values()) == {1}, "a handler ran more than once for one push"
    replies: dict[int, set] = {}
    for number, _, reply in results:
        replies.setdefault(number, set()).add(reply)
    assert all(len(texts) == 1 for texts in replies.values()), "copies got different replies"
    assert all("handled" in next(iter(texts)) for texts in replies.values())
    assert InboundMessage.objects.count() == PUSHES
    assert not InboundMessage.objects.exclude(status="answered").exists()
