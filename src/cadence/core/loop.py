"""The implementation loop's state machine. Pure: every function takes the state dict and `now`.

Transitions have explicit guards: a finished task is never re-processed, a task whose retries are
exhausted stops the loop for a decision (retry, skip or abort) instead of advancing, and a strict
`pass` needs green evidence recorded after the task started.
"""

from __future__ import annotations

from typing import Any

from cadence.errors import CONFLICT, DECISION, PRECONDITION, USAGE, CadenceError

VERSION = 1
TASK_STATUSES = ("pending", "in_progress", "passed", "failed", "skipped")
VERIFY_MODES = ("strict", "warn", "off")
KINDS = ("build", "test", "lint")
DETAIL_MAX = 2000
LOOP_FILE = ".cadence/loop.json"


def corrupt(reason: str) -> CadenceError:
    return CadenceError("LOOP_CORRUPT", f"{LOOP_FILE} is corrupt: {reason}",
                        f"Inspect it (a previous copy may be in {LOOP_FILE}.bak), or start over with "
                        "'cadence loop start PLAN --force'.", CONFLICT)


def new_loop(plan: str, tasks: list[dict[str, Any]], commands: dict[str, str | None], max_retries: int,
             verify: str, now: str, cwd: str = ".") -> dict[str, Any]:
    if not tasks:
        raise CadenceError("PLAN_NO_TASKS", f"no tasks found in plan {plan}",
                           "Add unchecked items ('- [ ] Task 1: …') under a '## Tasks' heading.", USAGE)
    if verify not in VERIFY_MODES:
        raise CadenceError("INVALID_VERIFY", f"verify mode {verify!r} is not one of strict, warn, off", "", USAGE)
    if max_retries < 1:
        raise CadenceError("INVALID_RETRIES", "--max-retries must be at least 1", "", USAGE)
    state: dict[str, Any] = {
        "version": VERSION, "plan": plan, "started_at": now, "completed_at": None, "aborted": False,
        "commands": {k: commands.get(k) or None for k in KINDS}, "cwd": cwd, "max_retries": max_retries,
        "verify": verify, "current": None,
        "tasks": [{"index": i, "description": t["description"], "acceptance": list(t.get("acceptance") or []),
                   "status": "pending", "retries": 0, "started_at": None, "completed_at": None, "attempts": [],
                   "evidence": []} for i, t in enumerate(tasks)],
    }
    promote(state, now)
    return state


def validate(state: Any) -> dict[str, Any]:
    """Check the shape of a loaded state; raise LOOP_CORRUPT (exit 3) with the fix otherwise."""
    if not isinstance(state, dict):
        raise corrupt("the top level is not an object")
    version = state.get("version")
    if version != VERSION:
        raise corrupt(f"unknown version {version!r} (this cadence reads version {VERSION})")
    for key, typ in (("plan", str), ("started_at", str), ("max_retries", int), ("tasks", list),
                     ("commands", dict), ("verify", str)):
        if not isinstance(state.get(key), typ):
            raise corrupt(f"'{key}' is missing or not a {typ.__name__}")
    if state["verify"] not in VERIFY_MODES:
        raise corrupt(f"verify {state['verify']!r} is not one of {', '.join(VERIFY_MODES)}")
    cur = state.get("current")
    if cur is not None and (not isinstance(cur, int) or isinstance(cur, bool) or not 0 <= cur < len(state["tasks"])):
        raise corrupt(f"'current' {cur!r} does not point at a task")
    for i, t in enumerate(state["tasks"]):
        if not isinstance(t, dict) or t.get("status") not in TASK_STATUSES or not isinstance(t.get("description"), str):
            raise corrupt(f"task #{i + 1} is malformed")
        t.setdefault("index", i)
        t.setdefault("acceptance", [])
        t.setdefault("retries", 0)
        t.setdefault("attempts", [])
        t.setdefault("evidence", [])
        t.setdefault("started_at", None)
        t.setdefault("completed_at", None)
    state.setdefault("completed_at", None)
    state.setdefault("aborted", False)
    state.setdefault("cwd", ".")
    return state


def finished(state: dict[str, Any]) -> bool:
    return state.get("completed_at") is not None


def blocked(state: dict[str, Any]) -> bool:
    """The loop stopped for a decision: the current task failed with its retries exhausted."""
    cur = state.get("current")
    return cur is not None and not finished(state) and state["tasks"][cur]["status"] == "failed"


def current_task(state: dict[str, Any]) -> dict[str, Any] | None:
    cur = state.get("current")
    return state["tasks"][cur] if cur is not None else None


def promote(state: dict[str, Any], now: str) -> bool:
    """Make the next pending task current when none is active; finish the loop when none remain."""
    if finished(state) or state.get("current") is not None:
        return False
    for t in state["tasks"]:
        if t["status"] == "pending":
            t["status"] = "in_progress"
            t["started_at"] = now
            state["current"] = t["index"]
            return True
    state["completed_at"] = now
    return True


