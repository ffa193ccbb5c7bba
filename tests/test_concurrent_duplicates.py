"""Copies of one push arriving at the same moment run the handler once.

Runs against a real HTTP server (and, in CI, on PostgreSQL): the unique
dedup key in the database decides which copy runs the handler.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.pushes import signed
from wechat import server
from wechat.models import InboundMessage
from wechat.simulate import build_push

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_five_simultaneous_copies_run_the_handler_once(live_server, monkeypatch, mode):
    calls = []
    lock = threading.Lock()

    def counting_handler(message):
        with lock:
            calls.append(message.id)
        return f"handled {message.id}"

    monkeypatch.setitem(server.HANDLERS, "text", counting_handler)
    xml = build_push("text")
    copies = [signed(xml, mode) for _ in range(5)]
    start = threading.Barrier(len(copies))

    def deliver(push):
        start.wait()
        response = requests.post(
            f"{live_server.url}/wechat/", params=push.query, data=push.body.encode(), timeout=10
        )
        from wechat.simulate import read_reply

        return response.status_code, read_reply(push, response.text)

    with ThreadPoolExecutor(max_workers=len(copies)) as pool:
        results = list(pool.map(deliver, copies))

    assert len(calls) == 1
    assert {status for status, _ in results} == {200}
    replies = {reply for _, reply in results}
    assert len(replies) == 1
    assert f"handled {calls[0]}" in replies.pop()
    assert InboundMessage.objects.count() == 1
