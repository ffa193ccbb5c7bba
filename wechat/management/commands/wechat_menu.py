"""Show, create (from a JSON file) or delete the account's custom menu."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wechat import tools
from wechat.exceptions import WeChatAPIError

NO_MENU = 46003


class Command(BaseCommand):
    help = (
        "Manage the custom menu: 'wechat_menu show' prints it as JSON, "
        "'wechat_menu create menus/demo_menu.json' replaces it with the file's, "
        "'wechat_menu delete' removes it."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("show", help="Print the current menu as JSON.")
        create = actions.add_parser("create", help="Replace the menu with a JSON file's.")
        create.add_argument("file", type=Path, help='A JSON file: {"button": [...]}.')
        actions.add_parser("delete", help="Delete the menu.")

    def handle(self, *args, action: str, file: Path | None = None, **options):
        try:
            getattr(self, f"_{action}")(file)
        except WeChatAPIError as err:
            raise CommandError(str(err)) from err  # "<api> failed: [<errcode>] <errmsg>"

    def _show(self, file: None) -> None:
        try:
            menu = tools.menuQuery()
        except WeChatAPIError as err:
            if err.errcode != NO_MENU:
                raise
            self.stdout.write("No menu is set.")
            return
        self.stdout.write(json.dumps(menu, ensure_ascii=False, indent=2))

    def _create(self, file: Path) -> None:
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except OSError as err:
            raise CommandError(f"cannot read {file}: {err.strerror}") from err
        except ValueError as err:
            raise CommandError(f"{file} is not valid JSON: {err}") from err
        if not isinstance(body, dict) or not isinstance(body.get("button"), list):
            raise CommandError(f'{file} must hold a JSON object with a "button" list')
        tools.menuCreate(body)
        self.stdout.write(self.style.SUCCESS(f"Menu created from {file}."))

    def _delete(self, file: None) -> None:
        tools.menuDelete()
        self.stdout.write(self.style.SUCCESS("Menu deleted."))
