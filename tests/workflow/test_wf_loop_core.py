"""The loop state machine (pure): guards, stop for decision, strict / warn / off verification."""

from __future__ import annotations

import pytest

from cadence.core import loop as core
from cadence.errors import CadenceError

TASKS = [{"description": "one", "acceptance": ["a"]}, {"description": "two", "acceptance": []},
         {"description": "three", "acceptance": []}]


def t(n: int) -> str:
    return f"2026-01-01T00:00:{n:02d}.000000+00:00"


def new(verify: str = "strict", retries: int = 3) -> dict:
    return core.new_loop("p.md", TASKS, {"test": "pytest"}, retries, verify, t(0))


def green(state: dict, at: str, code: int = 0, failed: int = 0) -> None:
    core.add_evidence(state, [{"at": at, "kind": "test", "command": "pytest", "exit_code": code, "duration_s": 0.1,
                               "counts": {"passed": 1, "failed": failed, "skipped": 0}, "tail": ""}])


def test_new_loop_promotes_first_task() -> None:
    s = new()
    assert s["current"] == 0 and s["tasks"][0]["status"] == "in_progress"
    assert core.progress(s) == {"total": 3, "passed": 0, "failed": 0, "skipped": 0, "pending": 3}
    assert core.validate(s) is s


def test_strict_pass_needs_green_evidence_after_start() -> None:
    s = new()
    with pytest.raises(CadenceError) as e:
        core.report(s, "pass", "", t(1))
    assert e.value.exit_code == 2
    green(s, t(2), code=1)
    with pytest.raises(CadenceError):
        core.report(s, "pass", "", t(3))
    green(s, t(4), code=0, failed=2)  # exit 0 but failures counted: still red
    with pytest.raises(CadenceError):
        core.report(s, "pass", "", t(5))
    green(s, t(6))
    out = core.report(s, "pass", "done", t(7))
    assert out["verified"] is True
    assert s["current"] == 1 and s["tasks"][1]["started_at"] == t(7)


def test_old_evidence_does_not_count_for_next_task() -> None:
    s = new()
    green(s, t(1))
    core.report(s, "pass", "", t(2))
    s["tasks"][1]["evidence"] = [dict(s["tasks"][0]["evidence"][0])]  # evidence older than the task's start
    with pytest.raises(CadenceError):
        core.report(s, "pass", "", t(3))


def test_warn_mode_marks_unverified_and_off_skips() -> None:
    s = new("warn")
    assert core.report(s, "pass", "", t(1))["verified"] is False
    assert s["tasks"][0]["verified"] is False and s["tasks"][0]["unverified"] is True
    s = new("off")
    assert core.report(s, "pass", "", t(1))["verified"] is None


def test_fail_stops_for_decision_without_advancing() -> None:  # [FIX] auto-advance after exhausted retries
    s = new(retries=2)
    assert core.report(s, "fail", "e1", t(1))["decision_needed"] is False
    out = core.report(s, "fail", "e2", t(2))
    assert out["decision_needed"] is True
    assert s["current"] == 0 and s["tasks"][0]["status"] == "failed" and core.blocked(s)
    assert s["tasks"][1]["status"] == "pending"
    for result in ("fail", "pass"):
        with pytest.raises(CadenceError) as e:
            core.report(s, result, "x", t(3))
        assert e.value.exit_code == 4
    assert not core.promote(s, t(3))  # status does not move past a blocked task


def test_decision_retry_then_pass() -> None:
    s = new("off", retries=1)
    core.report(s, "fail", "boom", t(1))
    task = core.retry(s, t(2))
    assert task["status"] == "in_progress" and task["retries"] == 0
    core.report(s, "pass", "", t(3))
    assert s["tasks"][0]["status"] == "passed" and s["current"] == 1


def test_decision_skip_needs_reason_then_advances() -> None:
    s = new(retries=1)
    core.report(s, "fail", "boom", t(1))
    with pytest.raises(CadenceError) as e:
        core.report(s, "skip", "  ", t(2))
    assert e.value.exit_code == 1
    core.report(s, "skip", "not needed", t(2))
    assert s["tasks"][0]["status"] == "skipped" and s["current"] == 1


def test_retry_refused_when_not_blocked_and_abort() -> None:
    s = new()
    with pytest.raises(CadenceError):
        core.retry(s, t(1))
    core.abort(s, t(2), "stop")
    assert core.finished(s) and s["aborted"]
    with pytest.raises(CadenceError) as e:
        core.report(s, "pass", "", t(3))
    assert e.value.exit_code == 2


def test_finished_task_never_reprocessed() -> None:  # [FIX] re-processing at currentTaskIndex
    s = new("off")
    for i in range(3):
        core.report(s, "pass", "", t(i + 1))
    assert core.finished(s) and s["current"] is None
    with pytest.raises(CadenceError):
        core.report(s, "pass", "", t(9))
    assert [len(x["attempts"]) for x in s["tasks"]] == [1, 1, 1]


def test_summary_markdown() -> None:
    s = new("warn", retries=1)
    core.report(s, "pass", "", t(1))
    core.report(s, "fail", "it broke | badly", t(2))
    md = core.summary_markdown(s, t(3))
    assert "| 1 | one | Passed (unverified) |" in md
    assert "### Failed Tasks" in md and "it broke | badly" in md
    assert "**Results: 1 passed, 1 failed, 0 skipped, 1 pending**" in md


@pytest.mark.parametrize("bad", [
    [], {"version": 2}, {"version": 1, "plan": 3}, "text",
    {**{"version": 1, "plan": "p", "started_at": "x", "max_retries": 3, "tasks": [{"status": "weird",
                                                                                   "description": "d"}],
        "commands": {}, "verify": "strict"}},
    {"version": 1, "plan": "p", "started_at": "x", "max_retries": 3, "tasks": [], "commands": {}, "verify": "strict",
     "current": 5},
])
def test_validate_rejects_corrupt(bad: object) -> None:
    with pytest.raises(CadenceError) as e:
        core.validate(bad)
    assert e.value.exit_code == 3 and e.value.code == "LOOP_CORRUPT"


def test_no_tasks_and_bad_args() -> None:
    with pytest.raises(CadenceError):
        core.new_loop("p", [], {}, 3, "strict", t(0))
    with pytest.raises(CadenceError):
        core.new_loop("p", TASKS, {}, 0, "strict", t(0))
