"""Hypothesis strategies for hostile and broken pushes."""

import base64

from hypothesis import strategies as st

from wechat.simulate import EVENTS, MESSAGE_KINDS

KINDS = st.one_of(
    st.tuples(st.sampled_from(MESSAGE_KINDS), st.just("")),
    st.tuples(st.just("event"), st.sampled_from(EVENTS)),
    st.tuples(st.just("device_event"), st.sampled_from(["bind", "unbind", "subscribe_status"])),
    st.tuples(st.just("device_text"), st.just("")),
)
MODES = st.sampled_from(["plain", "compatible", "safe"])
TEXT = st.text(max_size=60)
NASTY_TEXT = st.one_of(
    TEXT,
    st.sampled_from(
        ["", " ", "<", "&", "]]>", "<![CDATA[", "\x00", "\ud7ff", "-1", "9" * 40, "event", "&amp;"]
    ),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)


def field_breaks():
    """How one field of a push is broken: removed, emptied, replaced, nested, doubled, raw."""
    return st.one_of(
        st.tuples(st.just("remove"), st.just("")),
        st.tuples(st.just("replace"), NASTY_TEXT),
        st.tuples(st.just("nest"), TEXT),
        st.tuples(st.just("double"), TEXT),
        st.tuples(st.just("raw"), NASTY_TEXT),  # inserted unescaped
    )


def mutations():
    """Byte-level edits of a serialised push: delete, insert, replace, truncate."""
    edit = st.tuples(
        st.sampled_from(["delete", "insert", "replace", "truncate"]),
        st.floats(min_value=0, max_value=1, allow_nan=False),
        st.binary(min_size=1, max_size=8),
    )
    return st.lists(edit, min_size=1, max_size=4)


def apply_mutations(data: bytes, edits) -> bytes:
    for op, where, payload in edits:
        at = int(where * len(data))
        if op == "delete":
            data = data[:at] + data[at + len(payload) :]
        elif op == "insert":
            data = data[:at] + payload + data[at:]
        elif op == "replace":
            data = data[:at] + payload + data[at + len(payload) :]
        else:
            data = data[:at]
    return data


def dtd_bodies():
    """XML carrying a DTD: entity bombs, external and parameter entities, bare doctypes."""
    depth = st.integers(min_value=1, max_value=9)
    width = st.integers(min_value=1, max_value=10)
    target = st.sampled_from(
        ["file:///etc/passwd", "http://127.0.0.1:9/x", "https://example.com/e.dtd", "expect://id"]
    )
    name = st.from_regex(r"\A[a-z][a-z0-9]{0,6}\Z")

    def bomb(n: int, w: int, ent: str) -> str:
        lines = [f'<!ENTITY {ent}0 "lol">']
        for level in range(1, n + 1):
            refs = f"&{ent}{level - 1};" * w
            lines.append(f'<!ENTITY {ent}{level} "{refs}">')
        body = "".join(lines)
        return f"<!DOCTYPE xml [{body}]><xml><Content>&{ent}{n};</Content></xml>"

    def external(uri: str, ent: str) -> str:
        return (
            f'<!DOCTYPE xml [<!ENTITY {ent} SYSTEM "{uri}">]>'
            f"<xml><ToUserName>a</ToUserName><Content>&{ent};</Content></xml>"
        )

    def parameter(uri: str, ent: str) -> str:
        return f'<!DOCTYPE xml [<!ENTITY % {ent} SYSTEM "{uri}"> %{ent};]><xml></xml>'

    def public(uri: str, ent: str) -> str:
        return f'<!DOCTYPE xml PUBLIC "-//{ent}//EN" "{uri}"><xml><MsgType>text</MsgType></xml>'

    return st.one_of(
        st.builds(bomb, depth, width, name),
        st.builds(external, target, name),
        st.builds(parameter, target, name),
        st.builds(public, target, name),
    )


def wrong_aes_keys():
    """43-character keys that are valid base64 but not the account's key."""
    return st.binary(min_size=32, max_size=32).map(lambda raw: base64.b64encode(raw).decode()[:-1])
