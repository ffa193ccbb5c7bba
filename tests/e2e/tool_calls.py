"""Run in a separate process by test_tools_live: N tool calls and one upload, on the real settings.

Usage: python -m tests.e2e.tool_calls CALLS FILE GO_FILE
Prints "ready" once Django is set up, waits for GO_FILE to exist (so every
process starts cold at the same moment), then prints the upload's media_id.
"""

import os
import sys
import time
from pathlib import Path

import django


def main() -> None:
    calls, upload, go_file = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wrist.settings")
    django.setup()
    from wechat import tools

    print("ready", flush=True)
    while not go_file.exists():
        time.sleep(0.005)
    for number in range(calls):
        tools.getStat(f"device_{number}")
    print(tools.uploadMedia("image", upload)["media_id"], flush=True)


if __name__ == "__main__":
    main()
