"""CLI latency beside the interpreter's own start-up floor (medians of N runs, a deep project).

    python benchmarks/bench_cli.py [--runs N]
"""

from __future__ import annotations

import argparse
import sys

from _common import bench_env, cadence_bin, median_ms, new_project, table

TARGETS = {"next": 6.0, "status": 6.0, "run create-prd": 8.0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    runs = ap.parse_args().runs
    env = bench_env()
    root = new_project(env)
    floor = median_ms([sys.executable, "-c", "pass"], env, runs)
    rows = [["python -c pass", f"{floor:.1f}", "1.0×", ""]]
    for label, args in (("--version", ["--version"]), ("next", ["next"]), ("status", ["status"]),
                        ("run create-prd", ["run", "create-prd"]),
                        ("run create-prd --preview", ["run", "create-prd", "--preview"])):
        ms = median_ms([*cadence_bin(), "--root", str(root), *args], env, runs)
        target = TARGETS.get(label)
        rows.append([f"cadence {label}", f"{ms:.1f}", f"{ms / floor:.1f}×", f"≤ {target:g}×" if target else ""])
    print(table(["command", "median ms", "ratio", "target"], rows))


if __name__ == "__main__":
    main()
