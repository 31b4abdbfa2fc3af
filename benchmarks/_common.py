"""Helpers shared by the benchmark scripts (not tests: run them on demand, they print tables)."""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def bench_env(**extra: str) -> dict[str, str]:
    """An environment in which Python caches bytecode (as on a user's machine) and cadence's cache is private."""
    compileall.compile_dir(str(SRC / "cadence"), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("CADENCE_CACHE_DIR", tempfile.mkdtemp(prefix="cadence-bench-cache-"))
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def cadence_bin() -> list[str]:
    exe = Path(sys.executable).parent / "cadence"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cadence"]


def median_ms(cmd: list[str], env: dict[str, str], runs: int = 15, cwd: Path | None = None) -> float:
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def timed(fn, runs: int = 20) -> float:
    """Median wall time of `fn()` in milliseconds over `runs` calls (in-process)."""
    xs = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - start) * 1000)
    return statistics.median(xs)


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [headers] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])


def new_project(env: dict[str, str], *init_args: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix="cadence-bench-"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*cadence_bin(), "--root", str(root), "init", "--no-input", *init_args], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return root
