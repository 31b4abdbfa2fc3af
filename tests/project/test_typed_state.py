"""Wrongly typed state.json / loop.json fields: exit 3 naming the field (never INTERNAL_ERROR), and
`doctor --repair` recovers every case (the .bak, else what is valid in the file, else re-derived / set aside)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

STATE = ".cadence/state.json"
LOOP = ".cadence/loop.json"
PLAN = "---\ntitle: t\n---\n## Tasks\n- [ ] one\n  - AC: a\n- [ ] two\n"


def run(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run([sys.executable, "-m", "cadence", "--json", *args], cwd=root, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, env=dict(os.environ))
    assert "Traceback" not in proc.stderr and "INTERNAL_ERROR" not in proc.stdout, proc.stdout + proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def deep(n: int) -> str:
    return "[" * n + "]" * n


def _edit_step(field: str, value: Any) -> Any:
    def edit(s: dict[str, Any]) -> None:
        s["steps"]["create-vision"][field] = value
    return edit


STATE_CASES: list[tuple[str, Any, str]] = [
    ("outputs", _edit_step("outputs", 5), "steps.create-vision.outputs: expected a list of strings"),
    ("outputs-items", _edit_step("outputs", [1, {"a": 2}]), "steps.create-vision.outputs: expected a list of strings"),
    ("depth", _edit_step("depth", "deep"), "steps.create-vision.depth: expected an integer from 1 to 5"),
    ("rework_depth", _edit_step("rework_depth", "x"), "steps.create-vision.rework_depth"),
    ("status", _edit_step("status", "finished"),
     "steps.create-vision.status: 'finished' is not one of pending, in_progress, completed, skipped"),
    ("entry", lambda s: s["steps"].__setitem__("create-vision", [1]), "steps.create-vision: expected an object"),
    ("at", _edit_step("at", {"x": 1}), "steps.create-vision.at"),
    ("methodology", lambda s: s.__setitem__("methodology", 7), "methodology: expected a string"),
]


@pytest.mark.parametrize("name,edit,needle", STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_typed_state_fields_are_exit_3_and_repaired(project: Path, name: str, edit: Any, needle: str) -> None:
    path = project / STATE
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    (project / (STATE + ".bak")).unlink(missing_ok=True)  # no backup: the repair must salvage the file itself
    code, out = run(project, "status")
    assert code == 3 and out["error"]["code"] == "STATE_CORRUPT" and needle in out["error"]["message"], out
    code, out = run(project, "doctor", "--repair", "--no-server")
    repaired = [r for r in out["data"]["repairs"] if r.get("file") == STATE]
    assert repaired and repaired[0]["action"] == "salvaged" and (project / (STATE + ".corrupt")).is_file(), out
    assert run(project, "status")[0] == 0
    fixed = json.loads(path.read_text())
    assert set(fixed["steps"]) == set(state["steps"])  # every other step kept


@pytest.mark.parametrize("text", [deep(200_000), '{"schema": 1, "steps": {"a": ' + deep(5000) + "}}", "[5]"])
def test_unusable_state_is_re_derived(project: Path, text: str) -> None:
    (project / STATE).write_text(text)
    (project / (STATE + ".bak")).write_text(text)  # the backup is as broken
    code, out = run(project, "status")
    assert code == 3 and out["error"]["code"] == "STATE_CORRUPT"
    code, out = run(project, "doctor", "--repair", "--no-server")
    assert [r["action"] for r in out["data"]["repairs"] if r.get("file") == STATE] == ["re-derived"], out
    assert run(project, "status")[0] == 0


def test_a_valid_backup_wins(project: Path) -> None:
    good = (project / STATE).read_text()
    (project / (STATE + ".bak")).write_text(good)
    (project / STATE).write_text(json.dumps({**json.loads(good), "steps": {"create-vision": {"status": 5}}}))
    code, out = run(project, "doctor", "--repair", "--no-server")
    assert [r["action"] for r in out["data"]["repairs"] if r.get("file") == STATE] == ["restored"]
    assert json.loads((project / STATE).read_text())["steps"] == json.loads(good)["steps"]


def _loop(project: Path) -> dict[str, Any]:
    plans = project / ".cadence/plans"
    plans.mkdir(parents=True, exist_ok=True)
    (plans / "2026-01-01-feature-t.md").write_text(PLAN)
    code, out = run(project, "loop", "start", "2026-01-01-feature-t.md", "--test", "true")
    assert code == 0, out
    assert run(project, "loop", "verify")[0] == 0
    return dict(json.loads((project / LOOP).read_text()))


def _task(field: str, value: Any) -> Any:
    def edit(s: dict[str, Any]) -> None:
        s["tasks"][0][field] = value
    return edit


LOOP_CASES: list[tuple[str, Any, str]] = [
    ("index", _task("index", "x"), "tasks[0].index: expected 0"),
    ("attempts", _task("attempts", 5), "tasks[0].attempts: expected a list of objects"),
    ("acceptance", _task("acceptance", 7), "tasks[0].acceptance: expected a list of strings"),
    ("retries", _task("retries", "x"), "tasks[0].retries: expected a whole number"),
    ("evidence-junk", _task("evidence", [1, "x", {"at": 3}]), "tasks[0].evidence[0]: expected an object"),
    ("evidence-exit", lambda s: s["tasks"][0]["evidence"][0].__setitem__("exit_code", "0"),
     "tasks[0].evidence[0].exit_code: expected an integer"),
    ("counts", lambda s: s["tasks"][0]["evidence"][0].__setitem__("counts", {"passed": "many"}),
     "tasks[0].evidence[0].counts"),
    ("commands", lambda s: s.__setitem__("commands", {"test": 5, "lint": "true"}), "commands: expected an object"),
    ("max_retries", lambda s: s.__setitem__("max_retries", 10 ** 40 * -1), "max_retries"),
    ("task", lambda s: s["tasks"].__setitem__(1, "junk"), "tasks[1]: expected an object"),
    ("nested", lambda s: s["tasks"][0].__setitem__("extra", json.loads(deep(500))), None),  # extra keys are fine
]


@pytest.mark.parametrize("name,edit,needle", LOOP_CASES, ids=[c[0] for c in LOOP_CASES])
def test_typed_loop_fields_are_exit_3_and_repaired(project: Path, name: str, edit: Any, needle: str | None) -> None:
    state = _loop(project)
    edit(state)
    (project / LOOP).write_text(json.dumps(state))
    (project / (LOOP + ".bak")).write_text(json.dumps(state))  # the backup is as broken
    code, out = run(project, "loop", "status")
    if needle is None:
        assert code == 0, out
        return
    assert code == 3 and out["error"]["code"] == "LOOP_CORRUPT" and needle in out["error"]["message"], out
    code, out = run(project, "doctor", "--repair", "--no-server")
    assert [r["action"] for r in out["data"]["repairs"] if r.get("file") == LOOP] == ["salvaged"], out
    assert (project / (LOOP + ".corrupt")).is_file()
    code, out = run(project, "loop", "status")
    assert code == 0 and out["data"]["plan"] == "2026-01-01-feature-t.md", out
    assert run(project, "loop", "verify")[0] == 0  # the loop works again (a valid lint command is kept)


@pytest.mark.parametrize("text", [deep(200_000), "[1]", '{"version": 1, "plan": 5}', "\x00junk"])
def test_unusable_loop_is_set_aside(project: Path, text: str) -> None:
    _loop(project)
    (project / LOOP).write_text(text)
    (project / (LOOP + ".bak")).write_text(text)
    code, out = run(project, "loop", "status")
    assert code == 3 and out["error"]["code"] == "LOOP_CORRUPT"
    code, out = run(project, "doctor", "--repair", "--no-server")
    assert [r["action"] for r in out["data"]["repairs"] if r.get("file") == LOOP] == ["set-aside"], out
    code, out = run(project, "loop", "status")
    assert code == 2 and out["error"]["code"] == "NO_LOOP"
