"""Route a push to its handler in `wechat.server` and render what it returns."""

from wechatpy.messages import BaseMessage
from wechatpy.replies import BaseReply, TextReply

from wechat.inbox import EMPTY_REPLY, Push
from wechat.tasks import sends_batched

Reply = BaseReply | str | None


def handler_for(kind: str):
    """The handler registered for `kind` in `wechat.server.HANDLERS`, or None."""
    from wechat import server  # imported late: server imports services that import models

    return server.HANDLERS.get(kind)


def run_handler(push: Push) -> str:
    """Run the push's handler; a push with no handler gets the empty reply.

    Every push, handled or not, first bumps its sender's last-seen time (at
    most once a minute per process and user). The sends a handler queues are
    stored together when it returns.
    """
    from devices.services import touch_last_seen_throttled  # late, like handler_for

    touch_last_seen_throttled(push.sender)
    handler = handler_for(push.kind)
    if handler is None:
        return EMPTY_REPLY
    with sends_batched():
        reply = handler(push.message)
    return render_reply(reply, push.message)


def cdata_safe(text: str) -> str:
    """wechatpy writes text into CDATA as it is; split any `]]>` so it cannot end it.

    Without this a handler echoing a user's "]]>" would send WeChat broken XML.
    """
    return text.replace("]]>", "]]]]><![CDATA[>")


def _cdata_safe_values(value):
    """`cdata_safe` applied to every string in a reply's values, articles included."""
    if isinstance(value, str):
        return cdata_safe(value)
    if isinstance(value, list | tuple):
        return [_cdata_safe_values(item) for item in value]
    if isinstance(value, dict):
        return {key: _cdata_safe_values(item) for key, item in value.items()}
    return value


def render_reply(reply: Reply, message: BaseMessage) -> str:
    """A handler may return None (no reply), a text, or any wechatpy reply.

    Every string value goes through `cdata_safe` first: a title or a text
    taken from user input cannot break the reply's XML.
    """
    if reply is None or reply == "":
        return EMPTY_REPLY
    if isinstance(reply, str):
        reply = TextReply(content=reply, message=message)
    if not isinstance(reply, BaseReply):
        raise TypeError(f"a handler returned {type(reply).__name__}, not a reply")
    # wechatpy keeps a reply's field values in `_data` and renders them from there.
    reply._data = {name: _cdata_safe_values(value) for name, value in reply._data.items()}
    return reply.render()
