"""Assembly: bytes of every step's prompt at depth 1, 3 and 5 on a fresh deep project, the totals and the
depth-1/depth-5 ratio (target ≤ 0.4).

    python benchmarks/bench_assembly.py            # every step, then the totals
    python benchmarks/bench_assembly.py --summary  # the totals and the eight largest steps only
"""

from __future__ import annotations

import json
import subprocess
import sys

from _common import bench_env, cadence_bin, new_project, table

DEPTHS = (1, 3, 5)


def main() -> None:
    env = bench_env()
    root = new_project(env)
    steps = json.loads(subprocess.run([*cadence_bin(), "--root", str(root), "status", "--json"], env=env,
                                      capture_output=True, text=True, check=True).stdout)["data"]["steps"]
    sizes = []
    for s in steps:
        row: list[object] = [s["name"]]
        for depth in DEPTHS:
            out = subprocess.run([*cadence_bin(), "--root", str(root), "run", s["name"], "--preview", "--force",
                                  "--depth", str(depth), "--json"], env=env, capture_output=True, text=True)
            row.append(json.loads(out.stdout)["data"]["bytes"])
        sizes.append(row)
    if "--summary" not in sys.argv[1:]:
        print(table(["step", *(f"depth {d}" for d in DEPTHS)], sizes))
        print()
    total = [sum(int(r[i]) for r in sizes) for i in (1, 2, 3)]  # type: ignore[call-overload]
    median = [sorted(int(r[i]) for r in sizes)[len(sizes) // 2] for i in (1, 2, 3)]  # type: ignore[call-overload]
    print(table(["", *(f"depth {d}" for d in DEPTHS)], [["all steps (sum)", *total], ["median step", *median]]))
    print(f"\ndepth 1 / depth 5 = {total[0] / total[2]:.2f} (target ≤ 0.40); {len(sizes)} steps")
    print()
    print(table(["largest at depth 5", *(f"depth {d}" for d in DEPTHS)],
                sorted(sizes, key=lambda r: -int(r[3]))[:8]))  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
