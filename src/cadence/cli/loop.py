"""loop start | status | verify | report | retry | abort | resume | summary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cadence.cli._wf import add_wait, require
from cadence.cli.output import Context, paint, sub
from cadence.errors import PRECONDITION, CadenceError

MARK = {"passed": ("✓", "32"), "failed": ("✗", "31"), "skipped": ("⊘", "2"), "in_progress": ("▶", "33"),
        "pending": ("○", "0")}


def add_loop(p: argparse.ArgumentParser) -> None:
    s = sub(p)
    a = s.add_parser("start", help="start a loop over a plan's tasks")
    a.add_argument("plan")
    for k in ("build", "test", "lint"):
        a.add_argument(f"--{k}", metavar="CMD", help=f"{k} command (overrides config and detection; '' = none)")
    a.add_argument("--max-retries", type=int, metavar="N")
    a.add_argument("--force", action="store_true", help="replace an unfinished loop")
    add_wait(a)
    a.set_defaults(func=cmd_start)
    for name, fn, hlp in (("status", cmd_status, "progress and the current task"),
                          ("verify", cmd_verify, "run build / test / lint and record evidence"),
                          ("retry", cmd_retry, "after a stop for decision: retry the failed task"),
                          ("resume", cmd_resume, "describe an interrupted loop"),
                          ("summary", cmd_summary, "markdown summary (used in PR bodies)")):
        a = s.add_parser(name, help=hlp)
        if name in ("status", "verify", "retry"):  # the ones that take the project lock
            add_wait(a)
        a.set_defaults(func=fn)
    a = s.add_parser("abort", help="stop the loop")
    a.add_argument("--detail", default="", help="why")
    add_wait(a)
    a.set_defaults(func=cmd_abort)
    a = s.add_parser("report", help="report the current task: pass, fail or skip")
    a.add_argument("result", choices=("pass", "fail", "skip"))
    a.add_argument("--detail", default="", help="what happened (required for skip)")
    add_wait(a)
    a.set_defaults(func=cmd_report)


def _task_text(t: dict[str, Any], max_retries: int, label: str = "Current task") -> list[str]:
    lines = [f"{label} #{t['index'] + 1}: {paint(t['description'], '1')}"]
    if t["retries"] >= max_retries:
        lines.append(f"  {t['retries']}/{max_retries} attempts failed")
    elif t["retries"]:
        lines.append(f"  attempt {t['retries'] + 1}/{max_retries}")
    lines += [f"    - {ac}" for ac in t["acceptance"]]
    return lines


def _counts(d: dict[str, Any]) -> dict[str, int]:
    counts = dict.fromkeys(MARK, 0)
    for t in d["tasks"]:
        counts[t["status"]] += 1
    return counts


def _bar(d: dict[str, Any], width: int = 20) -> str:
    """Only passed and skipped tasks fill the bar: a failed task is not done."""
    c = _counts(d)
    total = len(d["tasks"])
    done = c["passed"] + c["skipped"]
    filled = round(done / total * width) if total else 0
    pct = round(done / total * 100) if total else 0
    return f"{'█' * filled}{'░' * (width - filled)} {done}/{total} tasks done ({pct}%)"


def render(d: dict[str, Any], head: str = "") -> str:
    lines = [head] if head else []
    c = _counts(d)
    lines.append(f"Plan: {d['plan']}")
    lines.append(f"Progress: {_bar(d)}")
    lines.append(f"  passed {c['passed']} | failed {c['failed']} | skipped {c['skipped']} | "
                 f"in progress {c['in_progress']} | pending {c['pending']}")
    cur = d["current"]
    if d["finished"]:
        lines.append(paint("Loop aborted." if d["aborted"] else "All tasks complete.", "1")
                     + " Next: cadence loop summary, then the quality gate.")
    elif cur:
        lines += _task_text(cur, d["max_retries"])
        if d["blocked"]:
            lines.append(paint("  stopped for a decision: ", "31") + "cadence loop retry | cadence loop report skip "
                         "--detail R | cadence loop abort")
    cmds = d["commands"]
    lines.append("Commands: " + ", ".join(f"{k}={cmds[k]}" for k in ("build", "test", "lint") if cmds.get(k))
                 if any(cmds.values()) else "Commands: none (verify has nothing to run)")
    lines.append("History:")
    for t in d["tasks"]:
        icon, colour = MARK[t["status"]]
        if d["finished"] and t["status"] == "in_progress":  # the loop ended with this task open
            icon, colour = "■", "2"
        n = len([a for a in t["attempts"] if a["result"] in ("pass", "fail")])
        extra = f" ({n} attempt{'s' if n != 1 else ''})" if n else ""
        unv = paint(" unverified", "33") if t.get("verified") is False else ""
        lines.append(f"  {paint(icon, colour)} #{t['index'] + 1} {t['description']}{extra}{unv}")
    return "\n".join(lines)


def cmd_start(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.loop import start_loop
    d = start_loop(require(ctx.root()), args.plan, args.build, args.test, args.lint, args.max_retries, args.force,
                   Path.cwd())
    det = d["detection"]
    given = [f"--{k}" for k in ("build", "test", "lint") if getattr(args, k) is not None]
    if len(given) == 3:
        origin = "from the command line"
    else:
        origin = f"detected from {det['source']} ({det['framework']})" if det["detected"] else "not detected"
        origin += f", {', '.join(given)} from the command line" if given else ""
    head = (f"✓ loop started: {len(d['tasks'])} task(s); commands {origin}"
            f"; verify {d['verify']}, max retries {d['max_retries']}")
    return d, render(d, head)


def cmd_status(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.loop import status_loop
    d = status_loop(require(ctx.root()))
    return d, render(d)


def cmd_verify(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    """Exit 0 when green. Red is exit 2 (`VERIFY_RED`, so `cadence loop verify && …` works): the summary is
    still printed, and under --json the error envelope's `data` carries the whole result with its evidence."""
    from cadence.core.loop import entry_green
    from cadence.workflow.loop import verify_loop
    d = verify_loop(require(ctx.root()))
    lines = [paint("✓ verify green", "32") if d["green"] else paint("✗ verify red", "31")]
    for e in d["evidence"]:
        c = e["counts"]
        counts = f" — {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped" if c else ""
        lines.append(f"  {e['kind']}: {e['command']} → exit {e['exit_code']} in {e['duration_s']:.1f}s{counts}")
        if e["exit_code"] != 0:
            tail = "\n".join(e["tail"].rstrip().splitlines()[-15:])
            lines.append("    " + tail.replace("\n", "\n    "))
        if e.get("hint"):
            lines.append(paint("  hint: ", "33") + e["hint"])
    text = "\n".join(lines)
    if not d["green"]:
        if not ctx.json:
            print(text)
        red = ", ".join(f"{e['kind']} exit {e['exit_code']}" + (f" ({e['counts']['failed']} failed)"
                        if e["counts"] and e["counts"]["failed"] else "") for e in d["evidence"] if not entry_green(e))
        raise CadenceError("VERIFY_RED", f"verify is red: {red}; the evidence is recorded",
                           "Fix the failures and run 'cadence loop verify' again.", PRECONDITION, data=d)
    return d, text


