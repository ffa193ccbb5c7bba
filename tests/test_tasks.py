"""Background sends: delivered once, retried only when WeChat certainly did not take them."""

import json
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.pushes import post, signed
from wechat import http, tasks
from wechat.models import MediaUpload, OutboundSend
from wechat.parsing import xml_to_dict
from wechat.simulate import build_push

USER = "oUSER_OPENID_0123456789abcdef"
SEND_URL = f"{settings.WECHAT_API_BASE_URL}cgi-bin/message/custom/send"
OK = {"errcode": 0, "errmsg": "ok"}
Status = OutboundSend.Status


def sends(mock) -> list[dict]:
    return [json.loads(c.request.body) for c in mock.calls if "custom/send" in c.request.url]


def answers(mock, *bodies) -> None:
    for body in bodies:
        if isinstance(body, dict):
            mock.post(SEND_URL, json=body)
        elif isinstance(body, int):
            mock.post(SEND_URL, body="server error", status=body)
        else:
            mock.post(SEND_URL, body=body)


def test_a_send_is_delivered_and_recorded(wechat_api):
    answers(wechat_api, OK)
    send = tasks.send_later("customSendText", USER, "hi")
    send.refresh_from_db()
    assert (send.status, send.attempts, send.answer, send.errcode) == (Status.SENT, 1, OK, None)
    assert send.sent_at is not None
    assert sends(wechat_api) == [{"touser": USER, "msgtype": "text", "text": {"content": "hi"}}]


@pytest.mark.parametrize(
    "failures",
    [
        [{"errcode": 45009, "errmsg": "api freq out of limit"}],
        [{"errcode": -1, "errmsg": "system error"}, {"errcode": 45009, "errmsg": "limit"}],
        [502],
        [requests.ConnectTimeout("connect timed out")],
    ],
    ids=["rate-limit", "busy-then-limit", "http-502", "connect-timeout"],
)
def test_a_send_refused_for_a_passing_reason_is_retried_until_sent(wechat_api, failures):
    answers(wechat_api, *failures, OK)
    send = tasks.send_later("customSendText", USER, "hi")
    send.refresh_from_db()
    assert (send.status, send.attempts) == (Status.SENT, len(failures) + 1)
    assert len(sends(wechat_api)) == len(failures) + 1


def test_a_send_that_keeps_failing_is_stored_as_failed_after_the_last_attempt(wechat_api, settings):
    settings.WECHAT_SEND_MAX_ATTEMPTS = 3
    answers(wechat_api, {"errcode": 45009, "errmsg": "api freq out of limit"})
    send = tasks.send_later("customSendText", USER, "hi")
    send.refresh_from_db()
    assert (send.status, send.attempts, send.errcode) == (Status.FAILED, 3, 45009)
    assert "api freq out of limit" in send.error
    assert len(sends(wechat_api)) == 3


def test_a_send_wechat_refuses_for_good_is_not_retried(wechat_api):
    answers(wechat_api, {"errcode": 45015, "errmsg": "response out of time limit"}, OK)
    send = tasks.send_later("customSendText", USER, "hi")
    send.refresh_from_db()
    assert (send.status, send.attempts, send.errcode) == (Status.FAILED, 1, 45015)
    assert len(sends(wechat_api)) == 1


def test_a_send_that_got_no_answer_is_unconfirmed_and_never_resent(wechat_api):
    answers(wechat_api, requests.ReadTimeout("read timed out"), OK)
    send = tasks.send_later("customSendText", USER, "hi")
    send.refresh_from_db()
    assert (send.status, send.attempts, send.errcode) == (Status.UNCONFIRMED, 1, http.NO_ANSWER)
    assert "not resent" in send.error
    assert len(sends(wechat_api)) == 1


def test_running_the_task_again_for_a_sent_message_sends_nothing(wechat_api):
    answers(wechat_api, OK)
    send = tasks.send_later("customSendText", USER, "hi")
    assert tasks.deliver.call(send.pk) == "skipped"
    assert len(sends(wechat_api)) == 1


def test_a_bad_argument_fails_the_send_without_retrying(wechat_api, tmp_path):
    send = tasks.send_later("customSendImage", USER, str(tmp_path / "missing.png"))
    send.refresh_from_db()
    assert (send.status, send.attempts) == (Status.FAILED, 1)
    assert "FileNotFoundError" in send.error


def test_only_customer_service_calls_can_be_sent_later(db):
    with pytest.raises(ValueError, match="not one of"):
        tasks.send_later("menuDelete", USER)
    assert not OutboundSend.objects.exists()


def test_backoff_grows_fourfold(settings):
    settings.WECHAT_SEND_RETRY_BASE_SECONDS = 10
    assert [tasks.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [10, 40, 160]


# --- With the database queue, as `make run` has it -------------------------------------------


# The worker closes connections that are not in autocommit mode, as a test
# transaction is on PostgreSQL: tests that run it commit for real.
worker_db = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)


@worker_db
def test_a_queued_send_waits_for_the_worker(wechat_api, database_queue):
    answers(wechat_api, OK)
    send = tasks.send_later("customSendText", USER, "hi")
    assert sends(wechat_api) == []
    assert OutboundSend.objects.get(pk=send.pk).status == Status.QUEUED
    run_worker()
    assert OutboundSend.objects.get(pk=send.pk).status == Status.SENT
    assert len(sends(wechat_api)) == 1