def progress(state: dict[str, Any]) -> dict[str, int]:
    tasks = state["tasks"]
    count = {s: sum(1 for t in tasks if t["status"] == s) for s in TASK_STATUSES}
    return {"total": len(tasks), "passed": count["passed"], "failed": count["failed"], "skipped": count["skipped"],
            "pending": count["pending"] + count["in_progress"]}


def entry_green(e: dict[str, Any]) -> bool:
    """A command's evidence is green when it exited 0 and its parsed counts show no failure."""
    counts = e.get("counts") or {}
    return e.get("exit_code") == 0 and not counts.get("failed")


def latest_run(task: dict[str, Any]) -> list[dict[str, Any]]:
    ev = task.get("evidence") or []
    if not ev:
        return []
    last_at = ev[-1]["at"]
    return [e for e in ev if e.get("at") == last_at]


def _require_active(state: dict[str, Any]) -> dict[str, Any]:
    if finished(state):
        raise CadenceError("LOOP_FINISHED", f"the loop for {state['plan']} is finished"
                           + (" (aborted)" if state.get("aborted") else ""),
                           "Start a new one with 'cadence loop start PLAN' (add --force to replace it).", PRECONDITION)
    task = current_task(state)
    if task is None:
        raise CadenceError("NO_ACTIVE_TASK", "no task is in progress", "Run 'cadence loop status' to advance.",
                           PRECONDITION)
    return task


def _advance(state: dict[str, Any], now: str) -> None:
    state["current"] = None
    promote(state, now)


