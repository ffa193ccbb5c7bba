"""The /wechat/ callback: verification, every message and event, three modes, once."""

import pytest
from django.conf import settings
from wechatpy.replies import ArticlesReply

from tests.pushes import MODES, post, send, signed
from wechat import server
from wechat.crypto import sign
from wechat.models import InboundMessage
from wechat.parsing import xml_to_dict
from wechat.simulate import DEVICE_EVENTS, EVENTS, MESSAGE_KINDS, build_push

pytestmark = pytest.mark.django_db

EXPECTED_TEXT = {
    **{kind: f"Hello World! I am {kind}" for kind in MESSAGE_KINDS},
    **{
        "subscribe": "Hello World! I am subscribe event",
        "unsubscribe": "Hello World! I am unsubscribe event",
        "SCAN": "Hello World! I am scan event with subscription",
        "LOCATION": "Hello World! I am LOCATION event",
        "CLICK": "Hello World! I am CLICK event",
        "VIEW": "Hello World! I am VIEW event",
        "MASSSENDJOBFINISH": "Hello World! I am MASSSENDJOBFINISH event",
        "TEMPLATESENDJOBFINISH": "Hello World! I am TEMPLATESENDJOBFINISH event",
        "scancode_push": "Hello World! I am scancode_push event",
        "scancode_waitmsg": "Hello World! I am scancode_waitmsg event",
        "pic_sysphoto": "Hello World! I am pic_sysphoto event",
        "pic_photo_or_album": "Hello World! I am pic_photo_or_album event",
        "pic_weixin": "Hello World! I am pic_weixin event",
        "location_select": "Hello World! I am location_select event",
    },
}


def verification_query(token: str = settings.WECHAT_TOKEN) -> dict:
    return {
        "signature": sign(token, "1700000000", "42"),
        "timestamp": "1700000000",
        "nonce": "42",
        "echostr": "echo-5837",
    }


@pytest.mark.parametrize("path", ["/wechat/", "/wechat"])
def test_get_with_valid_signature_echoes_echostr(client, path):
    response = client.get(path, verification_query())
    assert response.status_code == 200
    assert response.content == b"echo-5837"
    assert response["Content-Type"].startswith("text/plain")


def test_get_with_forged_signature_is_403(client):
    response = client.get("/wechat/", verification_query(token="not-our-token"))
    assert response.status_code == 403
    assert b"echo-5837" not in response.content


def test_get_without_signature_is_403(client):
    assert client.get("/wechat/", {"echostr": "x"}).status_code == 403


def test_push_is_refused_when_no_token_is_configured(client, settings):
    push = signed(build_push("text"))
    settings.WECHAT_TOKEN = ""
    assert post(client, push).status_code == 403


def test_other_methods_are_405(client):
    assert client.put("/wechat/", b"<xml/>").status_code == 405


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", [kind for kind in MESSAGE_KINDS if kind != "text"])
def test_every_message_type_gets_its_reply_in_every_mode(client, kind, mode):
    response, reply = send(client, kind, mode=mode, openid="o_user_1")
    assert response.status_code == 200
    data = xml_to_dict(reply)
    assert data["MsgType"] == "text"
    assert data["Content"] == EXPECTED_TEXT[kind]
    assert data["ToUserName"] == "o_user_1"
    assert data["FromUserName"] == "gh_wrist"


@pytest.mark.parametrize("mode", MODES)
def test_text_gets_the_demos_articles_in_every_mode(client, mode):
    # The demo's text handler answers with articles (and sends messages in the background).
    response, reply = send(client, "text", mode=mode, openid="o_user_1")
    assert response.status_code == 200
    data = xml_to_dict(reply)
    assert data["MsgType"] == "news"
    assert EXPECTED_TEXT["text"] in reply
    assert data["ToUserName"] == "o_user_1"
    assert data["FromUserName"] == "gh_wrist"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_gets_its_reply_in_every_mode(client, event, mode):
    response, reply = send(client, "event", event, mode=mode)
    assert response.status_code == 200
    assert xml_to_dict(reply)["Content"] == EXPECTED_TEXT[event]