@worker_db
def test_a_retry_is_scheduled_after_the_backoff_not_run_at_once(wechat_api, database_queue):
    answers(wechat_api, {"errcode": 45009, "errmsg": "api freq out of limit"}, OK)
    send = tasks.send_later("customSendText", USER, "hi")
    run_worker()
    send.refresh_from_db()
    assert send.status == Status.RETRYING
    assert send.next_attempt_at > timezone.now() + timedelta(seconds=5)
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now() + timedelta(seconds=5)
    assert len(sends(wechat_api)) == 1  # the batch worker did not run the deferred retry

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    send.refresh_from_db()
    assert (send.status, send.attempts) == (Status.SENT, 2)
    assert len(sends(wechat_api)) == 2


# --- Sends batched inside a push ------------------------------------------------------------


@worker_db
def test_batched_sends_are_stored_on_exit_and_delivered_in_order(wechat_api, database_queue):
    answers(wechat_api, OK, OK, OK)
    with tasks.sends_batched():
        for word in ("one", "two", "three"):
            tasks.send_later("customSendText", USER, word)
        assert not OutboundSend.objects.exists()  # nothing written until the block ends
    assert OutboundSend.objects.filter(status=Status.QUEUED).count() == 3
    assert DBTaskResult.objects.count() == 1
    run_worker()
    assert [body["text"]["content"] for body in sends(wechat_api)] == ["one", "two", "three"]
    assert set(OutboundSend.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_batch_whose_block_raises_stores_nothing(wechat_api):
    with pytest.raises(RuntimeError), tasks.sends_batched():
        tasks.send_later("customSendText", USER, "never")
        raise RuntimeError("the handler failed")
    assert not OutboundSend.objects.exists()
    assert sends(wechat_api) == []


def test_a_send_outside_a_batch_is_stored_at_once(wechat_api, database_queue):
    send = tasks.send_later("customSendText", USER, "now")
    assert OutboundSend.objects.get(pk=send.pk).status == Status.QUEUED


# --- The demo's text handler ------------------------------------------------------------------


@pytest.fixture
def custom_send_api(wechat_api):
    answers(wechat_api, OK)
    wechat_api.post(
        f"{settings.WECHAT_API_BASE_URL}cgi-bin/media/upload",
        json={"type": "image", "media_id": "DEMO_MEDIA", "created_at": 1},
    )
    return wechat_api


def test_the_text_handler_replies_with_articles_and_sends_four_messages(client, custom_send_api):
    push = signed(build_push("text", openid=USER, content="hi"))
    response = post(client, push)
    assert response.status_code == 200
    reply = xml_to_dict(response.content.decode())
    assert reply["MsgType"] == "news"
    assert reply["ArticleCount"] == "1"

    sent = sends(custom_send_api)
    assert [body["msgtype"] for body in sent] == ["text", "image", "news", "news"]
    assert {body["touser"] for body in sent} == {USER}
    assert sent[1]["image"] == {"media_id": "DEMO_MEDIA"}
    assert [len(body["news"]["articles"]) for body in sent[2:]] == [1, 2]
    assert all(article["picurl"] for body in sent[2:] for article in body["news"]["articles"])
    assert list(OutboundSend.objects.values_list("status", flat=True)) == [Status.SENT] * 4
    assert MediaUpload.objects.count() == 1


def test_a_retried_text_push_sends_nothing_again(client, custom_send_api):
    push = signed(build_push("text", openid=USER, content="hi"))
    first = post(client, push)
    again = post(client, push)
    assert again.content == first.content
    assert len(sends(custom_send_api)) == 4
    assert OutboundSend.objects.count() == 4


@worker_db
def test_the_text_handler_only_enqueues_with_the_database_queue(
    client, custom_send_api, database_queue
):
    response = post(client, signed(build_push("text", openid=USER, content="hi")))
    assert xml_to_dict(response.content.decode())["MsgType"] == "news"
    assert sends(custom_send_api) == []
    assert OutboundSend.objects.filter(status=Status.QUEUED).count() == 4
    run_worker()
    assert len(sends(custom_send_api)) == 4


# --- Admin ---------------------------------------------------------------------------------------


def test_admin_lists_a_failed_send_with_its_error_read_only(admin_client, wechat_api):
    answers(wechat_api, {"errcode": 45015, "errmsg": "response out of time limit"})
    send = tasks.send_later("customSendText", USER, "hi")
    listing = admin_client.get("/admin/wechat/outboundsend/?status=failed")
    assert listing.status_code == 200
    assert USER in listing.content.decode()
    detail = admin_client.get(f"/admin/wechat/outboundsend/{send.pk}/change/")
    assert "response out of time limit" in detail.content.decode()
    assert b'name="_save"' not in detail.content
    assert admin_client.get("/admin/wechat/outboundsend/add/").status_code == 403


def test_the_admin_action_sends_failed_sends_again_but_not_unconfirmed_ones(
    admin_client, wechat_api
):
    answers(
        wechat_api,
        {"errcode": 45015, "errmsg": "response out of time limit"},
        requests.ReadTimeout("read timed out"),
        OK,
    )
    failed = tasks.send_later("customSendText", USER, "one")
    unconfirmed = tasks.send_later("customSendText", USER, "two")
    response = admin_client.post(
        "/admin/wechat/outboundsend/",
        {"action": "send_again", "_selected_action": [failed.pk, unconfirmed.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 send(s) queued again." in page
    assert "1 skipped" in page
    failed.refresh_from_db()
    unconfirmed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.SENT, 1)
    assert unconfirmed.status == Status.UNCONFIRMED
    assert [body["text"]["content"] for body in sends(wechat_api)] == ["one", "two", "one"]