def add_evidence(state: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    task = _require_active(state)
    task["evidence"].extend(entries)
    return task


def report(state: dict[str, Any], result: str, detail: str, now: str) -> dict[str, Any]:
    """Apply `pass` / `fail` / `skip` to the current task; returns facts about what happened."""
    if result not in ("pass", "fail", "skip"):
        raise CadenceError("INVALID_RESULT", f"result {result!r} is not pass, fail or skip", "", USAGE)
    detail = (detail or "").strip()
    task = _require_active(state)
    if blocked(state) and result != "skip":
        raise CadenceError("DECISION_NEEDED", f"task #{task['index'] + 1} failed {task['retries']} time(s) and the "
                           "loop is waiting for a decision",
                           "Choose: 'cadence loop retry', 'cadence loop report skip --detail REASON', or "
                           "'cadence loop abort'.", DECISION)
    if result == "skip" and not detail:
        raise CadenceError("REASON_REQUIRED", "skipping a task needs a reason", "Pass --detail 'why it is skipped'.",
                           USAGE)
    out: dict[str, Any] = {"task": task["index"], "result": result, "verified": None, "decision_needed": False}
    attempt: dict[str, Any] = {"at": now, "result": result, "detail": detail[:DETAIL_MAX]}
    if result == "pass":
        mode = state["verify"]
        run = latest_run(task)
        green = bool(run) and all(entry_green(e) for e in run) and \
            str(run[0].get("at")) >= str(task.get("started_at") or "")
        if mode == "strict" and not green:
            why = ("no verify run since the task started" if not run or str(run[0].get("at")) < str(task["started_at"])
                   else "the latest verify run is red: " + ", ".join(f"{e['kind']} exit {e['exit_code']}" for e in run
                                                                     if not entry_green(e)))
            raise CadenceError("UNVERIFIED", f"cannot pass task #{task['index'] + 1}: {why}",
                               "Run 'cadence loop verify' until it is green (or set workflow.verify: warn).",
                               PRECONDITION)
        verified = green if mode != "off" else None
        attempt["verified"] = verified
        task["verified"] = verified
        if verified is False:  # warn mode: passed, but marked unverified
            attempt["unverified"] = True
            task["unverified"] = True
        out["verified"] = verified
        task["status"] = "passed"
        task["completed_at"] = now
        task["attempts"].append(attempt)
        _advance(state, now)
    elif result == "fail":
        task["retries"] += 1
        task["attempts"].append(attempt)
        if task["retries"] >= state["max_retries"]:
            task["status"] = "failed"
            task["completed_at"] = now
            out["decision_needed"] = True  # stays current: the loop stops here
    else:
        task["status"] = "skipped"
        task["completed_at"] = now
        task["attempts"].append(attempt)
        _advance(state, now)
    return out


def retry(state: dict[str, Any], now: str) -> dict[str, Any]:
    """After a stop for decision: put the failed task back in progress with fresh retries."""
    task = _require_active(state)
    if not blocked(state):
        raise CadenceError("NOTHING_TO_RETRY", f"task #{task['index'] + 1} is still in progress, not failed",
                           "Keep working on it and report with 'cadence loop report pass|fail'.", PRECONDITION)
    task["status"] = "in_progress"
    task["retries"] = 0
    task["started_at"] = now
    task["completed_at"] = None
    task["attempts"].append({"at": now, "result": "retry", "detail": "retry decided after failure"})
    return task


def abort(state: dict[str, Any], now: str, reason: str = "") -> None:
    if finished(state):
        raise CadenceError("LOOP_FINISHED", "the loop is already finished", "", PRECONDITION)
    task = current_task(state)
    if task is not None and task["status"] == "in_progress":
        task["attempts"].append({"at": now, "result": "abort", "detail": reason[:DETAIL_MAX]})
    state["aborted"] = True
    state["completed_at"] = now
    state["current"] = None


def resume_info(state: dict[str, Any]) -> dict[str, Any]:
    task = current_task(state)
    nxt = next((t for t in state["tasks"] if t["status"] == "pending"), None)
    last = (task or {}).get("attempts") or []
    return {"interrupted": not finished(state), "blocked": blocked(state),
            "task": task or nxt, "last_attempt": last[-1] if last else None}


def _duration(start: str | None, end: str | None) -> str:
    from datetime import datetime
    if not start or not end:
        return "—"
    try:
        secs = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return "—"
    if secs < 1:
        return "< 1s"
    if secs < 60:
        return f"{int(secs)}s"
    return f"{int(secs // 60)}m {int(secs % 60)}s"


def _cell(text: str, width: int = 60) -> str:
    text = text.replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= width else text[:width - 3] + "..."


def evidence_text(task: dict[str, Any]) -> str:
    run = latest_run(task)
    if not run:
        return "—"
    parts = []
    for e in run:
        c = e.get("counts")
        tail = f" ({c['passed']}✓ {c['failed']}✗)" if c else ""
        ok = e.get("exit_code") == 0 and not (c and c.get("failed"))
        state = "ok" if ok else ("exit 0, failures" if e.get("exit_code") == 0 else f"exit {e.get('exit_code')}")
        parts.append(f"{e['kind']} {state}{tail}")
    return ", ".join(parts)


def summary_markdown(state: dict[str, Any], now: str) -> str:
    p = progress(state)
    names = {"passed": "Passed", "failed": "Failed", "skipped": "Skipped", "in_progress": "In Progress",
             "pending": "Pending"}
    lines = ["## Implementation Loop", "", "| # | Task | Status | Attempts | Evidence |",
             "|---|------|--------|----------|----------|"]
    for t in state["tasks"]:
        status = names[t["status"]]
        if t["status"] == "passed" and t.get("verified") is False:
            status += " (unverified)"
        attempts = len([a for a in t["attempts"] if a["result"] in ("pass", "fail")]) or "—"
        lines.append(f"| {t['index'] + 1} | {_cell(t['description'])} | {status} | {attempts} | "
                     f"{_cell(evidence_text(t), 80)} |")
    acs = sum(len(t["acceptance"]) for t in state["tasks"])
    done_acs = sum(len(t["acceptance"]) for t in state["tasks"] if t["status"] == "passed")
    lines += ["", f"**Results: {p['passed']} passed, {p['failed']} failed, {p['skipped']} skipped, "
              f"{p['pending']} pending** ({p['total']} total)"
              + (f" | **ACs of passed tasks: {done_acs}/{acs}**" if acs else ""),
              f"Duration: {_duration(state['started_at'], state.get('completed_at') or now)} | Plan: `{state['plan']}`"
              + (" | **aborted**" if state.get("aborted") else "")]
    failed = [t for t in state["tasks"] if t["status"] == "failed"]
    if failed:
        lines += ["", "### Failed Tasks", ""]
        for t in failed:
            fails = [a for a in t["attempts"] if a["result"] == "fail"]
            lines.append(f"- **#{t['index'] + 1}**: {t['description']}")
            if fails:
                lines.append(f"  Last error: {fails[-1]['detail'][:200]}")
    return "\n".join(lines) + "\n"


def view(state: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape every loop command returns."""
    return {"plan": state["plan"], "current": current_task(state), "progress": progress(state),
            "tasks": state["tasks"], "blocked": blocked(state), "finished": finished(state),
            "aborted": bool(state.get("aborted")), "commands": state["commands"], "verify": state["verify"],
            "max_retries": state["max_retries"], "started_at": state["started_at"],
            "completed_at": state.get("completed_at")}


def bar(state: dict[str, Any], width: int = 20) -> str:
    p = progress(state)
    done = p["passed"] + p["failed"] + p["skipped"]
    filled = round(done / p["total"] * width) if p["total"] else width
    pct = round(done / p["total"] * 100) if p["total"] else 100
    return f"{'█' * filled}{'░' * (width - filled)} {done}/{p['total']} tasks ({pct}%)"
