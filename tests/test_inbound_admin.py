"""Admins read the push log in Django admin; nobody can change it."""

import pytest
from django.urls import reverse

from tests.pushes import post, signed
from wechat import server
from wechat.models import InboundMessage
from wechat.simulate import build_push

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushes(client, monkeypatch):
    post(client, signed(build_push("text", openid="o_alice")))
    post(client, signed(build_push("event", "subscribe", openid="o_bob"), "safe"))
    monkeypatch.setitem(server.HANDLERS, "voice", lambda m: 1 / 0)
    post(client, signed(build_push("voice", openid="o_carol")))


def changelist(admin_client, **params):
    url = reverse("admin:wechat_inboundmessage_changelist")
    response = admin_client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_changelist_lists_every_push(admin_client, pushes):
    page = changelist(admin_client)
    for sender in ("o_alice", "o_bob", "o_carol"):
        assert sender in page


def test_filter_by_status_shows_the_failed_push(admin_client, pushes):
    page = changelist(admin_client, status="failed")
    assert "o_carol" in page
    assert "o_alice" not in page


def test_filter_by_type(admin_client, pushes):
    page = changelist(admin_client, msg_type="event")
    assert "o_bob" in page and "o_alice" not in page


def test_search_by_sender(admin_client, pushes):
    page = changelist(admin_client, q="o_alice")
    assert "o_alice" in page and "o_bob" not in page


def test_detail_shows_the_error_and_cannot_be_saved(admin_client, pushes):
    failed = InboundMessage.objects.get(status="failed")
    url = reverse("admin:wechat_inboundmessage_change", args=[failed.pk])
    page = admin_client.get(url).content.decode()
    assert "ZeroDivisionError" in page
    assert 'name="_save"' not in page
    response = admin_client.post(url, {"status": "answered"})
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_pushes_cannot_be_added(admin_client):
    assert admin_client.get(reverse("admin:wechat_inboundmessage_add")).status_code == 403
