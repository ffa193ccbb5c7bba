"""Fuzzing the callback: whatever arrives, the answer is 200/400/403/413, never a 5xx.

Deterministic (derandomize) and bounded, so CI runs the same >10,000 inputs
every time; the suite's summary prints how many ran. A rejected push stores
nothing, and after hostile input the next valid push is still answered right.
"""

import base64
import logging

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.pushes import post, signed
from tests.reliability import strategies as s
from tests.reliability.fuzzcount import COUNTS, count
from wechat.crypto import MessageCrypto, sign
from wechat.models import InboundMessage
from wechat.parsing import xml_to_dict
from wechat.simulate import SignedPush, build_push, read_reply, to_xml

pytestmark = pytest.mark.django_db

ALLOWED = {200, 400, 403, 413}
CHECK_EVERY = 250  # a valid push goes through after this many hostile ones


@pytest.fixture(autouse=True)
def quiet(settings):
    """Thousands of rejections: keep their log lines (and the handlers' sends) out of the way."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    loggers = [logging.getLogger(name) for name in ("django.request", "wechat", "django_tasks")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def fuzz(examples: int):
    return hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


def send_raw(client, body: bytes, query: dict):
    return client.post("/wechat/", body, content_type="text/xml", query_params=query)


def answers_valid_push(client) -> None:
    response, reply = _send_valid(client)
    assert response.status_code == 200
    assert "Hello World! I am" in reply or "<MsgType>news</MsgType>" in reply.replace(
        "<![CDATA[", ""
    ).replace("]]>", "")


def _send_valid(client):
    push = signed(build_push("event", "CLICK"), "safe")
    response = post(client, push)
    return response, read_reply(push, response.content.decode())


def check(client, test: str, response, rows_before: int) -> None:
    """The property every fuzz input must keep."""
    assert response.status_code in ALLOWED, (response.status_code, response.content[:300])
    if response.status_code != 200:
        assert InboundMessage.objects.count() == rows_before, "a rejected push was stored"
        assert b"Traceback" not in response.content
    if count(test) % CHECK_EVERY == 0:
        answers_valid_push(client)


def signed_query(mode: str = "plain") -> dict:
    return dict(signed(build_push("text"), mode).query)


# --- Random bytes -------------------------------------------------------------------


@fuzz(2000)
@given(body=st.binary(max_size=1500), mode=st.sampled_from(["plain", "safe"]))
def test_random_bytes_with_a_valid_signature_are_never_a_5xx(client, body, mode):
    rows = InboundMessage.objects.count()
    query = signed_query(mode)
    if mode == "safe":  # reach decryption: msg_signature over whatever <Encrypt> holds
        query["msg_signature"] = sign(
            settings.WECHAT_TOKEN, query["timestamp"], query["nonce"], body.decode("latin-1")
        )
    response = send_raw(client, body, query)
    check(client, "random bytes, valid signature", response, rows)
    assert response.status_code in {400, 403}


@fuzz(1300)
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["signature", "timestamp", "nonce", "encrypt_type", "msg_signature", "echostr", "x"]
        ),
        st.text(max_size=50),
    ),
    body=st.one_of(st.binary(max_size=300), st.just(b"")),
)
def test_random_query_is_403_and_stores_nothing(client, query, body):
    rows = InboundMessage.objects.count()
    response = send_raw(client, body or build_push("text").encode(), query)
    check(client, "random query", response, rows)
    assert response.status_code == 403


@fuzz(1400)
@given(
    kind=s.KINDS,
    mode=s.MODES,
    forgery=st.one_of(
        st.text(min_size=1, max_size=45),
        st.sampled_from(["other_token", "", " "]),
        st.integers(min_value=0, max_value=39),
    ),
)
def test_valid_push_with_a_wrong_signature_is_403_and_not_stored(client, kind, mode, forgery):
    rows = InboundMessage.objects.count()
    push = signed(build_push(*kind), mode)
    query = dict(push.query)
    name = "msg_signature" if mode != "plain" and isinstance(forgery, int) else "signature"
    if isinstance(forgery, int):  # flip one hex digit of the right signature
        good = query[name]
        query[name] = good[:forgery] + ("0" if good[forgery] != "0" else "1") + good[forgery + 1 :]
    elif forgery == "other_token":
        query["signature"] = sign(
            "not_" + settings.WECHAT_TOKEN, query["timestamp"], query["nonce"]
        )
    elif forgery.strip():
        query["signature"] = forgery
    else:
        query.pop("signature")
    response = send_raw(client, push.body.encode(), query)
    check(client, "valid push, wrong signature", response, rows)
    assert response.status_code == 403


# --- Broken and mutated XML ------------------------------------------------------------


def broken_push(kind: tuple[str, str], field_index: int, how: tuple[str, str]) -> str:
    data = xml_to_dict(build_push(*kind))
    name = sorted(data)[field_index % len(data)]
    op, value = how
    if op == "remove":
        del data[name]
    elif op == "replace":
        data[name] = value
    elif op == "nest":
        data[name] = {"Inner": value or "x"}
    if op == "raw":
        xml = to_xml(data).replace(f"</{name}>", f"{value}</{name}>", 1)
    elif op == "double":
        xml = to_xml(data).replace(
            "</xml>", f"<{name}>{to_xml({'v': value}, root='')}</{name}></xml>"
        )
    else:
        xml = to_xml(data)
    return xml


def sign_any(xml: str, mode: str) -> SignedPush:
    """Sign even a push that does not parse: plain as it is, or encrypted in safe mode."""
    return SignedPush(signed_query(), xml) if mode == "plain" else _encrypted(xml)


@fuzz(1700)
@given(
    kind=s.KINDS,
    mode=st.sampled_from(["plain", "safe"]),
    field=st.integers(min_value=0, max_value=40),
    how=s.field_breaks(),
)
def test_valid_push_with_one_field_broken_is_answered_or_400(client, kind, mode, field, how):
    rows = InboundMessage.objects.count()
    push = sign_any(broken_push(kind, field, how), mode)
    response = post(client, push)
    check(client, "one field broken", response, rows)
    assert response.status_code in {200, 400}
    if response.status_code == 200 and mode == "safe" and response.content != b"success":
        # The reply's envelope is well-formed, signed with the Token and decrypts. (Its
        # plaintext need not parse: wechatpy echoes ToUserName into CDATA unescaped, so
        # a sender of "]]>", which WeChat never signs, breaks it.)
        assert read_reply(push, response.content.decode())


@fuzz(1700)
@given(kind=s.KINDS, mode=st.sampled_from(["plain", "safe"]), edits=s.mutations())
def test_mutated_xml_is_answered_or_400(client, kind, mode, edits):
    rows = InboundMessage.objects.count()
    xml = s.apply_mutations(build_push(*kind).encode(), edits)
    if mode == "plain":
        response = send_raw(client, xml, signed_query())
    else:
        response = post(client, _encrypted(xml.decode("utf-8", "replace")))
    check(client, "mutated XML", response, rows)
    assert response.status_code in {200, 400}


# --- DTDs, entity bombs, external entities ------------------------------------------------


@fuzz(500)
@given(body=s.dtd_bodies(), encrypted=st.booleans())
def test_dtds_and_entities_are_400_without_expanding(client, body, encrypted):
    rows = InboundMessage.objects.count()
    if encrypted:
        response = post(client, _encrypted(body))
    else:
        response = send_raw(client, body.encode(), signed_query())
    check(client, "DTD / entities", response, rows)
    assert response.status_code == 400
    assert b"lollol" not in response.content and b"root:" not in response.content


def _encrypted(xml: str, key: str | None = None, app_id: str | None = None) -> SignedPush:
    """`xml` encrypted (with the account's key unless told otherwise), correctly signed."""
    crypto = MessageCrypto(
        key or settings.WECHAT_ENCODING_AES_KEY, app_id or settings.WECHAT_APP_ID
    )
    return _with_encrypt(crypto.encrypt(xml))


def _with_encrypt(encrypted: str) -> SignedPush:
    query = signed_query()
    query.update(
        encrypt_type="aes",
        msg_signature=sign(settings.WECHAT_TOKEN, query["timestamp"], query["nonce"], encrypted),
    )
    body = to_xml({"ToUserName": "gh_wrist", "Encrypt": encrypted})
    # With the account's crypto, read_reply checks the reply's signature and decrypts it.
    account = MessageCrypto(settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APP_ID)
    return SignedPush(query, body, account, settings.WECHAT_TOKEN)


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
        push = _encrypted(xml, key=value)
    elif what == "other app id":
        push = _encrypted(xml, app_id=value if value != settings.WECHAT_APP_ID else value + "x")
    elif what == "truncated":
        push = _with_encrypt(good[: value % len(good)])
    elif what == "random base64":
        push = _with_encrypt(base64.b64encode(value).decode())
    else:  # cut after signing: the msg_signature no longer matches
        signed_push = _with_encrypt(good)
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


FUZZ_TESTS = 12  # the labels passed to check() above


def test_after_every_fuzz_input_the_next_valid_push_is_answered(client):
    """Runs last in this module: the service is intact after everything above."""
    answers_valid_push(client)
    if len(COUNTS) == FUZZ_TESTS:  # the whole module ran, not a -k selection
        assert sum(COUNTS.values()) >= 10_000
