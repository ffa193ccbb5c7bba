"""Refresh devices' status (`getStat`) and bindings (`getOpenId`) from WeChat."""

from django.core.management.base import BaseCommand, CommandError

from devices import sync
from devices.actions import refusal
from devices.models import Device
from wechat.exceptions import WeChatAPIError


class Command(BaseCommand):
    help = (
        "Sync devices with WeChat, status and bindings: "
        "device_sync DEVICE_ID [DEVICE_ID ...] or device_sync --all"
    )

    def add_arguments(self, parser):
        parser.add_argument("device_ids", nargs="*", metavar="DEVICE_ID")
        parser.add_argument("--all", action="store_true", help="Every device in the database.")

    def handle(self, *args, device_ids: list[str], all: bool, **options):  # noqa: A002
        if all == bool(device_ids):
            raise CommandError("name the devices to sync, or use --all (not both)")
        devices = list(Device.objects.all() if all else self._named(device_ids))
        opened = closed = failed = 0
        for device in devices:
            try:
                sync.refresh_status(device)
                result = sync.sync_device(device)
            except WeChatAPIError as err:
                failed += 1
                self.stdout.write(self.style.ERROR(f"{self._name(device)}: {refusal(err)}"))
                continue
            opened, closed = opened + len(result.opened), closed + len(result.closed)
            status = device.get_status_display() or "unknown"
            self.stdout.write(f"{self._name(device)}: status {status}; bindings {result}")
        summary = (
            f"Synced {len(devices) - failed} of {len(devices)} device(s): "
            f"{opened} binding(s) opened, {closed} closed."
        )
        if failed:
            raise CommandError(f"{summary} {failed} failed.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _named(self, device_ids: list[str]) -> list[Device]:
        devices = list(Device.objects.filter(device_id__in=device_ids))
        missing = sorted(set(device_ids) - {device.device_id for device in devices})
        if missing:
            raise CommandError(
                f"unknown device(s): {', '.join(missing)}. Devices are recorded by their "
                "first event, or added in admin."
            )
        return devices

    @staticmethod
    def _name(device: Device) -> str:
        return f"{device.device_type}/{device.device_id}"
