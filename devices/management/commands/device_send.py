"""Send a message to a device on behalf of a user (WeChat's `transMsg`)."""

import json

from django.core.management.base import BaseCommand, CommandError

from devices.actions import refusal
from wechat import tools
from wechat.exceptions import WeChatAPIError


class Command(BaseCommand):
    help = "Send CONTENT to a device: device_send DEVICE_TYPE DEVICE_ID OPENID CONTENT"

    def add_arguments(self, parser):
        parser.add_argument("device_type", help="DeviceType: the gh_… id of the account.")
        parser.add_argument("device_id", help="DeviceID.")
        parser.add_argument("openid", help="A user bound to the device.")
        parser.add_argument("content", help="Text sent as the device's bytes (UTF-8).")

    def handle(self, *args, device_type, device_id, openid, content, **options):
        try:
            answer = tools.transMsg(device_type, device_id, openid, content)
        except WeChatAPIError as err:
            raise CommandError(refusal(err)) from err
        self.stdout.write(self.style.SUCCESS(f"Sent to {device_type}/{device_id} for {openid}."))
        self.stdout.write(json.dumps(answer, ensure_ascii=False))
