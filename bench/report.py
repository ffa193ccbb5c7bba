"""Collect the runs and print the table: medians over repetitions, ratios per repetition."""

import statistics
from collections import defaultdict
from dataclasses import asdict

from bench.load import Run

CEILING = "ceiling"


class Results:
    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], list[Run]] = defaultdict(list)
        self.sent: dict[str, int] = defaultdict(int)  # pushes each target answered
        self.storage: dict[str, tuple[int, int]] = {}  # rows stored, rows not answered

    def add(self, target: str, mode: str, run: Run) -> None:
        self.runs[target, mode].append(run)
        self.sent[target] += run.requests

    def best_rate(self, mode: str, default: float = 8000) -> float:
        rates = [r.rate for (_, m), runs in self.runs.items() if m == mode for r in runs]
        return max(rates, default=default)

    def ratio(self, target: str, mode: str) -> float | None:
        """Median over repetitions of target/ceiling, each pair from the same repetition."""
        ceiling = self.runs.get((CEILING, mode))
        if not ceiling or target == CEILING:
            return None
        pairs = zip(self.runs[target, mode], ceiling, strict=False)
        return statistics.median(run.rate / top.rate for run, top in pairs)

    def storage_ok(self, target: str) -> bool:
        """Every answered push is stored once and answered (wrk misses the in-flight ones)."""
        stored, unanswered = self.storage[target]
        return unanswered == 0 and stored >= self.sent[target]

    def clean(self) -> bool:
        no_errors = all(r.errors == 0 for runs in self.runs.values() for r in runs)
        return no_errors and all(self.storage_ok(t) for t in self.storage)

    def rows(self) -> list[dict]:
        rows = []
        for (target, mode), runs in self.runs.items():
            rows.append(
                {
                    "target": target,
                    "mode": mode,
                    "pushes_per_s": statistics.median(r.rate for r in runs),
                    "p50_ms": statistics.median(r.p50_ms for r in runs),
                    "p99_ms": statistics.median(r.p99_ms for r in runs),
                    "ratio": self.ratio(target, mode),
                    "errors": sum(r.errors for r in runs),
                    "wrk_cpu": max(r.wrk_cpu for r in runs),
                    "server_cpu_ms": statistics.median(r.server_cpu_ms for r in runs),
                }
            )
        return rows

    def as_dict(self, args) -> dict:
        return {
            "settings": vars(args),
            "table": self.rows(),
            "runs": {f"{t}/{m}": [asdict(r) for r in runs] for (t, m), runs in self.runs.items()},
            "sent": dict(self.sent),
            "storage": {t: {"stored": s, "not_answered": u} for t, (s, u) in self.storage.items()},
        }


def print_table(results: Results, args) -> None:
    print(
        f"\n{args.connections} connections, {args.reps} × {args.seconds:g} s per target and mode, "
        "gunicorn 2 sync workers; medians over repetitions\n"
    )
    print(
        "| target | mode | pushes/s | p50 ms | p99 ms | × ceiling | server CPU ms/push "
        "| errors | wrk CPU |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in sorted(results.rows(), key=lambda r: (r["mode"] != "plain", r["target"])):
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "1"
        print(
            f"| {row['target']} | {row['mode']} | {row['pushes_per_s']:,.0f} "
            f"| {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {ratio} "
            f"| {row['server_cpu_ms']:.2f} | {row['errors']} "
            f"| {row['wrk_cpu']:.0%} |"
        )
    for target, (stored, unanswered) in results.storage.items():
        verdict = "ok" if results.storage_ok(target) else "MISMATCH"
        print(
            f"\n{target}: {stored:,} pushes stored for {results.sent[target]:,} answers "
            f"counted by wrk, {unanswered} not answered: {verdict}"
        )
