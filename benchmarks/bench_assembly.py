"""Assembly: bytes of every step's prompt at depth 1, 3 and 5 on a fresh deep project; the largest ones.

    python benchmarks/bench_assembly.py
"""

from __future__ import annotations

import json
import subprocess

from _common import bench_env, cadence_bin, new_project, table


def main() -> None:
    env = bench_env()
    root = new_project(env)
    steps = json.loads(subprocess.run([*cadence_bin(), "--root", str(root), "status", "--json"], env=env,
                                      capture_output=True, text=True, check=True).stdout)["data"]["steps"]
    sizes = []
    for s in steps:
        row = [s["name"]]
        for depth in (1, 3, 5):
            out = subprocess.run([*cadence_bin(), "--root", str(root), "run", s["name"], "--preview", "--force",
                                  "--depth", str(depth), "--json"], env=env, capture_output=True, text=True)
            row.append(json.loads(out.stdout)["data"]["bytes"])
        sizes.append(row)
    total = [sum(r[i] for r in sizes) for i in (1, 2, 3)]
    print(table(["", "depth 1", "depth 3", "depth 5"], [["all steps (sum)", *total],
                                                        ["median step", *[sorted(r[i] for r in sizes)[len(sizes) // 2]
                                                                          for i in (1, 2, 3)]]]))
    print()
    print(table(["largest at depth 5", "depth 1", "depth 3", "depth 5"],
                sorted(sizes, key=lambda r: -r[3])[:8]))


if __name__ == "__main__":
    main()
