"""One process of the economy bench: N tool calls and M uploads of one image.

Usage: python -m bench.toolcalls CALLS UPLOADS IMAGE GO_FILE
Prints "ready" once Django is set up, starts when GO_FILE exists (so every
process begins cold at the same moment), then prints the media ids it got.
"""

import os
import sys
import time
from pathlib import Path

import django


def main() -> None:
    calls, uploads, image, go_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wrist.settings")
    django.setup()
    from wechat import tools

    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.005)
    for number in range(calls):
        tools.getStat(f"device_{number}")
    media = {tools.uploadMedia("image", image)["media_id"] for _ in range(uploads)}
    print(" ".join(sorted(media)), flush=True)


if __name__ == "__main__":
    main()