def cmd_report(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.loop import report_loop
    d = report_loop(require(ctx.root()), args.result, args.detail)
    o = d["outcome"]
    n = o["task"] + 1
    if o["result"] == "pass":
        head = f"✓ task #{n} passed" + (paint(" (unverified)", "33") if o["verified"] is False else "")
        if o["verified"] is False:
            ctx.warn(f"task #{n} passed without green verify evidence (verify: warn): marked unverified")
    elif o["result"] == "skip":
        head = f"⊘ task #{n} skipped"
    elif o["decision_needed"]:
        head = paint(f"✗ task #{n} failed {d['max_retries']} time(s): the loop stops for a decision", "31")
    else:
        t = d["tasks"][o["task"]]
        head = f"⚠ task #{n} failed (attempt {t['retries']}/{d['max_retries']}); fix it and verify again"
    return d, render(d, head)


def cmd_retry(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.loop import retry_loop
    d = retry_loop(require(ctx.root()))
    return d, render(d, "↻ retrying the failed task with fresh attempts")


def cmd_abort(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.loop import abort_loop
    d = abort_loop(require(ctx.root()), args.detail)
    return d, render(d, "■ loop aborted")


def cmd_resume(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.loop import resume_loop
    d = resume_loop(require(ctx.root()))
    r = d["resume"]
    if not r["interrupted"]:
        if d.get("aborted"):
            return d, (f"The loop for {d['plan']} was aborted; nothing to resume. "
                       f"Start again with: cadence loop start {d['plan']} --force")
        return d, f"The loop for {d['plan']} is finished; nothing to resume."
    lines = [f"Interrupted loop for {d['plan']} (started {d['started_at']})"]
    if r["task"]:
        lines += _task_text(r["task"], d["max_retries"], "Continue with task")
    if r["last_attempt"]:
        la = r["last_attempt"]
        lines.append(f"  last attempt: {la['result']} — {la['detail'][:100]}")
    lines.append("→ cadence loop status, then work on the task and 'cadence loop verify'.")
    return d, "\n".join(lines)


def cmd_summary(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.workflow.loop import summary_loop
    d = summary_loop(require(ctx.root()))
    return d, d["markdown"]
