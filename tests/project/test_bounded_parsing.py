"""Hostile inputs stay bounded: YAML alias bombs, deep nesting, huge plans, and config values YAML turns into
dates or huge numbers. The CLI cases run in a subprocess under a memory limit (RLIMIT_AS) and a timeout."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cadence import yamlio
from cadence.core import plan as plan_core
from cadence.errors import CadenceError

MEMORY_LIMIT = 600 * 1024 * 1024

BOMB = "a0: &a0 [" + ",".join(["lol"] * 10) + "]\n" + "".join(
    f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9))


def limited(*args: str, cwd: Path, timeout: float = 30) -> tuple[int, dict, float]:
    """Run `cadence --json ARGS` with at most MEMORY_LIMIT of address space; (exit code, JSON, seconds)."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "cadence", "--json", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, stdin=subprocess.DEVNULL,
                          env=dict(os.environ))
    assert "Traceback" not in proc.stderr and "INTERNAL_ERROR" not in proc.stdout, proc.stdout + proc.stderr
    return proc.returncode, json.loads(proc.stdout), time.monotonic() - started


def test_alias_bomb_is_refused_in_one_linear_pass() -> None:
    started = time.monotonic()
    with pytest.raises(yamlio.YamlLimitError) as exc:
        yamlio.load(BOMB)
    assert "expands to more than" in str(exc.value) and time.monotonic() - started < 5


@pytest.mark.parametrize("text,needle", [
    ("a: &a [*a]\n", "does not refer to an earlier"),           # a recursive structure
    ("a: *nowhere\n", "does not refer to an earlier"),
    ("[" * 200 + "]" * 200, "nested deeper than"),
    ("- " * 3000 + "x\n", "nested deeper than"),
    ("x: " + "y" * 1_000_001, "the limit is"),
])
def test_hostile_yaml_is_a_yaml_error(text: str, needle: str) -> None:
    with pytest.raises(yamlio.YamlError) as exc:
        yamlio.load(text)
    assert needle in str(exc.value)


def test_ordinary_anchors_still_work() -> None:
    assert yamlio.load("base: &b {x: 1}\nother: *b\nmerged: {<<: *b, y: 2}\n") == {
        "base": {"x": 1}, "other": {"x": 1}, "merged": {"x": 1, "y": 2}}


def test_config_alias_bomb_is_config_invalid_naming_the_file(project: Path) -> None:
    with (project / ".cadence/config.yml").open("a") as fh:
        fh.write(BOMB)
    code, out, took = limited("status", cwd=project)
    assert code == 1 and out["error"]["code"] == "CONFIG_INVALID", out
    assert ".cadence/config.yml" in out["error"]["message"] and took < 20


def test_plan_alias_bomb_and_huge_plan_answer_fast_under_a_memory_cap(project: Path) -> None:
    plans = project / ".cadence/plans"
    plans.mkdir(parents=True, exist_ok=True)
    (plans / "2026-01-01-feature-bomb.md").write_text("---\n" + BOMB + "---\n## Tasks\n- [ ] a\n")
    with (plans / "2026-01-02-feature-huge.md").open("w") as fh:
        fh.write("---\ntitle: huge\n---\n## Tasks\n")
        line = "- [ ] task number with `src/some/file.py` in it\n"
        fh.write(line * (50_000_000 // len(line)))
    code, out, took = limited("plan", "list", cwd=project)
    assert code == 0 and took < 20
    errors = {p["file"]: p.get("error", "") for p in out["data"]["plans"]}
    assert "expands to more than" in errors["2026-01-01-feature-bomb.md"]
    assert "the limit is 2,000,000" in errors["2026-01-02-feature-huge.md"]
    code, out, took = limited("plan", "overlaps", cwd=project)
    assert code == 0 and took < 20
    for name in ("2026-01-01-feature-bomb.md", "2026-01-02-feature-huge.md"):
        code, out, took = limited("loop", "start", name, "--test", "true", cwd=project)
        assert code == 1 and out["error"]["code"] == "PLAN_INVALID" and name in out["error"]["message"], out
        assert took < 20


def test_plan_size_limit_is_a_plan_error() -> None:
    with pytest.raises(CadenceError) as exc:
        plan_core.parse_plan("## Tasks\n" + "- [ ] x\n" * (plan_core.MAX_CHARS // 8 + 1))
    assert exc.value.code == "PLAN_INVALID" and exc.value.exit_code == 1


def test_plan_parsing_is_linear() -> None:
    """Twice the text costs about twice the time (a quadratic regex would cost four times)."""
    def cost(n: int) -> float:
        body = "## Tasks\n" + "- [ ] do `a.b.c.d.e` and `x/" + "a." * 50 + "\n  - AC: fine\n" * n
        started = time.perf_counter()
        plan_core.parse_plan(body)
        plan_core.listed_files(body)
        return time.perf_counter() - started
    cost(2000)
    small, big = min(cost(5000) for _ in range(3)), min(cost(20000) for _ in range(3))
    assert big < small * 8


@pytest.mark.parametrize("extra,needle", [
    ("models: {primary: 2024-01-01}\n", None),                    # free-form: accepted, stringified
    ("released: 2024-01-01\n", None),                             # unknown top-level key: a warning, never cached
    ("project: {name: 2024-01-01}\n", None),
    ("workflow: {command-timeout: 1000000000000000000000000000000}\n", "workflow.command-timeout"),
    ("workflow: {max-retries: 1000000000000000000000}\n", "workflow.max-retries"),
    ("workflow: {sessions: {retention: 10000000000000000000000000}}\n", "workflow.sessions.retention"),
    ("pipeline: {context-budget: 100000000000000000000000000000}\n", "pipeline.context-budget"),
    ("workflow: {commands: {test: 2024-01-01}}\n", "workflow.commands.test"),
    ("workflow: {scope: {high: [2024-01-01]}}\n", "workflow.scope.high"),
    ("workflow: {worktree: {setup: [1, 2]}}\n", "workflow.worktree.setup"),
    ("models: {agents: {reviewer: [x]}}\n", "models.agents.reviewer"),
    ("project: {traits: [" + ", ".join(["x" * 5000] * 3) + "]}\n", "project.traits"),
])
def test_typed_config_values_never_crash(project: Path, extra: str, needle: str | None) -> None:
    (project / ".cadence/config.yml").write_text("version: 1\nmethodology: deep\n" + extra)
    code, out, _ = limited("status", cwd=project)
    if needle is None:
        assert code == 0, out
    else:
        err = out["error"]
        assert code == 1 and err["code"] == "CONFIG_INVALID" and needle in err["message"], out
        assert len(err["message"]) < 2000
