"""Write a device's QR code (WeChat's `createQrByDeviceId`) to a PNG file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devices.actions import refusal
from wechat import tools
from wechat.exceptions import WeChatAPIError


class Command(BaseCommand):
    help = "Write a device's QR code to a PNG: device_qr DEVICE_ID -o FILE.png"

    def add_arguments(self, parser):
        parser.add_argument("device_id", help="The DeviceID as WeChat knows it.")
        parser.add_argument(
            "-o", "--output", type=Path, help="PNG file to write (default: DEVICE_ID.png)."
        )

    def handle(self, *args, device_id: str, output: Path | None, **options):
        output = output or Path(f"{device_id}.png")
        if not output.parent.is_dir():
            raise CommandError(f"cannot write {output}: {output.parent} is not a folder")
        try:
            ticket = tools.createQrByDeviceId(device_id, filename=str(output))
        except WeChatAPIError as err:
            raise CommandError(refusal(err)) from err
        except OSError as err:
            raise CommandError(f"cannot write {output}: {err.strerror}") from err
        self.stdout.write(self.style.SUCCESS(f"Wrote the QR code of {device_id} to {output}."))
        self.stdout.write(f"ticket: {ticket}")
