"""`.cadence/loop.json`: the implementation loop on disk (atomic writes under the project lock), command
detection from the repository's manifests, and `verify` running build / test / lint as argument lists."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from cadence.core import loop as core
from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError
from cadence.project import fsio
from cadence.project.lock import project_lock
from cadence.project.loopfile import load_loop, require_loop, save_loop
from cadence.project.paths import contained
from cadence.workflow.common import now, workflow_config

TAIL_BYTES = 4096


# ----------------------------------------------------------------- command detection

def _read_manifests(root: Path, directory: Path) -> dict[str, str]:
    from cadence.core.detect_commands import FILES
    out: dict[str, str] = {}
    for name in FILES:
        p = directory / name
        if p.is_file():
            try:
                out[name] = fsio.read_text(root, p, errors="replace") if p.stat().st_size < 2_000_000 else ""
            except (OSError, CadenceError):
                out[name] = ""
    return out


VENVS = (".venv", "venv")


def detect_commands(root: Path, start: Path | None = None) -> dict[str, Any]:
    """Detection at the repository root, then the nearest manifest (from `start` up, then one level down).
    A plain Python project's virtualenv (`.venv/` or `venv/` beside the manifest) is used before whatever
    `python` is on PATH; uv / poetry / hatch projects already run through their tool."""
    found = _detect(root, start)
    base = root.resolve() / found.get("cwd", ".")
    venv = _venv(base)
    if venv is not None:
        for k in ("build", "test", "lint"):
            cmd = found.get(k)
            tool, _, rest = cmd.partition(" ") if isinstance(cmd, str) else ("", "", "")
            if tool in ("python", "pytest", "ruff") and (base / venv / "bin" / tool).is_file():
                found[k] = f"{venv}/bin/{tool} {rest}".rstrip()
        found["venv"] = venv
        return found
    import shutil
    if shutil.which("python") is None and shutil.which("python3") is not None:  # e.g. Debian without python-is-python3
        for k in ("build", "test", "lint"):
            if isinstance(found.get(k), str) and found[k].startswith("python "):
                found[k] = "python3 " + found[k][len("python "):]
    return found


def _venv(directory: Path) -> str | None:
    """The name of the first virtualenv in `directory` that has a python (`.venv`, then `venv`)."""
    return next((name for name in VENVS if (directory / name / "bin" / "python").is_file()), None)


def _detect(root: Path, start: Path | None) -> dict[str, Any]:
    from cadence.core.detect_commands import detect
    root = root.resolve()
    found = detect(_read_manifests(root, root))
    if found["detected"]:
        found["cwd"] = "."
        return found
    candidates: list[Path] = []
    if start is not None:
        cur = start.resolve()
        while cur != root and root in cur.parents:
            candidates.append(cur)
            cur = cur.parent
    try:
        candidates += sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")
                             and d.name not in ("node_modules", "venv", "target", "dist", "build"))
    except OSError:
        pass
    for d in candidates:
        found = detect(_read_manifests(root, d))
        if found["detected"]:
            found["cwd"] = d.relative_to(root).as_posix()
            return found
    found["cwd"] = "."
    return found


# ----------------------------------------------------------------- operations

def _view(state: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out = core.view(state)
    out.update(extra)
    return out


def start_loop(root: Path, plan: str, build: str | None = None, test: str | None = None, lint: str | None = None,
               max_retries: int | None = None, force: bool = False, cwd: Path | None = None) -> dict[str, Any]:
    from cadence.core.detect_commands import merge
    from cadence.project.planfiles import existing_plan, read_plan
    path = existing_plan(root, plan)
    parsed = read_plan(root, path)
    wf = workflow_config(root)
    detected = detect_commands(root, cwd)
    commands = merge(detected, wf.get("commands"), {"build": build, "test": test, "lint": lint})
    for k, v in commands.items():
        if v:
            try:
                if not shlex.split(v):
                    raise ValueError("empty")
            except ValueError as exc:
                raise CadenceError("INVALID_COMMAND", f"{k} command {v!r} cannot be parsed: {exc}",
                                   "Quote arguments as in a POSIX shell (no pipes or && — use a script).",
                                   USAGE) from None
    retries = max_retries if max_retries is not None else int(wf.get("max-retries", 3))
    with project_lock(root, "loop start"):
        try:
            existing = load_loop(root)
        except CadenceError:
            if not force:
                raise
            existing = None
        if existing is not None and not core.finished(existing) and not force:
            p = core.progress(existing)
            raise CadenceError("LOOP_ACTIVE", f"an unfinished loop exists for {existing['plan']} "
                               f"({p['passed'] + p['failed'] + p['skipped']}/{p['total']} tasks done)",
                               "Continue it ('cadence loop resume'), abort it ('cadence loop abort'), or replace it "
                               "with --force.", CONFLICT)
        state = core.new_loop(path.name, parsed["tasks"], commands, retries, str(wf.get("verify", "strict")), now(),
                              detected.get("cwd", "."))
        save_loop(root, state)
    return _view(state, detection={k: detected.get(k) for k in ("framework", "package_manager", "source",
                                                                   "detected", "cwd")})


def status_loop(root: Path) -> dict[str, Any]:
    with project_lock(root, "loop status"):
        state = require_loop(root)
        if core.promote(state, now()):
            save_loop(root, state)
    return _view(state)


# A line can only count when it has a digit, or is a go test case / package line or a unittest verdict.
_MARKERS = (*(bytes([d]) for d in b"0123456789"), b"--- ", b"ok", b"FAIL", b"OK", b"?")  # each a memchr scan
GRACE_S = 1.0   # after the command exits, how long output from children it left behind is still read
CHUNK = 1 << 20


class Output:
    """What verify keeps of a command's output, in constant memory: the last TAIL_BYTES bytes, the byte
    count, and the test-count parser fed line by line."""

    def __init__(self) -> None:
        from cadence.core.testcounts import CountParser
        self.tail = bytearray()
        self.size = 0
        self.counts = CountParser()
        self._line = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.tail += chunk
        if len(self.tail) > 2 * TAIL_BYTES:
            del self.tail[:-TAIL_BYTES]
        room = self.counts.LINE_MAX
        first, newline, rest = chunk.partition(b"\n")
        self._line += first[:max(0, room - len(self._line))]
        if not newline:
            return
        self._flush()
        body, _, last = rest.rpartition(b"\n")
        if any(m in body for m in _MARKERS):  # chunks of lines no runner summary could match are skipped
            for line in body.split(b"\n"):
                self.counts.feed(line[:room].decode("utf-8", errors="replace"))
        self._line += last[:room]

    def _flush(self) -> None:
        self.counts.feed(self._line.decode("utf-8", errors="replace"))
        self._line.clear()

    def note(self, text: str) -> None:
        self.feed(text.encode())

    def text(self) -> str:
        if self._line:
            self._flush()
        return bytes(self.tail[-TAIL_BYTES:]).decode("utf-8", errors="ignore")


def _kill_group(pgid: int) -> None:
    if not hasattr(os, "killpg"):  # pragma: no cover - POSIX process groups only (cadence's CI is Linux)
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:  # the group is already gone
        pass


def run_command(command: str, cwd: Path, timeout: float) -> dict[str, Any]:
    """Run one configured command as an argument list (shlex; never a shell) with a timeout, under the
    supervisor (`workflow/supervise.py`) in a process group of its own, so that the command and everything
    it started die with cadence. Output is streamed: only its tail and running test counts are kept."""
    import select
    import sys
    started = time.monotonic()
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return {"exit_code": 2, "duration_s": 0.0, "output": f"cannot parse command: {exc}", "counts": None}
    if not argv:
        return {"exit_code": 2, "duration_s": 0.0, "output": "empty command", "counts": None}
    supervisor = [sys.executable, "-I", "-S", str(Path(__file__).with_name("supervise.py"))]
    proc = subprocess.Popen([*supervisor, *argv], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None
    out = Output()
    fd = proc.stdout.fileno()
    try:  # a larger pipe: fewer wake-ups for chatty commands (Linux)
        import fcntl
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), CHUNK)
    except OSError:
        pass
    code: int | None = None
    try:
        deadline = started + timeout
        exited_at: float | None = None
        while True:
            moment = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = moment
            limit = deadline if exited_at is None else min(deadline, exited_at + GRACE_S)
            if moment >= limit:
                break
            ready, _, _ = select.select([fd], [], [], min(0.2, limit - moment))
            if ready:
                chunk = os.read(fd, CHUNK)
                if not chunk:  # every writer closed its end
                    break
                out.feed(chunk)
        try:
            code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            code = None  # still running at the deadline
    finally:
        _kill_group(proc.pid)  # leftovers (background children), or everything on timeout / Ctrl-C
        proc.wait()
        proc.stdout.close()
        if proc.stdin is not None:
            proc.stdin.close()
    if code is None:
        code = 124
        out.note(f"\n[cadence] timed out after {timeout:g}s\n")
    return {"exit_code": code, "duration_s": round(time.monotonic() - started, 3), "output": out.text(),
            "counts": out.counts.result(), "output_bytes": out.size}


def verify_loop(root: Path) -> dict[str, Any]:
    """Run build, test and lint (those configured) for the current task and record the evidence."""
    with project_lock(root, "loop verify"):
        state = require_loop(root)
        if core.promote(state, now()):
            save_loop(root, state)
        task = core._require_active(state)
        if core.blocked(state):
            raise CadenceError("DECISION_NEEDED", f"task #{task['index'] + 1} failed and the loop waits for a decision",
                               "Choose 'cadence loop retry', 'cadence loop report skip --detail R' or "
                               "'cadence loop abort'.", 4)
        index = task["index"]
    commands = [(k, state["commands"].get(k)) for k in core.KINDS if state["commands"].get(k)]
    if not commands:
        raise CadenceError("NO_COMMANDS", "no build, test or lint command is configured for this loop",
                           "Restart with 'cadence loop start PLAN --test \"pytest -q\" --force', or set "
                           "workflow.commands in .cadence/config.yml.", PRECONDITION)
    timeout = float(workflow_config(root).get("command-timeout", 600))
    cwd = contained(root, state.get("cwd") or ".", "loop cwd")
    at = now()
    entries = []
    for kind, cmd in commands:
        res = run_command(str(cmd), cwd, timeout)
        entry = {"at": at, "kind": kind, "command": cmd, "exit_code": res["exit_code"],
                 "duration_s": res["duration_s"], "counts": res["counts"] if kind == "test" else None,
                 "tail": res["output"]}
        hint = _runner_hint(kind, res)
        if hint:
            entry["hint"] = hint
        entries.append(entry)
    with project_lock(root, "loop verify"):
        state = require_loop(root)
        now_task = core.current_task(state)
        if now_task is None or now_task["index"] != index or core.finished(state):
            raise CadenceError("LOOP_CHANGED", "the loop moved on while verify was running; evidence not recorded",
                               "Run 'cadence loop verify' again.", CONFLICT)
        core.add_evidence(state, entries)
        save_loop(root, state)
    green = all(core.entry_green(e) for e in entries)
    return _view(state, evidence=entries, green=green)


_MISSING = ("No module named", "command not found", "not found:", "No such file or directory")


def _runner_hint(kind: str, res: dict[str, Any]) -> str | None:
    """When the command itself could not be found (no test runner), say how to configure the right one."""
    if res["exit_code"] == 0 or not any(m in res["output"] for m in _MISSING):
        return None
    return (f"The {kind} runner looks missing. Set workflow.commands.{kind} in .cadence/config.yml (e.g. "
            f"'.venv/bin/python -m pytest'), or restart with 'cadence loop start PLAN --{kind} CMD --force'.")


def report_loop(root: Path, result: str, detail: str = "") -> dict[str, Any]:
    with project_lock(root, "loop report"):
        state = require_loop(root)
        core.promote(state, now())
        outcome = core.report(state, result, detail, now())
        save_loop(root, state)
    return _view(state, outcome=outcome)


def retry_loop(root: Path) -> dict[str, Any]:
    with project_lock(root, "loop retry"):
        state = require_loop(root)
        core.retry(state, now())
        save_loop(root, state)
    return _view(state)


def abort_loop(root: Path, reason: str = "") -> dict[str, Any]:
    with project_lock(root, "loop abort"):
        state = require_loop(root)
        core.abort(state, now(), reason)
        save_loop(root, state)
    return _view(state)


def resume_loop(root: Path) -> dict[str, Any]:
    state = require_loop(root)
    return _view(state, resume=core.resume_info(state))


def summary_loop(root: Path) -> dict[str, Any]:
    state = require_loop(root)
    return _view(state, markdown=core.summary_markdown(state, now()))
