"""The implementation loop's state machine. Pure: every function takes the state dict and `now`.

Transitions have explicit guards: a finished task is never re-processed, a task whose retries are
exhausted stops the loop for a decision (retry, skip or abort) instead of advancing, and a strict
`pass` needs green evidence recorded after the task started.
"""

from __future__ import annotations

from typing import Any

from cadence.errors import CONFLICT, DECISION, PRECONDITION, USAGE, CadenceError, shown

VERSION = 1
TASK_STATUSES = ("pending", "in_progress", "passed", "failed", "skipped")
VERIFY_MODES = ("strict", "warn", "off")
KINDS = ("build", "test", "lint")
DETAIL_MAX = 2000
LOOP_FILE = ".cadence/loop.json"


def corrupt(reason: str) -> CadenceError:
    return CadenceError("LOOP_CORRUPT", f"{LOOP_FILE} is corrupt: {reason}",
                        f"Run 'cadence doctor --repair' (it restores {LOOP_FILE}.bak or keeps what is valid), or "
                        "start over with 'cadence loop start PLAN --force'.", CONFLICT)


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


def _int(v: Any, low: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def _text_or_none(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _texts(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _counts(v: Any) -> bool:
    return v is None or (isinstance(v, dict) and all(_int(v.get(k)) for k in ("passed", "failed", "skipped")))


# Typed fields: (check, what it must be). Tasks' optional fields are defaulted when absent.
TASK_FIELDS: dict[str, tuple[Any, str]] = {
    "description": (lambda v: isinstance(v, str), "a string"),
    "status": (lambda v: v in TASK_STATUSES, f"one of {', '.join(TASK_STATUSES)}"),
    "acceptance": (_texts, "a list of strings"),
    "retries": (_int, "a whole number"),
    "started_at": (_text_or_none, "a timestamp string or null"),
    "completed_at": (_text_or_none, "a timestamp string or null"),
    "attempts": (lambda v: isinstance(v, list), "a list of objects"),
    "evidence": (lambda v: isinstance(v, list), "a list of objects"),
    "verified": (lambda v: v is None or isinstance(v, bool), "true, false or null"),
}
ATTEMPT_FIELDS: dict[str, tuple[Any, str]] = {
    "at": (lambda v: isinstance(v, str), "a timestamp string"),
    "result": (lambda v: v in ("pass", "fail", "skip", "retry", "abort"), "pass, fail, skip, retry or abort"),
    "detail": (lambda v: isinstance(v, str), "a string"),
}
EVIDENCE_FIELDS: dict[str, tuple[Any, str]] = {
    "at": (lambda v: isinstance(v, str), "a timestamp string"),
    "kind": (lambda v: v in KINDS, f"one of {', '.join(KINDS)}"),
    "command": (_text_or_none, "a string"),
    "exit_code": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "duration_s": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "counts": (_counts, "null or {passed, failed, skipped} whole numbers"),
    "tail": (lambda v: isinstance(v, str), "a string"),
}
TOP_FIELDS: dict[str, tuple[Any, str]] = {
    "plan": (lambda v: isinstance(v, str), "a string"),
    "started_at": (lambda v: isinstance(v, str), "a timestamp string"),
    "completed_at": (_text_or_none, "a timestamp string or null"),
    "max_retries": (lambda v: _int(v, 1), "a whole number of at least 1"),
    "verify": (lambda v: v in VERIFY_MODES, f"one of {', '.join(VERIFY_MODES)}"),
    "commands": (lambda v: isinstance(v, dict) and all(k in KINDS and _text_or_none(c) for k, c in v.items()),
                 "an object mapping build / test / lint to a command or null"),
    "cwd": (lambda v: isinstance(v, str), "a relative directory"),
    "aborted": (lambda v: isinstance(v, bool), "true or false"),
    "tasks": (lambda v: isinstance(v, list), "a list of tasks"),
}
REQUIRED = ("plan", "started_at", "max_retries", "tasks", "commands", "verify")


def _check(obj: dict[str, Any], fields: dict[str, tuple[Any, str]], where: str) -> list[str]:
    return [f"{where}{key}: expected {what}, found {shown(obj[key])}" for key, (ok, what) in fields.items()
            if key in obj and not ok(obj[key])]


def _list_of(items: list[Any], fields: dict[str, tuple[Any, str]], where: str) -> list[str]:
    out = []
    for j, item in enumerate(items):
        if not isinstance(item, dict):
            out.append(f"{where}[{j}]: expected an object, found {shown(item)}")
        else:
            out += _check(item, fields, f"{where}[{j}].")
            out += [f"{where}[{j}].{k}: missing" for k in fields if k in ("at",) and k not in item]
    return out


def problems(state: Any) -> list[str]:
    """Every shape problem of a loaded loop state, each with its field path (empty when it is well formed)."""
    if not isinstance(state, dict):
        return [f"the top level is not an object (found {shown(state)})"]
    if state.get("version") != VERSION:
        return [f"version: unknown version {shown(state.get('version'))} (this cadence reads version {VERSION})"]
    out = [f"{k}: missing" for k in REQUIRED if k not in state]
    out += _check(state, TOP_FIELDS, "")
    tasks: list[Any] = state["tasks"] if isinstance(state.get("tasks"), list) else []
    for i, t in enumerate(tasks):
        where = f"tasks[{i}]"
        if not isinstance(t, dict):
            out.append(f"{where}: expected an object, found {shown(t)}")
            continue
        out += [f"{where}.{k}: missing" for k in ("description", "status") if k not in t]
        out += _check(t, TASK_FIELDS, where + ".")
        if "index" in t and t["index"] != i:
            out.append(f"{where}.index: expected {i}, found {shown(t['index'])}")
        for key, fields in (("attempts", ATTEMPT_FIELDS), ("evidence", EVIDENCE_FIELDS)):
            if isinstance(t.get(key), list):
                out += _list_of(t[key], fields, f"{where}.{key}")
    cur = state.get("current")
    if cur is not None and (not _int(cur) or not cur < len(tasks)):
        out.append(f"current: {shown(cur)} does not point at a task")
    return out


def validate(state: Any) -> dict[str, Any]:
    """Check the shape of a loaded state; raise LOOP_CORRUPT (exit 3) naming the fields otherwise."""
    found = problems(state)
    if found:
        raise corrupt("; ".join(found[:3]) + (f" (and {len(found) - 3} more)" if len(found) > 3 else ""))
    assert isinstance(state, dict)
    for i, t in enumerate(state["tasks"]):
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


def salvage(state: Any) -> tuple[dict[str, Any], list[str]] | None:
    """A usable loop from a malformed one: bad attempts / evidence entries are dropped, bad task fields reset
    to their defaults, a task without a description or status made pending. None when nothing can be kept
    (not an object, unknown version, no plan or task list)."""
    if not isinstance(state, dict) or state.get("version") != VERSION or not isinstance(state.get("plan"), str) \
            or not isinstance(state.get("tasks"), list):
        return None
    fixes = problems(state)
    defaults: dict[str, Any] = {"started_at": "", "completed_at": None, "max_retries": 3, "verify": "strict",
                                "commands": {k: None for k in KINDS}, "cwd": ".", "aborted": False}
    if isinstance(state.get("commands"), dict):  # keep the commands that are still valid
        defaults["commands"] = {k: c if isinstance(c := state["commands"].get(k), str) else None for k in KINDS}
    for key, (ok, _) in TOP_FIELDS.items():
        if key in defaults and (key not in state or not ok(state[key])):
            state[key] = defaults[key]
    tasks: list[dict[str, Any]] = []
    for t in state["tasks"]:
        if not isinstance(t, dict) or not isinstance(t.get("description"), str):
            continue  # a task with no description cannot be worked on: dropped
        clean: dict[str, Any] = {"index": len(tasks), "description": t["description"], "status": "pending",
                                 "acceptance": [], "retries": 0, "started_at": None, "completed_at": None,
                                 "attempts": [], "evidence": []}
        for key, (ok, _) in TASK_FIELDS.items():
            if key in t and ok(t[key]):
                clean[key] = t[key]
        for key, fields in (("attempts", ATTEMPT_FIELDS), ("evidence", EVIDENCE_FIELDS)):
            clean[key] = [e for e in clean[key] if isinstance(e, dict) and "at" in e
                          and not _check(e, fields, "")]
        tasks.append(clean)
    state["tasks"] = tasks
    cur = state.get("current")
    keep = isinstance(cur, int) and _int(cur) and cur < len(tasks) and tasks[cur]["status"] in ("in_progress", "failed")
    state["current"] = cur if keep else None
    if state["current"] is None and not finished(state):
        for t in tasks:
            if t["status"] == "in_progress":
                t["status"] = "pending"  # promote() makes it current again
    return validate(state), fixes


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
