"""Turn a push body into a dict and a wechatpy message, refusing hostile XML.

defusedxml parses with DTDs and entities forbidden, so a billion-laughs or an
external-entity push is refused before anything is expanded or fetched.
"""

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage

from wechat.exceptions import ForbiddenXML, MalformedPush


def xml_to_dict(body: bytes | str) -> dict:
    """Parse `<xml>…</xml>` into nested dicts, as xmltodict (and so wechatpy) expects."""
    if not body or not body.strip():
        raise MalformedPush("the body is empty")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise ForbiddenXML("XML with a DTD or entities is not accepted") from err
    except (ParseError, ValueError) as err:
        raise MalformedPush(f"the body is not well-formed XML: {err}") from err
    if root.tag != "xml":
        raise MalformedPush("the root element must be <xml>")
    return _children(root)


def _children(element: Element) -> dict:
    data: dict = {}
    for child in element:
        value = _children(child) if len(child) else (child.text or "").strip() or None
        if child.tag in data:
            previous = data[child.tag]
            data[child.tag] = (
                previous + [value] if isinstance(previous, list) else [previous, value]
            )
        else:
            data[child.tag] = value
    return data


def kind_of(data: dict) -> str:
    """The handler-table key of a push: `text`, `event.subscribe`, `device_event.bind`…"""
    msg_type = data.get("MsgType")
    if not isinstance(msg_type, str) or not msg_type:
        raise MalformedPush("the push has no MsgType")
    msg_type = msg_type.lower()
    if msg_type in ("event", "device_event"):
        event = data.get("Event")
        if not event or not isinstance(event, str):
            raise MalformedPush(f"the {msg_type} push has no Event")
        event = event.lower()
        event_key = data.get("EventKey")
        if event == "subscribe" and isinstance(event_key, str) and event_key.startswith("qrscene_"):
            event = "subscribe_scan"
        return f"{msg_type}.{event}"
    return msg_type


def to_message(data: dict, kind: str) -> BaseMessage:
    """Build wechatpy's message or event object for the push."""
    if kind.startswith("event."):
        event = kind.split(".", 1)[1]
        if event == "subscribe_scan":
            data = {**data, "Event": event, "EventKey": data["EventKey"][len("qrscene_") :]}
        return EVENT_TYPES.get(event, UnknownMessage)(data)
    if kind.startswith("device_event."):
        return EVENT_TYPES.get("device_" + kind.split(".", 1)[1], UnknownMessage)(data)
    if kind == "device_text":
        return EVENT_TYPES["device_text"](data)
    return MESSAGE_TYPES.get(kind, UnknownMessage)(data)