def test_subscribe_through_a_qr_code_is_the_scan_without_subscription(client):
    _, reply = send(client, "event", "subscribe", event_key="qrscene_123")
    assert xml_to_dict(reply)["Content"] == "Hello World! I am scan event without subscription"


@pytest.mark.parametrize("mode", MODES)
def test_encrypted_push_gets_an_encrypted_reply(client, mode):
    push = signed(build_push("text"), mode)
    body = post(client, push).content.decode()
    envelope = xml_to_dict(body)
    if mode == "plain":
        assert "Encrypt" not in envelope
    else:
        assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
        assert "Hello World" not in body


@pytest.mark.parametrize("mode", MODES)
def test_device_text_is_echoed_to_the_same_device_session(client, mode):
    xml = build_push("device_text", content="Af4D", device_id="band-7", device_type="gh_dev")
    push = signed(xml, mode)
    response = post(client, push)
    from wechat.simulate import read_reply

    reply = xml_to_dict(read_reply(push, response.content.decode()))
    sent = xml_to_dict(xml)
    assert reply["MsgType"] == "device_text"
    assert reply["Content"] == "Af4D"  # bytes 01 fe 03, not valid UTF-8, echoed intact
    assert (reply["DeviceType"], reply["DeviceID"]) == ("gh_dev", "band-7")
    assert reply["SessionID"] == sent["SessionID"]


@pytest.mark.parametrize(
    ("event", "status"), [("subscribe_status", "1"), ("unsubscribe_status", "0")]
)
def test_device_status_events_get_a_device_status_reply(client, event, status):
    _, reply = send(client, "device_event", event, device_id="band-7")
    data = xml_to_dict(reply)
    assert data["MsgType"] == "device_status"
    assert data["DeviceID"] == "band-7"
    assert data["DeviceStatus"] == status


@pytest.mark.parametrize("event", ["bind", "unbind"])
def test_device_bind_events_are_answered_success(client, event):
    response, reply = send(client, "device_event", event)
    assert response.status_code == 200
    assert reply == "success"


def test_every_demo_kind_has_a_handler():
    kinds = {*MESSAGE_KINDS, "device_text"} | {f"device_event.{e}" for e in DEVICE_EVENTS}
    kinds |= {f"event.{e.lower()}" for e in EVENTS} | {"event.subscribe_scan"}
    assert kinds <= set(server.HANDLERS)


def test_push_without_a_handler_is_answered_success_and_stored(client):
    push = signed(build_push("event", "kf_create_session"))
    response = post(client, push)
    assert response.content == b"success"
    stored = InboundMessage.objects.get()
    assert stored.kind == "event.kf_create_session"
    assert stored.status == InboundMessage.Status.ANSWERED
    assert stored.reply == "success"


@pytest.mark.parametrize("mode", MODES)
def test_push_is_stored_decrypted_with_its_reply(client, mode):
    xml = build_push("text", content="store me", openid="o_store")
    post(client, signed(xml, mode))
    stored = InboundMessage.objects.get()
    assert stored.xml == xml
    assert stored.sender == "o_store"
    assert stored.kind == stored.msg_type == "text"
    assert stored.encrypted is (mode != "plain")
    assert stored.dedup_key == f"msg:{xml_to_dict(xml)['MsgId']}"
    assert "Hello World! I am text" in stored.reply
    assert stored.answered_at >= stored.received_at
    assert stored.handler_ms is not None


def test_retry_is_answered_from_the_stored_reply_without_running_the_handler(client, monkeypatch):
    calls = []
    monkeypatch.setitem(server.HANDLERS, "text", lambda m: calls.append(m) or f"run {len(calls)}")
    xml = build_push("text")
    first = post(client, signed(xml))
    retry = post(client, signed(xml))  # WeChat re-signs each retry with a new nonce
    assert len(calls) == 1
    assert xml_to_dict(first.content)["Content"] == "run 1"
    assert retry.content == first.content
    assert InboundMessage.objects.count() == 1


