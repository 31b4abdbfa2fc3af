"""`cadence demo`: walk a throwaway repository through the whole product, printing each step.

Everything goes through the real CLI (`python -m cadence …`) in a temporary git repository:
init → the first pipeline steps → plan → loop with verified evidence → scope → gate → finish
(a local commit, no push) → rendering for every client → the MCP server's tool list → the
dashboard.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cadence.cli.output import Context, paint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PLAN = """\
---
title: Due dates for loans
type: feature
issues: [12]
touches: [toollib/*.py, tests/*.py]
---
# Plan: Due dates for loans

## Summary

A loan records when the tool must come back, so overdue loans can be listed.

## Tasks

- [ ] Task 1: Record a due date on every loan
  - AC: lend() stores a due date 14 days after the loan by default
  - AC: the due date can be given explicitly
- [ ] Task 2: List overdue loans
  - AC: overdue(today) returns the loans whose due date has passed

## Key Decisions

- Dates are `datetime.date` values; no time zones in a neighbourhood tool library.
"""

CODE_BEFORE = """\
\"\"\"A tiny tool library.\"\"\"

LOANS = []


def lend(tool, person):
    loan = {"tool": tool, "person": person}
    LOANS.append(loan)
    return loan
"""

CODE_TASK1 = """\
\"\"\"A tiny tool library.\"\"\"

import datetime

LOANS = []


def lend(tool, person, due=None, today=None):
    today = today or datetime.date.today()
    loan = {"tool": tool, "person": person, "due": due or today + datetime.timedelta(days=14)}
    LOANS.append(loan)
    return loan
"""

CODE_TASK2 = CODE_TASK1 + """

def overdue(today):
    return [loan for loan in LOANS if loan["due"] < today]
"""

TESTS_TASK1 = """\
import datetime
import unittest

from toollib import LOANS, lend


class LendTest(unittest.TestCase):
    def setUp(self):
        LOANS.clear()

    def test_default_due_date(self):
        loan = lend("drill", "ana", today=datetime.date(2026, 3, 1))
        self.assertEqual(loan["due"], datetime.date(2026, 3, 15))

    def test_explicit_due_date(self):
        self.assertEqual(lend("saw", "bo", due=datetime.date(2026, 4, 1))["due"], datetime.date(2026, 4, 1))
"""

TESTS_TASK2 = TESTS_TASK1 + """

class OverdueTest(unittest.TestCase):
    def test_overdue(self):
        LOANS.clear()
        lend("drill", "ana", due=datetime.date(2026, 3, 1))
        lend("saw", "bo", due=datetime.date(2026, 5, 1))
        from toollib import overdue
        self.assertEqual([loan["tool"] for loan in overdue(datetime.date(2026, 4, 1))], ["drill"])
"""

TESTING_REPORT = """\
## Testing review

Both tasks have tests for every acceptance criterion; the suite runs in 0.01 s.

```json
{"verdict": "PASS WITH WARNINGS", "findings": [
  {"severity": "LOW", "title": "No test for a loan returned on its due date",
   "location": "tests/test_toollib.py", "description": "Add a boundary test for today == due."}
]}
```
"""

PASS_REPORT = """\
## {agent} review

Nothing to report for this change.

```json
{{"verdict": "PASS", "findings": []}}
```
"""

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "cadence demo", "GIT_AUTHOR_EMAIL": "demo@cadence.invalid",
                "GIT_COMMITTER_NAME": "cadence demo", "GIT_COMMITTER_EMAIL": "demo@cadence.invalid"}


class Demo:
    def __init__(self, ctx: Context, root: Path, scratch: Path) -> None:
        self.ctx = ctx
        self.root = root
        self.scratch = scratch
        self.env = {**os.environ, "NO_COLOR": "1", **GIT_IDENTITY}
        self.log: list[dict[str, Any]] = []

    def say(self, text: str, detail: str = "") -> None:
        if not self.ctx.json:
            print(f"{paint('▶', '36')} {text}" + (f"\n    {detail}" if detail else ""), flush=True)

    def call(self, *args: str) -> tuple[int, dict[str, Any]]:
        proc = subprocess.run([sys.executable, "-m", "cadence", "--root", str(self.root), *args, "--json"],
                              capture_output=True, text=True, env=self.env, check=False)
        try:
            env = json.loads(proc.stdout)
        except ValueError:
            env = {"ok": False, "error": {"message": proc.stderr.strip() or proc.stdout.strip()}}
        self.log.append({"command": shlex.join(["cadence", *args]), "exit_code": proc.returncode})
        return proc.returncode, env

    def cadence(self, title: str, *args: str, show: str = "", exit_code: int = 0) -> Any:
        """Run one command (printed so that it can be copied); anything but `exit_code` fails the demo
        (an expected non-zero exit still carries its result in the envelope's data)."""
        code, env = self.call(*args)
        if code != exit_code or (not env.get("ok") and (exit_code == 0 or env.get("data") is None)):
            raise RuntimeError(f"{shlex.join(['cadence', *args])} failed (exit {code}): "
                               f"{(env.get('error') or {}).get('message')}")
        self.say(f"{title}  $ {shlex.join(['cadence', *args])}", show)
        return env["data"]

    def refused(self, title: str, *args: str) -> dict[str, Any]:
        """Run a command that cadence must refuse, and show the refusal."""
        code, env = self.call(*args)
        if env.get("ok") or code == 0:
            raise RuntimeError(f"{shlex.join(['cadence', *args])} was accepted; cadence should have refused it")
        err = env.get("error") or {}
        self.say(f"{title}  $ {shlex.join(['cadence', *args])}",
                 f"{paint('✗ refused', '31')} (exit {code}, {err.get('code')}): {err.get('message')}")
        return dict(err)

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=True,
                              env=self.env).stdout

    def run(self) -> dict[str, Any]:
        self.git("init", "-q", "-b", "main")
        self.write("README.md", "# tool-library\n\nLend tools to your neighbours.\n")
        self.write("toollib/__init__.py", CODE_BEFORE)
        self.write("tests/__init__.py", "")
        self.write("tests/test_toollib.py", "import unittest\n\n\nclass Smoke(unittest.TestCase):\n"
                   "    def test_import(self):\n        import toollib  # noqa: F401\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "Initial tool library")
        self.say("created a throwaway repository with a tiny Python package", str(self.root))

        init = self.cadence("initialise cadence", "init", "--no-input", "--methodology", "mvp", "--name",
                            "tool-library", "--project-type", "cli", "--cli-interactivity", "args-only",
                            "--clients", "claude,opencode,codex,gemini")
        self.say(f"  {init['steps']} pipeline steps for an mvp cli project; clients: {', '.join(init['clients'])}")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "Set up cadence")
        self.say("committed the cadence setup (config, state, rendered client files)")
        nxt = self.cadence("what can run now", "next", "--count", "3")
        self.say("  eligible: " + ", ".join(e["name"] for e in nxt["eligible"]))
        for step, output, text in (
            ("create-vision", "docs/vision.md", "# tool-library — Vision\n\nNo drill sits idle in a shed.\n"),
            ("review-vision", "docs/reviews/vision-review-vision.md", "# Vision review\n\nNo P0 or P1 findings.\n"),
        ):
            run = self.cadence(f"assemble the {step} prompt", "run", step)
            self.say(f"  {run['bytes']:,} bytes at depth {run['depth']}, knowledge: {', '.join(run['knowledge'])}; "
                     f"your assistant now writes {output}")
            self.write(output, text)
            self.cadence(f"record {step} (cadence checks {output} exists)", "complete", step)

        plan_file = self.scratch / "plan.md"
        plan_file.write_text(PLAN, encoding="utf-8")
        saved = self.cadence("save the architect's plan", "plan", "save", "--file", str(plan_file))
        plan = saved["file"]
        self.say(f"  {plan}: {saved['tasks']} tasks")
        committed = self.cadence("commit the plan (main is protected, so a branch is created)", "plan", "commit",
                                 plan)
        self.say(f"  on branch {committed.get('branch')}")
        loop = self.cadence("start the implementation loop", "loop", "start", plan, "--test",
                            f"{sys.executable} -m unittest -q", "--build", "", "--lint", "")
        self.say(f"  current task: {loop['current']['description']}")

        self.write("tests/test_toollib.py", TESTS_TASK1)  # the tests first: they fail until the code exists
        red = self.cadence("verify the new tests before the code: red", "loop", "verify", exit_code=2)
        ev = red["evidence"][-1]
        counts = ev.get("counts") or {}
        self.say(f"  {ev['command']} → exit {ev['exit_code']}"
                 + (f" ({counts.get('failed', 0)} failed)" if counts else "") + "; 'loop verify' exits 2 when red")
        refusal = self.refused("claim the task passed anyway", "loop", "report", "pass", "--detail", "done")
        for code, tests, detail in ((CODE_TASK1, TESTS_TASK1, "due dates stored; 2 tests cover both ACs"),
                                    (CODE_TASK2, TESTS_TASK2, "overdue() added; 1 test covers the AC")):
            self.write("toollib/__init__.py", code)
            self.write("tests/test_toollib.py", tests)
            verified = self.cadence("verify: cadence runs the tests itself", "loop", "verify")
            ev = verified["evidence"][-1]
            self.say(f"  {ev['command']} → exit {ev['exit_code']} in {ev['duration_s']:.2f}s")
            self.cadence("report the task passed (accepted: the last verify is green)", "loop", "report", "pass",
                         "--detail", detail)
        summary = self.cadence("loop summary", "loop", "summary")
        self.say("  " + summary["markdown"].strip().splitlines()[0])

        scope = self.cadence("classify the change", "scope")
        self.say(f"  scope {scope['scope']}: reviewers {', '.join(scope['agents'])}")
        reports = []
        for agent in scope["agents"]:
            text = TESTING_REPORT if agent == "testing" else PASS_REPORT.format(agent=agent)
            path = self.scratch / f"{agent}.md"
            path.write_text(text, encoding="utf-8")
            reports += ["--report", f"{agent}={path}"]
        gate = self.cadence("quality gate over the reviewers' reports", "gate", "summary", *reports)
        missing = ", ".join(f"@{a}" for a in gate["missing"]) or "none"  # the gate checks the scope's reviewers
        self.say(f"  recommendation: {gate['recommendation']} ({len(reports) // 2} reports, as the scope asked; "
                 f"missing: {missing})")
        finish = self.cadence("finish: stage safely, commit (no push in the demo)", "finish", "--message",
                              "feat: due dates for loans", "--no-push")
        self.say(f"  commit {str(finish['commit'])[:10]} on {finish['branch']}; the pull request would be opened with:",
                 str(finish["pr"]["command"]))

        rendered = sorted({p.relative_to(self.root).parts[0] for p in self.root.rglob("*")
                           if p.is_file() and p.relative_to(self.root).parts[0] in
                           (".claude", ".opencode", ".codex", ".gemini", ".agents", "CLAUDE.md", "AGENTS.md",
                            "GEMINI.md", ".mcp.json", "opencode.json")})
        self.say("rendered for every client", ", ".join(rendered) or "(nothing rendered)")
        tools = self._mcp_tools()
        self.say("started the MCP server and listed its tools",
                 ", ".join(f"{tier}: {n}" for tier, n in tools.items()))
        dash = self.cadence("write the dashboard", "dashboard", "--output", str(self.scratch / "dashboard.html"))
        return {"root": str(self.root), "plan": plan, "gate": gate["recommendation"], "gate_missing": gate["missing"],
                "commit": finish["commit"], "mcp_tools": tools, "steps": self.log, "refused": refusal,
                "dashboard": dash.get("output", str(self.scratch / "dashboard.html"))}

    def _mcp_tools(self) -> dict[str, int]:
        """Connect the official MCP client to `cadence mcp` over stdio, once per tier."""
        import anyio

        async def list_tools(tier: str) -> int:
            from mcp import ClientSession, StdioServerParameters
            from mcp.client.stdio import stdio_client
            params = StdioServerParameters(command=sys.executable, env=self.env,
                                           args=["-m", "cadence", "mcp", "--tools", tier, "--root", str(self.root)])
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                return len((await session.list_tools()).tools)

        counts = {}
        for tier in ("core", "standard", "all"):
            counts[tier] = anyio.run(list_tools, tier)
            self.log.append({"command": f"cadence mcp --tools {tier} (tools/list)", "exit_code": 0})
        return counts


def run_demo(ctx: Context, keep: bool = False) -> tuple[dict[str, Any], str]:
    base = Path(tempfile.mkdtemp(prefix="cadence-demo-"))
    root, scratch = base / "tool-library", base / "scratch"
    root.mkdir()
    scratch.mkdir()
    demo = Demo(ctx, root, scratch)
    try:
        data = demo.run()
    except RuntimeError as exc:
        from cadence.errors import ASSEMBLY, CadenceError
        raise CadenceError("DEMO_FAILED", str(exc), f"The demo repository is kept at {root} for inspection.",
                           ASSEMBLY, data={"steps": demo.log}) from None
    if keep:
        demo.say("kept the demo repository and its dashboard", f"{root}\n    {data['dashboard']}")
    else:
        shutil.rmtree(base, ignore_errors=True)
        data["root"] = data["dashboard"] = None
    closing = (f"{paint('✓', '32')} demo complete: the pipeline, a verified loop (one red verify, one refused claim), "
               f"a {data['gate']} gate and a local commit, rendered for four clients and served over MCP.")
    if not keep:
        closing += ("\n  The throwaway repository and its dashboard were removed; 'cadence demo --keep' keeps them "
                    "to look around (cd into it, run 'cadence status', open the dashboard).")
    closing += "\n  In your own repository: cadence init (see the README's 'first five minutes')"
    return data, closing
