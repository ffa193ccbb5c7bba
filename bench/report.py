"""Collect the runs and print the table: medians over repetitions, ratios per repetition."""

import statistics
from collections import defaultdict
from dataclasses import asdict

from bench.load import Run

CEILING = "ceiling"
# (label, mode, push kind). image: stored, deduplicated, answered with a text,
# the ceiling's exact work. text: the demo's handler also queues 4 sends.
WORKLOADS = [
    ("plain", "plain", "image"),
    ("aes", "aes", "image"),
    ("aes, text handler", "aes", "text"),
]
CEILING_OF = {label: mode for label, mode, _ in WORKLOADS}


class Results:
    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], list[Run]] = defaultdict(list)
        self.sent: dict[str, int] = defaultdict(int)  # pushes each target answered
        self.storage: dict[str, tuple[int, int]] = {}  # rows stored, rows not answered
        self.extras: dict[str, dict] = {}  # latency isolation, token/media economy

    def add(self, target: str, mode: str, run: Run) -> None:
        self.runs[target, mode].append(run)
        self.sent[target] += run.requests

    def best_rate(self, mode: str, default: float = 8000) -> float:
        rates = [
            r.rate
            for (_, label), runs in self.runs.items()
            if CEILING_OF[label] == mode
            for r in runs
        ]
        return max(rates, default=default)

    def ratio(self, target: str, label: str) -> float | None:
        """Median over repetitions of target/ceiling, each pair from the same repetition."""
        ceiling = self.runs.get((CEILING, CEILING_OF[label]))
        if not ceiling or target == CEILING:
            return None
        pairs = zip(self.runs[target, label], ceiling, strict=False)
        return statistics.median(run.rate / top.rate for run, top in pairs)

    def storage_ok(self, target: str) -> bool:
        """Every answered push is stored once and answered (wrk misses the in-flight ones)."""
        stored, unanswered = self.storage[target]
        return unanswered == 0 and stored >= self.sent[target]

    def clean(self) -> bool:
        no_errors = all(r.errors == 0 for runs in self.runs.values() for r in runs)
        iso = self.extras.get("isolation")
        iso_ok = not iso or iso["sends_received"] == iso["distinct_sends"] == iso["sends_expected"]
        return no_errors and iso_ok and all(self.storage_ok(t) for t in self.storage)

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
            "extras": self.extras,
        }


def print_table(results: Results, args) -> None:
    print(
        f"\n{args.connections} connections, {args.reps} × {args.seconds:g} s per target and mode, "
        "gunicorn 2 sync workers; medians over repetitions\n"
    )
    print(
        "| target | workload | pushes/s | p50 ms | p99 ms | × ceiling | server CPU ms/push "
        "| errors | wrk CPU |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    order = [label for label, _, _ in WORKLOADS]
    for row in sorted(results.rows(), key=lambda r: (order.index(r["mode"]), r["target"])):
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


def print_extras(results: Results) -> None:
    iso = results.extras.get("isolation")
    if iso:
        counts = (iso["sends_received"], iso["distinct_sends"], iso["sends_expected"])
        verdict = "ok" if len(set(counts)) == 1 else "MISMATCH"
        print(
            "\nLatency isolation (WeChat answers each send after 2 s; "
            f"{iso['pushes']} text pushes, each queuing 4 sends): "
            f"p50 {iso['p50_ms']:.1f} ms, p99 {iso['p99_ms']:.1f} ms, max {iso['max_ms']:.1f} ms; "
            f"the stand-in received {counts[0]} sends, {counts[1]} distinct, of {counts[2]} "
            f"expected ({verdict}), drained in {iso['drain_seconds']:.0f} s; "
            f"{iso['token_fetches']} token fetch, {iso['uploads']} upload"
        )
    eco = results.extras.get("economy")
    if eco:
        print(
            f"Token and media economy: {eco['processes']} processes made {eco['tool_calls']} "
            f"tool calls with {eco['token_fetches']} token fetch; {eco['upload_calls']} uploads "
            f"of one image reached WeChat {eco['uploads']} time(s) ({', '.join(eco['media_ids'])})"
        )
