"""Settings of the Django floor (`bench/floor.py`): wrist's, minus every middleware."""

from wrist.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor"
MIDDLEWARE: list[str] = []