def test_events_without_msgid_are_deduplicated_by_sender_time_and_event(client, monkeypatch):
    calls = []
    monkeypatch.setitem(server.HANDLERS, "event.click", lambda m: calls.append(m) and None)
    xml = build_push("event", "CLICK", openid="o_a", create_time=1700000000)
    other_user = build_push("event", "CLICK", openid="o_b", create_time=1700000000)
    for body in (xml, xml, other_user):
        post(client, signed(body))
    assert len(calls) == 2
    keys = set(InboundMessage.objects.values_list("dedup_key", flat=True))
    assert keys == {"event:o_a:1700000000:event.click", "event:o_b:1700000000:event.click"}


def test_device_pushes_are_deduplicated_by_msgid_spelled_MsgID(client, monkeypatch):
    calls = []
    monkeypatch.setitem(server.HANDLERS, "device_text", lambda m: calls.append(m) and None)
    xml = build_push("device_text", content="AQID")
    post(client, signed(xml))
    post(client, signed(xml))
    assert len(calls) == 1
    assert InboundMessage.objects.get().dedup_key == f"msgid:{xml_to_dict(xml)['MsgID']}"


def test_handler_that_raises_answers_success_and_keeps_the_error(client, monkeypatch):
    def broken(message):
        raise RuntimeError("handler bug 1234")

    monkeypatch.setitem(server.HANDLERS, "text", broken)
    push = signed(build_push("text"))
    response = post(client, push)
    assert response.status_code == 200
    assert response.content == b"success"
    stored = InboundMessage.objects.get()
    assert stored.status == InboundMessage.Status.FAILED
    assert "RuntimeError: handler bug 1234" in stored.error
    assert "Traceback" in stored.error
    # A retry of the failed push is not run again either.
    assert post(client, push).content == b"success"
    assert InboundMessage.objects.count() == 1


def test_handler_writes_are_rolled_back_when_it_raises(client, monkeypatch):
    from django.contrib.auth.models import Group

    def half_done(message):
        Group.objects.create(name="written by a failing handler")
        raise ValueError("after writing")

    monkeypatch.setitem(server.HANDLERS, "text", half_done)
    post(client, signed(build_push("text")))
    assert not Group.objects.exists()
    assert InboundMessage.objects.get().status == InboundMessage.Status.FAILED


def test_handler_returning_a_non_reply_is_stored_as_a_failure(client, monkeypatch):
    monkeypatch.setitem(server.HANDLERS, "text", lambda m: 42)
    response = post(client, signed(build_push("text")))
    assert response.content == b"success"
    assert "TypeError" in InboundMessage.objects.get().error


class ProcessKilled(BaseException):
    """Stands for the worker process dying mid-handler (not an Exception: nothing catches it)."""


def test_push_whose_process_died_mid_handler_leaves_nothing_and_the_retry_runs_it(
    client, monkeypatch
):
    from django.contrib.auth.models import Group

    def dies_halfway(message):
        Group.objects.create(name="half-done work")
        raise ProcessKilled

    monkeypatch.setitem(server.HANDLERS, "text", dies_halfway)
    xml = build_push("text")
    with pytest.raises(ProcessKilled):
        post(client, signed(xml))
    assert not InboundMessage.objects.exists()
    assert not Group.objects.exists()

    monkeypatch.setitem(server.HANDLERS, "text", lambda m: "second try")
    response = post(client, signed(xml))
    assert xml_to_dict(response.content)["Content"] == "second try"
    assert InboundMessage.objects.get().status == InboundMessage.Status.ANSWERED


def test_text_reply_echoing_a_cdata_terminator_stays_well_formed(client, monkeypatch):
    monkeypatch.setitem(server.HANDLERS, "text", lambda m: f"you said: {m.content}")
    _, reply = send(client, "text", content="a]]><b>x</b>")
    assert xml_to_dict(reply)["Content"] == "you said: a]]><b>x</b>"


def test_articles_built_from_user_input_stay_well_formed(client, monkeypatch):
    def echo_articles(message):
        article = {"title": f"re: {message.content}", "description": "]]>", "url": "https://x/"}
        return ArticlesReply(message=message, articles=[article])

    monkeypatch.setitem(server.HANDLERS, "text", echo_articles)
    _, reply = send(client, "text", content="a]]><b>x</b>")
    item = xml_to_dict(reply)["Articles"]["item"]
    assert (item["Title"], item["Description"]) == ("re: a]]><b>x</b>", "]]>")
