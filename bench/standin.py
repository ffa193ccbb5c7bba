"""A local WeChat stand-in that counts what reaches it, optionally slow to answer."""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "BENCH_STAND_IN_TOKEN"


class StandIn:
    """WeChat on 127.0.0.1: token, customer-service send, media upload, device status.

    Sends and uploads are answered after `delay` seconds (WeChat on a bad day).
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.hits: Counter = Counter()
        self.sends: list[bytes] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?", 1)[0]
                with stand_in.lock:
                    stand_in.hits[path] += 1
                if path == "/cgi-bin/stable_token":
                    return self._answer({"access_token": TOKEN, "expires_in": 7200})
                if path == "/cgi-bin/message/custom/send":
                    time.sleep(stand_in.delay)
                    with stand_in.lock:
                        stand_in.sends.append(body)
                    return self._answer({"errcode": 0, "errmsg": "ok"})
                if path == "/cgi-bin/media/upload":
                    time.sleep(stand_in.delay)
                    return self._answer({"type": "image", "media_id": "BENCH_MEDIA"})
                if path == "/device/get_stat":
                    return self._answer({"errcode": 0, "errmsg": "ok", "status": 1})
                return self._answer({"errcode": 40001, "errmsg": f"unknown path {path}"})

        return Handler

    def start(self) -> "StandIn":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
