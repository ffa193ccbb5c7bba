"""wrist.wsgi: the callback served past the site's middleware, everything else through it."""

from io import BytesIO
from urllib.parse import urlencode

import pytest

from tests.pushes import signed
from wechat.models import InboundMessage
from wechat.simulate import build_push, read_reply

# Real commits: a WSGI request runs Django's connection upkeep, which a test
# transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def application():
    from wrist.wsgi import application

    return application


def call(
    application,
    method: str,
    path: str,
    query: dict | None = None,
    body: bytes = b"",
    host: str = "localhost",
):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(query or {}),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "CONTENT_TYPE": "text/xml",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": BytesIO(),
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    chunks = application(environ, start_response)
    try:
        answer["body"] = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return answer


@pytest.mark.parametrize("path", ["/wechat/", "/wechat"])
def test_a_push_is_answered_stored_and_skips_the_site_middleware(application, path):
    push = signed(build_push("text", content="hello", openid="o_alice"), "safe")
    answer = call(application, "POST", path, push.query, push.body.encode())

    assert answer["status"] == 200
    assert "Hello World! I am text" in read_reply(push, answer["body"].decode())
    assert InboundMessage.objects.filter(sender="o_alice", status="answered").count() == 1
    assert "X-Frame-Options" not in answer["headers"]  # no clickjacking middleware ran


def test_a_forged_push_is_still_refused(application):
    push = signed(build_push("text", content="hello"))
    query = {**push.query, "signature": "0" * 40}
    answer = call(application, "POST", "/wechat/", query, push.body.encode())
    assert answer["status"] == 403
    assert not InboundMessage.objects.exists()


def test_a_host_outside_allowed_hosts_is_refused_on_the_callback(application):
    push = signed(build_push("text", content="hello"))
    answer = call(application, "POST", "/wechat/", push.query, push.body.encode(), host="evil.test")
    assert answer["status"] == 400
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("path", ["/admin/", "/wechat/token"])
def test_other_paths_go_through_the_site_middleware(application, path):
    answer = call(application, "GET", path)
    assert answer["headers"].get("X-Frame-Options") == "DENY"
