"""A savepoint taken only when a block first touches the database.

The callback runs each handler in a savepoint, so that a handler that raises
loses its writes while the push and its error are kept. Most handlers never
query, and SAVEPOINT plus RELEASE are two statements per push (two round
trips on PostgreSQL) spent for nothing. `savepoint_on_first_query` issues the
SAVEPOINT just before the block's first query instead, and nothing at all
for a block that runs none.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.transaction import TransactionManagementError


@contextmanager
def savepoint_on_first_query(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A nested `transaction.atomic()` whose SAVEPOINT waits for the first query.

    If the block raises (or leaves the transaction needing a rollback), its
    writes are rolled back to the savepoint and the `on_commit` callbacks it
    registered are dropped, as `atomic()` would do; the enclosing transaction
    goes on. Must run inside an atomic block.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise TransactionManagementError("savepoint_on_first_query needs an atomic block")
    callbacks_before = len(connection.run_on_commit)
    savepoint = None
    asked = False

    def savepoint_first(execute, sql, params, many, context):
        nonlocal savepoint, asked
        if not asked:
            asked = True  # the SAVEPOINT statement itself comes through here too
            savepoint = connection.savepoint()
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(savepoint_first):
            yield
    except BaseException:
        _roll_back(connection, savepoint, callbacks_before)
        raise
    if connection.needs_rollback:
        _roll_back(connection, savepoint, callbacks_before)
    elif savepoint:
        connection.savepoint_commit(savepoint)


def _roll_back(connection, savepoint: str | None, callbacks_before: int) -> None:
    del connection.run_on_commit[callbacks_before:]
    connection.needs_rollback = False  # first: a broken transaction refuses the ROLLBACK TO
    if savepoint:
        connection.savepoint_rollback(savepoint)
        connection.savepoint_commit(savepoint)  # released: it will not be reused
