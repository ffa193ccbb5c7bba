"""Every log record of the whole test run, at DEBUG, searched for secrets.

`tests/conftest.py` turns every logger to DEBUG for the session (the handlers
that print keep their own level, so output does not change) and hangs a
`SecretWatch` on the root logger. Each record, formatted with its traceback,
is searched for the test account's app secret and AES key and the access
tokens the stand-ins hand out; a leak fails the run when it ends. The one
logger left out is werkzeug's: it is the WeChat stand-in's own access log
(pytest-httpserver), WeChat's side of the wire, where tokens belong.
"""

import logging
from collections.abc import Callable

FORMAT = "%(name)s %(levelname)s %(message)s"
STAND_IN_LOGGERS = ("werkzeug",)
# The access tokens the stand-in of `test_no_secret_leaks.py` hands out.
STAND_IN_TOKENS = ("LEAKCHECK_FIRST_TOKEN_1234567890", "LEAKCHECK_SECOND_TOKEN_0987654321")


class SecretWatch(logging.Handler):
    """Counts the records it sees and keeps a line for each that holds a secret."""

    def __init__(self, secrets: dict[str, str]) -> None:
        super().__init__(logging.DEBUG)
        self.secrets = {name: value for name, value in secrets.items() if value}
        self.records = 0
        self.leaks: list[str] = []
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(STAND_IN_LOGGERS):
            return
        self.records += 1
        try:
            text = self.format(record)
        except Exception:  # a record whose arguments do not format: search its parts
            text = f"{record.msg} {record.args}"
        for name, value in self.secrets.items():
            if value in text:
                self.leaks.append(f"{name} in a {record.levelname} record of {record.name}")


def watch_everything_at_debug(watch: SecretWatch) -> Callable[[], None]:
    """Route every logger's DEBUG records to `watch`; returns a function that undoes it."""
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    handler_levels = {}
    for logger in loggers:
        for handler in logger.handlers:
            # Printing handlers keep printing what they printed before.
            handler_levels[handler] = handler.level
            handler.setLevel(max(handler.level, logger.getEffectiveLevel()))
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root.addHandler(watch)

    def undo() -> None:
        root.removeHandler(watch)
        for logger, level in levels.items():
            logger.setLevel(level)
        for handler, level in handler_levels.items():
            handler.setLevel(level)

    return undo
