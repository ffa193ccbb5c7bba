"""`manage.py wechat_simulate`: try every handler with no WeChat account."""

import pytest
from django.core.management import CommandError, call_command

from wechat.models import InboundMessage
from wechat.parsing import xml_to_dict

pytestmark = pytest.mark.django_db


def simulate(*args, **options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("wechat_simulate", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_text_prints_the_decrypted_reply(mode):
    output = simulate("text", "--content", "hi", "--openid", "o123", "--mode", mode)
    reply = xml_to_dict(output)
    assert reply["MsgType"] == "news"  # the demo's text handler answers with articles
    assert "Hello World! I am text" in output
    assert reply["ToUserName"] == "o123"
    stored = InboundMessage.objects.get()
    assert stored.encrypted is (mode != "plain")
    assert "<Content>hi</Content>" in stored.xml


def test_default_mode_is_safe_when_an_aes_key_is_set():
    simulate("event", "subscribe")
    assert InboundMessage.objects.get().encrypted is True


def test_default_mode_is_plain_without_an_aes_key(settings):
    settings.WECHAT_ENCODING_AES_KEY = ""
    simulate("event", "subscribe")
    assert InboundMessage.objects.get().encrypted is False


def test_event_subscribe_reply():
    assert xml_to_dict(simulate("event", "subscribe"))["Content"].endswith("subscribe event")


def test_device_text_is_echoed():
    reply = xml_to_dict(simulate("device_text", "--device-id", "d1", "--content", "AQID"))
    assert (reply["MsgType"], reply["DeviceID"], reply["Content"]) == ("device_text", "d1", "AQID")


def test_device_event_without_handler_reply_prints_success():
    assert simulate("device_event", "bind", "--device-id", "d1").strip() == "success"


def test_show_push_prints_the_push_first():
    output = simulate("text", "--content", "shown", "--show-push")
    assert output.index("<Content>shown</Content>") < output.index("Hello World! I am text")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("event",), "needs an event"),
        (("event", "nope"), "needs an event"),
        (("text", "subscribe"), "takes no event"),
        (("device_event", "subscribe"), "needs an event"),
        (("device_text", "--content", "not base64!"), "must be base64"),
    ],
)
def test_bad_arguments_are_command_errors(args, message):
    with pytest.raises(CommandError, match=message):
        simulate(*args)


def test_missing_token_is_a_command_error(settings):
    settings.WECHAT_TOKEN = ""
    with pytest.raises(CommandError, match="WECHAT_TOKEN"):
        simulate("text")


def test_safe_mode_without_key_is_a_command_error(settings):
    settings.WECHAT_ENCODING_AES_KEY = ""
    with pytest.raises(CommandError, match="WECHAT_ENCODING_AES_KEY"):
        simulate("text", "--mode", "safe")


def test_unreachable_url_is_a_command_error():
    with pytest.raises(CommandError, match="could not reach"):
        simulate("text", "--url", "http://127.0.0.1:9/wechat/")


@pytest.mark.django_db(transaction=True)
def test_url_posts_to_a_running_server(live_server):
    output = simulate("text", "--url", f"{live_server.url}/wechat/")
    assert xml_to_dict(output)["MsgType"] == "news"
    assert "Hello World! I am text" in output


def test_a_refusing_server_is_reported_with_its_status(httpserver):
    httpserver.expect_request("/wechat/", method="POST").respond_with_data(
        "signature does not match WECHAT_TOKEN", status=403
    )
    with pytest.raises(CommandError, match="HTTP 403: signature does not match"):
        simulate("text", "--url", httpserver.url_for("/wechat/"))


def test_a_handler_that_raises_is_reported_on_stderr(monkeypatch):
    from io import StringIO

    from wechat import server

    monkeypatch.setitem(server.HANDLERS, "image", lambda m: 1 / 0)
    out, err = StringIO(), StringIO()
    call_command("wechat_simulate", "image", stdout=out, stderr=err)
    assert out.getvalue().strip() == "success"
    assert "The handler raised: ZeroDivisionError" in err.getvalue()
