"""`python -m bench` (`make bench`): run the targets side by side and print the table."""

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wrist.settings")

from bench.load import check_answers, run_wrk, wrk_path  # noqa: E402
from bench.pool import write_pool  # noqa: E402
from bench.report import Results, print_table  # noqa: E402
from bench.targets import start_targets  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--targets", default="ceiling,sqlite,postgres")
    parser.add_argument("--modes", default="plain,aes")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not wrk_path():
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    modes = args.modes.split(",")
    results = Results()
    with tempfile.TemporaryDirectory(prefix="wrist-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        targets = start_targets(stack, workdir, args.targets.split(","))
        ceiling_pools = {m: write_pool(workdir / f"ceiling-{m}.txt", m, 20000) for m in modes}
        for target in targets:
            for mode in modes:
                check_answers(target.url, mode)
                warmup = write_pool(workdir / "warmup.txt", mode, 6000)
                run = run_wrk(target.url, warmup, 1, args.connections)
                results.sent[target.name] += run.requests + 1
        for rep in range(1, args.reps + 1):
            for mode in modes:
                pool = None
                for target in targets:
                    if target.stores and pool is None:
                        # Every push to wrist is new: a fresh pool, larger than any run needs.
                        size = int(results.best_rate(mode) * args.seconds * 1.3) + 5000
                        pool = write_pool(workdir / f"pool-{rep}-{mode}.txt", mode, size)
                    source = pool if target.stores else ceiling_pools[mode]
                    run = run_wrk(
                        target.url, source, args.seconds, args.connections, target.cpu_seconds
                    )
                    results.add(target.name, mode, run)
                    print(
                        f"rep {rep} {mode:5} {target.name:17} {run.rate:7.0f}/s "
                        f"p50 {run.p50_ms:5.1f} ms  p99 {run.p99_ms:6.1f} ms  "
                        f"server CPU {run.server_cpu_ms:.2f} ms/push  errors {run.errors}  "
                        f"wrk CPU {run.wrk_cpu:.0%}",
                        flush=True,
                    )
                    time.sleep(0.5)
        for target in targets:
            if target.stores:
                results.storage[target.name] = target.count_rows()
    print_table(results, args)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(results.as_dict(args), indent=2))
    print(
        f"\nraw figures: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}"
    )
    return 0 if results.clean() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
