"""INSERT and UPDATE for the few statements every push runs, built once.

The ORM compiles a query afresh on each call: for the callback's two or
three statements per push that Python work cost more than the database did
(about 0.15 ms each, most of a push's time). These helpers build the SQL once
per model and column set, from the model's own metadata, and adapt values
as the backend wants them, then execute on Django's connection: the
transaction, the SQLite write lock and the connection handling stay Django's.
Values go to the driver as they are, except datetimes and JSON, which the
backend and the field adapt; plain `=` and `<` conditions only. Anything
richer belongs to the ORM.
"""

from datetime import datetime
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, JSONField, Model

LOOKUPS = {"": "=", "lt": "<"}


def insert(model: type[Model], **values) -> None:
    """`INSERT INTO model (…) VALUES (…)`; IntegrityError as the ORM would raise it."""
    connection = connections[DEFAULT_DB_ALIAS]
    names = tuple(values)
    sql = _insert_sql(connection.vendor, model, names, 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt(connection, model, names, values.values()))


def insert_many(model: type[Model], rows: list[dict]) -> list[int]:
    """One `INSERT … VALUES (…), (…) RETURNING pk` for rows with the same keys.

    Returns the new primary keys in ascending order, which for the
    auto-incrementing keys of both databases is the order of `rows`.
    """
    if not rows:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    names = tuple(rows[0])
    if any(tuple(row) != names for row in rows):
        raise ValueError("fastsql.insert_many: every row needs the same fields, in order")
    sql = _insert_sql(connection.vendor, model, names, len(rows))
    sql += f" RETURNING {_quote(model._meta.pk.column)}"
    params = [value for row in rows for value in _adapt(connection, model, names, row.values())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(pk for (pk,) in cursor.fetchall())


def update(model: type[Model], where: dict, **values) -> int:
    """`UPDATE model SET … WHERE …` (`name` or `name__lt` conditions); rows changed."""
    if not values:
        raise ValueError("fastsql.update: nothing to set")
    connection = connections[DEFAULT_DB_ALIAS]
    sql = _update_sql(connection.vendor, model, tuple(values), tuple(where))
    names = (*values, *(condition.split("__")[0] for condition in where))
    params = _adapt(connection, model, names, [*values.values(), *where.values()])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _adapt(connection, model: type[Model], names: tuple[str, ...], values) -> list:
    adapters = _adapters(connection.vendor, model, names)
    return [
        value if adapt is None or value is None else adapt(value, connection)
        for adapt, value in zip(adapters, values, strict=True)
    ]


@cache
def _adapters(vendor: str, model: type[Model], names: tuple[str, ...]) -> tuple:
    """Per column: None (the driver takes the value as it is), or how to adapt it."""
    adapters = []
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, DateTimeField):
            adapters.append(_adapt_datetime)
        elif isinstance(field, JSONField):
            adapters.append(field.get_db_prep_save)
        else:
            adapters.append(None)
    return tuple(adapters)


def _adapt_datetime(value, connection):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value  # a string or an expression the database reads as it is


def _quote(name: str) -> str:
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(name)


def _column(model: type[Model], name: str) -> str:
    return _quote(model._meta.get_field(name).column)


@cache
def _insert_sql(vendor: str, model: type[Model], names: tuple[str, ...], rows: int) -> str:
    columns = ", ".join(_column(model, name) for name in names)
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    marks = ", ".join([row] * rows)
    # Identifiers come from the model (get_field rejects unknown names); values are bound.
    return f"INSERT INTO {_quote(model._meta.db_table)} ({columns}) VALUES {marks}"  # noqa: S608


@cache
def _update_sql(
    vendor: str, model: type[Model], names: tuple[str, ...], conditions: tuple[str, ...]
) -> str:
    assignments = ", ".join(f"{_column(model, name)} = %s" for name in names)
    tests = []
    for condition in conditions:
        name, _, lookup = condition.partition("__")
        if lookup not in LOOKUPS:
            raise ValueError(f"fastsql.update supports = and __lt, not __{lookup}")
        tests.append(f"{_column(model, name)} {LOOKUPS[lookup]} %s")
    where = " AND ".join(tests) or "1 = 1"
    return f"UPDATE {_quote(model._meta.db_table)} SET {assignments} WHERE {where}"  # noqa: S608
