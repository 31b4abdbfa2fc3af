"""`cadence trace` at scale: 2,000 requirements, 10,000 stories (each with an acceptance criterion, so
20,000 story/criterion IDs), 2,000 tasks and a 20,000-file test tree in four frameworks, at 1×, 2× and 4×.
Prints the wall time of the whole command (a real process, text output to /dev/null; best of 3 after one
warm-up run) and of the --json variant, and checks the growth is linear (4× the input must take under 5×
the time)."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_env, cadence_bin  # noqa: E402

BASE = {"requirements": 2000, "stories": 10_000, "tasks": 2000, "files": 20_000}


def build(root: Path, scale: int) -> dict[str, int]:
    n = {k: v * scale for k, v in BASE.items()}
    rnd = random.Random(7)
    (root / ".cadence").mkdir(parents=True)
    (root / ".cadence" / "config.yml").write_text("version: 1\n")
    docs = root / "docs"
    docs.mkdir()
    prd = ["# PRD", "", "## Functional Requirements", "", "| ID | Requirement | Priority |", "|---|---|---|"]
    prd += [f"| FR-{i:05d} | The system does thing {i} | Must |" for i in range(1, n["requirements"] + 1)]
    (docs / "plan.md").write_text("\n".join(prd) + "\n")
    stories = ["# User Stories", ""]
    for s in range(1, n["stories"] + 1):
        r = rnd.randint(1, n["requirements"])
        stories += [f"### US-{s:05d} Story {s}", f"As a user I want {s}.", f"- Requirements: FR-{r:05d}",
                    "- Acceptance criteria:", f"  - AC-{s:05d}-1 Given {s}, when it runs, then it works.", ""]
    (docs / "user-stories.md").write_text("\n".join(stories))
    tasks = ["# Implementation Plan", "", "## Tasks", ""]
    for t in range(1, n["tasks"] + 1):
        tasks += [f"### T-{t:05d}: Task {t}", f"- Stories: US-{rnd.randint(1, n['stories']):05d}",
                  f"- Depends on: T-{max(1, t - 1):05d}", ""]
    (docs / "implementation-plan.md").write_text("\n".join(tasks))
    styles = [
        ("tests/py/d{d}/test_f{i}.py", "def test_us_{s:05d}_works():\n    pass\n\n\ndef test_helper_{i}():\n"
                                      "    \"\"\"Verifies AC-{s:05d}-1.\"\"\"\n"),
        ("web/d{d}/f{i}.test.ts", "describe(\"US-{s:05d}\", () => {{\n  it(\"works {i}\", () => {{}});\n}});\n"
                                 "// AC-{s:05d}-1\ntest(\"edge {i}\", () => {{}});\n"),
        ("svc/d{d}/f{i}_test.go", "package x\n\n// Verifies: US-{s:05d}\nfunc TestWorks{i}(t *testing.T) {{}}\n"),
        ("crates/d{d}/tests/f{i}.rs", "/// Verifies AC-{s:05d}-1\n#[test]\nfn works_{i}() {{}}\n"),
    ]
    for i in range(n["files"]):
        path, body = styles[i % 4]
        s = rnd.randint(1, n["stories"])
        p = root / path.format(d=i // 500, i=i)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body.format(s=s, i=i))
    return n


def run(cmd: list[str], env: dict[str, str], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    env = bench_env()
    rows = []
    for scale in (1, 2, 4):
        tmp = Path(tempfile.mkdtemp(prefix="cadence-bench-trace-"))
        try:
            n = build(tmp, scale)
            os.sync()  # time the command, not the write-back of the tree just written
            base = [*cadence_bin(), "--root", str(tmp)]
            run([*base, "trace"], env, runs=1)  # warm-up: the first walk of a new tree fills the kernel's caches
            text_s = run([*base, "trace"], env)
            json_s = run([*base, "--json", "trace"], env)
            out = subprocess.run([*base, "--json", "trace"], env=env, capture_output=True, text=True, check=True)
            totals = json.loads(out.stdout)["data"]["totals"]
            rows.append((scale, n, text_s, json_s, totals))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'scale':>5} {'reqs':>6} {'stories':>8} {'tasks':>6} {'files':>7} {'tests':>7} {'text s':>7} {'json s':>7}")
    for scale, n, text_s, json_s, totals in rows:
        print(f"{scale:>4}× {n['requirements']:>6} {n['stories']:>8} {n['tasks']:>6} {n['files']:>7} "
              f"{totals['tests']:>7} {text_s:>7.2f} {json_s:>7.2f}")
    one, four = rows[0][2], rows[-1][2]
    print(f"4× input / 1× time ratio: {four / one:.2f} (linear ≈ 4)")
    if one > 2.0:
        raise SystemExit(f"trace took {one:.2f} s at 1× (budget 2 s)")
    if four / one > 5.0:
        raise SystemExit("growth is worse than linear")


if __name__ == "__main__":
    main()
