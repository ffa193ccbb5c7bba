import logging

import pytest

from tests.reliability.fuzzcount import COUNTS


def pytest_terminal_summary(terminalreporter):
    if COUNTS:
        total = sum(COUNTS.values())
        terminalreporter.write_sep("-", f"callback fuzzing: {total:,} inputs")
        for test, number in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{number:7,}  {test}")


@pytest.fixture
def quiet(settings):
    """Thousands of rejections: keep their log lines (and the handlers' sends) out of the way."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    loggers = [logging.getLogger(name) for name in ("django.request", "wechat", "django_tasks")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
