"""SQLite with a blocking file lock around write transactions.

SQLite lets one writer at a time; a second process that finds the database
locked sleeps in SQLite's busy handler in whole milliseconds (1, 2, 5, 10…),
which idles a worker far longer than a push's write takes. An `flock` on a
file beside the database queues writers in the kernel instead, and wakes the
next one the moment the lock is released.
"""

import fcntl

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_file = None

    def _write_lock(self):
        if self._lock_file is None:
            name = str(self.settings_dict["NAME"])
            path = name + ".writelock" if name and ":memory:" not in name else None
            self._lock_file = open(path, "a+") if path else False  # noqa: SIM115
        return self._lock_file

    def _start_transaction_under_autocommit(self):
        lock = self._write_lock()
        if lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release()
            raise

    def _release(self):
        if self._lock_file:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._release()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._release()

    def _close(self):
        try:
            super()._close()
        finally:
            self._release()
