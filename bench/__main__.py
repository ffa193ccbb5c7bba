"""`python -m bench` (`make bench`): run the targets side by side and print the tables."""

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wrist.settings")

from bench import economy, isolation  # noqa: E402
from bench.load import check_answers, run_wrk, wrk_path  # noqa: E402
from bench.pool import write_pool  # noqa: E402
from bench.report import WORKLOADS, Results, print_extras, print_table  # noqa: E402
from bench.targets import start_targets  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--targets",
        default="ceiling,floor,sqlite,floor-postgres,postgres",
        help="also floor, floor-postgres: a minimal Django view storing one row per push",
    )
    parser.add_argument("--skip-extras", action="store_true", help="no isolation/economy runs")
    parser.add_argument(
        "--settings",
        default="wrist.settings",
        help="settings module for wrist, to measure a tuning against wrist.settings",
    )
    return parser.parse_args(argv)


def measure(args, workdir: Path, targets, results: Results) -> None:
    """Every workload on every target, interleaved, `reps` times."""
    ceiling_pools = {
        (mode, kind): write_pool(workdir / f"ceiling-{mode}-{kind}.txt", mode, 20000, kind)
        for _, mode, kind in WORKLOADS
    }
    for target in targets:  # answers checked, then a short warm-up
        for _, mode, kind in WORKLOADS:
            if kind != "image" and not target.handlers:
                continue
            check_answers(target.url, mode, kind, target.handlers)
            warmup = write_pool(workdir / "warmup.txt", mode, 6000, kind)
            results.sent[target.name] += run_wrk(target.url, warmup, 1, 16).requests + 1
    for rep in range(1, args.reps + 1):
        for label, mode, kind in WORKLOADS:
            pool = None
            for target in targets:
                if not target.handlers and kind != "image":
                    continue  # the ceiling's (and floor's) work does not depend on the handler
                if target.stores and pool is None:
                    # Every push to wrist is new: a fresh pool, larger than any run needs.
                    size = int(results.best_rate(mode) * args.seconds * 1.3) + 5000
                    pool = write_pool(workdir / f"pool-{rep}-{mode}-{kind}.txt", mode, size, kind)
                source = pool if target.stores else ceiling_pools[mode, kind]
                run = run_wrk(
                    target.url, source, args.seconds, args.connections, target.cpu_seconds
                )
                results.add(target.name, label, run)
                print(
                    f"rep {rep} {label:18} {target.name:17} {run.rate:7.0f}/s "
                    f"p50 {run.p50_ms:5.1f} ms  p99 {run.p99_ms:6.1f} ms  "
                    f"server CPU {run.server_cpu_ms:.2f} ms/push  errors {run.errors}  "
                    f"wrk CPU {run.wrk_cpu:.0%}",
                    flush=True,
                )
                time.sleep(0.5)
    for target in targets:
        if target.stores:
            results.storage[target.name] = target.count_rows()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ["BENCH_SETTINGS"] = args.settings
    if not wrk_path():
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    results = Results()
    with tempfile.TemporaryDirectory(prefix="wrist-bench-") as tmp:
        workdir = Path(tmp)
        with ExitStack() as stack:
            targets = start_targets(stack, workdir, args.targets.split(","))
            measure(args, workdir, targets, results)
        if not args.skip_extras:
            print("latency isolation: text pushes, WeChat answering each send after 2 s…")
            results.extras["isolation"] = isolation.run(workdir)
            print("token and media economy: 4 processes × 100 calls, one image 100 times…")
            results.extras["economy"] = economy.run(workdir)
    print_table(results, args)
    print_extras(results)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(results.as_dict(args), indent=2))
    print(f"\nraw figures: {out}")
    return 0 if results.clean() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
