"""Fuzzing the callback: whatever arrives, the answer is 200/400/403/413, never a 5xx.

Deterministic (derandomize) and bounded, so CI runs the same inputs every
time (over 10,000 with test_fuzz_hostile.py); the suite's summary prints how
many ran. A rejected push stores nothing, and after hostile input the next
valid push is still answered right.
"""

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from tests.pushes import post, signed
from tests.reliability import strategies as s
from tests.reliability.fuzzing import check, encrypted, fuzz, send_raw, sign_any, signed_query
from wechat.crypto import sign
from wechat.models import InboundMessage
from wechat.parsing import xml_to_dict
from wechat.simulate import build_push, read_reply, to_xml

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet")]


# --- Random bytes -------------------------------------------------------------------


@fuzz(2500)
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


@fuzz(1500)
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


@fuzz(1200)
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


@fuzz(1500)
@given(kind=s.KINDS, mode=st.sampled_from(["plain", "safe"]), edits=s.mutations())
def test_mutated_xml_is_answered_or_400(client, kind, mode, edits):
    rows = InboundMessage.objects.count()
    xml = s.apply_mutations(build_push(*kind).encode(), edits)
    if mode == "plain":
        response = send_raw(client, xml, signed_query())
    else:
        response = post(client, encrypted(xml.decode("utf-8", "replace")))
    check(client, "mutated XML", response, rows)
    assert response.status_code in {200, 400}
