"""Fuzzing the callback with hostile input: DTDs and entity bombs, bad AES, huge bodies.

The second half of the callback fuzzing (see test_fuzz_callback.py), and the
check that the whole run kept the service intact and ran over 10,000 inputs.
"""

import base64

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from tests.pushes import post
from tests.reliability import strategies as s
from tests.reliability.fuzzcount import COUNTS
from tests.reliability.fuzzing import (
    answers_valid_push,
    check,
    encrypted,
    fuzz,
    send_raw,
    signed_query,
    with_encrypt,
)
from wechat.crypto import MessageCrypto
from wechat.models import InboundMessage
from wechat.simulate import SignedPush, build_push, to_xml

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet")]


# --- DTDs, entity bombs, external entities ------------------------------------------------


@fuzz(500)
@given(body=s.dtd_bodies(), inside_encrypt=st.booleans())
def test_dtds_and_entities_are_400_without_expanding(client, body, inside_encrypt):
    rows = InboundMessage.objects.count()
    if inside_encrypt:
        response = post(client, encrypted(body))
    else:
        response = send_raw(client, body.encode(), signed_query())
    check(client, "DTD / entities", response, rows)
    assert response.status_code == 400
    assert b"lollol" not in response.content and b"root:" not in response.content


# --- AES: wrong keys, other app ids, truncated and random Encrypt -------------------------


@fuzz(1700)
@given(
    case=st.one_of(
        st.tuples(st.just("wrong key"), s.wrong_aes_keys()),
        st.tuples(st.just("other app id"), st.text(min_size=1, max_size=20)),
        st.tuples(st.just("truncated"), st.integers(min_value=0, max_value=400)),
        st.tuples(st.just("random base64"), st.binary(max_size=200)),
        st.tuples(st.just("unsigned truncation"), st.integers(min_value=1, max_value=400)),
    ),
    kind=s.KINDS,
)
def test_bad_encrypt_is_400_or_403_and_not_stored(client, case, kind):
    rows = InboundMessage.objects.count()
    what, value = case
    xml = build_push(*kind)
    good = MessageCrypto(settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APP_ID).encrypt(xml)
    if what == "wrong key":
        push = encrypted(xml, key=value)
    elif what == "other app id":
        push = encrypted(xml, app_id=value if value != settings.WECHAT_APP_ID else value + "x")
    elif what == "truncated":
        push = with_encrypt(good[: value % len(good)])
    elif what == "random base64":
        push = with_encrypt(base64.b64encode(value).decode())
    else:  # cut after signing: the msg_signature no longer matches
        signed_push = with_encrypt(good)
        push = SignedPush(
            signed_push.query, to_xml({"Encrypt": good[: len(good) - value % len(good) - 1]})
        )
    response = post(client, push)
    check(client, f"AES: {what}", response, rows)
    assert response.status_code == (403 if what == "unsigned truncation" else 400)


# --- Oversized bodies ------------------------------------------------------------------------


@fuzz(100)
@given(extra=st.integers(min_value=1, max_value=200_000), filler=st.binary(min_size=1, max_size=16))
def test_bodies_over_64_kib_are_413(client, extra, filler):
    rows = InboundMessage.objects.count()
    size = 64 * 1024 + extra
    body = (filler * (size // len(filler) + 1))[:size]
    response = send_raw(client, body, signed_query())
    check(client, "oversized body", response, rows)
    assert response.status_code == 413


FUZZ_FAMILIES = 12  # the labels passed to check() in both fuzz modules


def test_after_every_fuzz_input_the_next_valid_push_is_answered(client):
    """Runs after both fuzz modules: the service is intact after everything they sent."""
    answers_valid_push(client)
    if len(COUNTS) == FUZZ_FAMILIES:  # both modules ran whole, not a -k selection
        assert sum(COUNTS.values()) >= 10_000
