"""The bench targets: the ceiling, wrist on SQLite, wrist on PostgreSQL."""

import sqlite3
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.pgcluster import ThrowawayPostgres, find_bin_dir
from bench.servers import Gunicorn, prepare_wrist_db, tree_cpu_seconds, wrist_env


@dataclass
class Target:
    name: str
    url: str
    stores: bool  # whether it keeps a row per push (wrist does, the ceiling does not)
    cpu_pids: list[int] = field(default_factory=list)  # server processes, database included
    count_rows: object = field(default=None, repr=False)  # () -> (stored, not answered)
    handlers: bool = True  # runs wrist's handler table (the text handler's sends included)

    def cpu_seconds(self) -> float:
        return sum(tree_cpu_seconds(pid) for pid in self.cpu_pids)


def _sqlite_counter(path: Path):
    def count() -> tuple[int, int]:
        with sqlite3.connect(path) as db:
            return _counts(db.cursor())

    return count


def _postgres_counter(pg: ThrowawayPostgres, dbname: str):
    def count() -> tuple[int, int]:
        import psycopg2

        db = psycopg2.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname=dbname)
        try:
            return _counts(db.cursor())
        finally:
            db.close()

    return count


def _counts(cursor) -> tuple[int, int]:
    cursor.execute(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status <> 'answered' THEN 1 ELSE 0 END), 0) "
        "FROM wechat_inboundmessage"
    )
    total, unanswered = cursor.fetchone()
    return int(total), int(unanswered)


def _serve(stack: ExitStack, database_url: str, floor: bool) -> Gunicorn:
    """Migrate the database, then serve wrist (or the floor's settings) on it."""
    env = wrist_env(database_url)
    prepare_wrist_db(env)
    if floor:
        env["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"
    return stack.enter_context(Gunicorn("wrist.wsgi:application", env))


def _sqlite_target(stack: ExitStack, workdir: Path, floor: bool) -> Target:
    """wrist, or the Django floor, on a fresh SQLite file of its own."""
    path = workdir / ("floor.sqlite3" if floor else "bench.sqlite3")
    server = _serve(stack, f"sqlite:///{path}", floor)
    name = "Django floor SQLite" if floor else "wrist SQLite"
    counter = _sqlite_counter(path)
    return Target(name, server.url, True, [server.process.pid], counter, handlers=not floor)


def _postgres_target(stack: ExitStack, pg: ThrowawayPostgres, floor: bool) -> Target:
    """wrist, or the Django floor, on its own database of the throwaway cluster."""
    database = pg.create_database("floor" if floor else "wrist")
    server = _serve(stack, database, floor)
    pids = [server.process.pid, pg.postmaster_pid()]
    name = "Django floor PostgreSQL" if floor else "wrist PostgreSQL"
    counter = _postgres_counter(pg, database.rsplit("/", 1)[1])
    return Target(name, server.url, True, pids, counter, handlers=not floor)


def start_targets(stack: ExitStack, workdir: Path, names: list[str]) -> list[Target]:
    """Start every target named in `names` that this machine can run."""
    targets = []
    if "ceiling" in names:
        server = stack.enter_context(Gunicorn("bench.ceiling:app"))
        targets.append(Target("ceiling", server.url, False, [server.process.pid], handlers=False))
    for name in ("sqlite", "floor"):
        if name in names:
            targets.append(_sqlite_target(stack, workdir, floor=name == "floor"))
    postgres_targets = [name for name in ("postgres", "floor-postgres") if name in names]
    if postgres_targets:
        if find_bin_dir() is None:
            print("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): skipping it")
            return targets
        pg = stack.enter_context(ThrowawayPostgres("wrist_bench"))
        for name in postgres_targets:
            targets.append(_postgres_target(stack, pg, floor=name == "floor-postgres"))
    return targets
