"""Workflow half at scale: change scope over 100,000 paths, the gate over a 1 MB report, and parsing a
5,000-task plan. Pure functions only (no git), so the figures are the algorithms' own cost.

    python benchmarks/bench_workflow.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _common import table, timed  # noqa: E402

from cadence.core.gate import summarize  # noqa: E402
from cadence.core.plan import parse_plan  # noqa: E402
from cadence.core.scope import change_scope  # noqa: E402

DIRS = ["src", "lib", "app", "pkg", "internal", "tests", "docs", "web/components", "api/handlers", "db/migrations",
        "infra", ".github/workflows", "services/auth", "services/billing", "utils", "scripts"]
NAMES = ["index", "main", "userService", "tokenizer", "session_store", "query", "Button", "helpers", "README",
         "test_models", "models", "routes", "config", "latest", "authentication", "renderer", "Dockerfile"]
EXTS = [".py", ".ts", ".tsx", ".go", ".md", ".sql", ".json", ".yml", ".rs", ""]


def paths(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    return [f"{rnd.choice(DIRS)}/{rnd.choice(DIRS).split('/')[-1]}{i % 97}/{rnd.choice(NAMES)}{rnd.choice(EXTS)}"
            for i in range(n)]


def report(size: int) -> str:
    parts = ["# Security review\n", "**Verdict**: PASS WITH WARNINGS\n"]
    i = 0
    while sum(len(p) for p in parts) < size:
        i += 1
        parts.append(f"### [{['HIGH', 'MEDIUM', 'LOW', 'INFO'][i % 4]}] Finding {i}\n"
                     f"**Location**: `src/module{i}.py:{i}`\n**Description**: something about item {i} " + "x" * 120
                     + "\n\n")
        parts.append(f"- [SUGGESTION] bullet finding {i}\n")
    return "".join(parts)[:size]


def plan(tasks: int) -> str:
    body = ["---", "title: Big plan", "type: feature", "issues: [1, 2, 3]", "---", "# Plan: Big", "", "## Summary",
            "", "Large.", "", "## Tasks", ""]
    for i in range(1, tasks + 1):
        body += [f"- [ ] Task {i}: do thing number {i}", f"  - AC: first criterion {i}", f"  - AC: second {i}"]
    body += ["", "## Key Decisions", "", "- none"]
    return "\n".join(body) + "\n"


def main() -> None:
    rows = []
    for n in (1_000, 10_000, 100_000):
        ps = paths(n)
        ms = timed(lambda ps=ps: change_scope(ps), 3)
        rows.append([f"change scope, {n:,} paths", f"{ms:,.0f}", f"{ms * 1000 / n:.1f} µs/path"])
    for size in (100_000, 1_000_000):
        text = report(size)
        ms = timed(lambda text=text: summarize([("security", text)]), 3)
        rows.append([f"gate, {size / 1e6:g} MB report", f"{ms:,.0f}", f"{size / 1e6 / (ms / 1000):.1f} MB/s"])
    for n in (500, 5_000):
        text = plan(n)
        ms = timed(lambda text=text: parse_plan(text), 5)
        rows.append([f"plan parse, {n:,} tasks ({len(text) / 1e3:,.0f} KB)", f"{ms:,.1f}",
                     f"{ms * 1000 / n:.1f} µs/task"])
    print(table(["benchmark", "median ms", "rate"], rows))


if __name__ == "__main__":
    main()
