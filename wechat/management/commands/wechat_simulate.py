"""Send a signed (and, with an AES key, encrypted) push to /wechat/ and print the reply."""

import base64

import requests
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from wechat import conf
from wechat.inbox import dedup_key_for
from wechat.models import InboundMessage
from wechat.parsing import kind_of, xml_to_dict
from wechat.simulate import (
    DEVICE_EVENTS,
    EVENTS,
    MESSAGE_KINDS,
    SignedPush,
    build_push,
    read_reply,
    sign_push,
)

KINDS = (*MESSAGE_KINDS, "event", "device_text", "device_event")


class Command(BaseCommand):
    help = (
        "Build a push of any message or event type as WeChat would send it, post it to "
        "the local /wechat/ (in-process, or to --url) and print the decrypted reply. "
        "Examples: 'wechat_simulate text --content hi', 'wechat_simulate event subscribe', "
        "'wechat_simulate device_text --device-id d1 --content AQID'."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help="MsgType of the push.")
        parser.add_argument(
            "event",
            nargs="?",
            default="",
            help=f"Event, for 'event' ({', '.join(EVENTS)}) or 'device_event' "
            f"({', '.join(DEVICE_EVENTS)}).",
        )
        parser.add_argument("--openid", default="o_simulated_user", help="FromUserName.")
        parser.add_argument(
            "--content",
            help="Text (default 'hello'), or base64 bytes for devices (default 'aGVsbG8=').",
        )
        parser.add_argument("--event-key", default="", help="EventKey (menu key, qrscene_…).")
        parser.add_argument("--device-type", default="gh_wrist", help="DeviceType.")
        parser.add_argument("--device-id", default="device_1", help="DeviceID.")
        parser.add_argument(
            "--mode",
            choices=("plain", "compatible", "safe"),
            help="Message mode; default: safe when WECHAT_ENCODING_AES_KEY is set, else plain.",
        )
        parser.add_argument("--url", help="Post to this URL instead of in-process.")
        parser.add_argument("--show-push", action="store_true", help="Print the push too.")

    def handle(self, *args, **options):
        kind, event = options["kind"], options["event"]
        self._check_event(kind, event)
        content = options["content"]
        if kind.startswith("device_"):
            content = content if content is not None else "aGVsbG8="
            self._check_base64(content)
        elif content is None:
            content = "hello"
        token = conf.token()
        if not token:
            raise CommandError("WECHAT_TOKEN is not set: the callback would answer 403.")
        mode = options["mode"] or ("safe" if conf.encoding_aes_key() else "plain")
        if mode != "plain" and not (conf.encoding_aes_key() and conf.app_id()):
            raise CommandError(f"{mode} mode needs WECHAT_ENCODING_AES_KEY and WECHAT_APP_ID.")
        xml = build_push(
            kind,
            event,
            openid=options["openid"],
            content=content,
            event_key=options["event_key"],
            device_type=options["device_type"],
            device_id=options["device_id"],
        )
        try:
            push = sign_push(
                xml,
                token,
                mode=mode,
                encoding_aes_key=conf.encoding_aes_key(),
                app_id=conf.app_id(),
            )
        except ValueError as err:
            raise CommandError(str(err)) from err
        if options["show_push"]:
            self.stdout.write(f"--- push ({mode} mode)\n{xml}\n--- reply")
        status, body = self._post(push, options["url"])
        if status != 200:
            raise CommandError(f"/wechat/ answered HTTP {status}: {body}")
        self.stdout.write(read_reply(push, body))
        self._report_handler_failure(xml)

    def _report_handler_failure(self, xml: str) -> None:
        """`success` also answers a handler that raised: say so, from the push log."""
        data = xml_to_dict(xml)
        stored = InboundMessage.objects.filter(dedup_key=dedup_key_for(data, kind_of(data)))
        failed = stored.filter(status=InboundMessage.Status.FAILED).first()
        if failed:
            last_line = failed.error.strip().splitlines()[-1]
            self.stderr.write(f"The handler raised: {last_line} (traceback in admin).")

    def _check_event(self, kind: str, event: str) -> None:
        choices = {"event": EVENTS, "device_event": DEVICE_EVENTS}.get(kind)
        if choices is None and event:
            raise CommandError(f"'{kind}' takes no event name (got {event!r}).")
        if choices is not None and event not in choices:
            raise CommandError(f"'{kind}' needs an event, one of: {', '.join(choices)}.")

    def _check_base64(self, content: str) -> None:
        try:
            base64.b64decode(content, validate=True)
        except ValueError as err:
            raise CommandError(f"device --content must be base64, not {content!r}.") from err

    def _post(self, push: SignedPush, url: str | None) -> tuple[int, str]:
        body = push.body.encode()
        if not url:
            response = Client(HTTP_HOST="localhost").post(
                "/wechat/", body, content_type="text/xml", query_params=push.query
            )
            return response.status_code, response.content.decode()
        try:
            response = requests.post(
                url, params=push.query, data=body, headers={"Content-Type": "text/xml"}, timeout=10
            )
        except requests.RequestException as err:
            raise CommandError(f"could not reach {url}: {err}") from err
        return response.status_code, response.text
