"""Journeys through the real clients: what the model receives, what it may do, what cadence records.

Each real client (skipped when absent) runs in an isolated HOME, inside `unshare -n` with loopback only,
against `fakes/fake_model.py`: a scripted model that plays the assistant's part (which tool to call, with
which arguments) and records every request the client sends. The assertions are on those requests — what
the model was handed — and on the repository afterwards, never on text that would be there anyway.

The server is registered as installs register it (the lean tier), so every cadence call goes through an entry
point: `read`, `plan` or `write` with `{"tool": …, "args": {…}}`.

* pipeline: the client's own command for `create-vision` → `pipeline_run` via `write` → the next request holds lines
  found only in the step's assembled prompt → the client's write tool writes docs/vision.md →
  `pipeline_complete` → `cadence next` offers `create-prd`.
* implement: plan_load → repl_init → repl_verify (red) → `repl_report pass` refused (the refusal reaches the
  model) → the fix with the client's write tool → verify green → pass → change_scope → the read-only audit
  sub-agent tries to write and to branch (through `write`, which it lacks, and `read`, which refuses a
  mutating tool; the repo is unchanged) → quality_gate_summary → task_finalize
  (local commit): the commit, the loop evidence and the PR body.
* architect: plan_save (via `plan`) of a plan whose files overlap another open plan → plan_overlaps (via
  `read`) → the overlap reaches the model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_real_clients import (
    CLAUDE_SETTINGS,
    CLIENT_ENV,
    NETNS,
    assembled_prompt,
    binary,
    prompt_only_sentences,
)

pytestmark = pytest.mark.clients

FAKES = Path(__file__).resolve().parent / "fakes"
CLIENTS = ("claude", "opencode", "codex", "gemini")
BIN = {"claude": "claude", "opencode": "opencode", "codex": "codex", "gemini": "gemini"}
TIMEOUT = 240
AUDIT_MATCH = "You review the change the way a careful senior colleague would"
VISION = ("# Ledger — Vision\n\nDraft, by the journey test.\n\n## Vision Statement\n\n"
          "Freelancers see what each client owes them without opening a spreadsheet.\n")
CALC_BAD = "def add(a, b):\n    return a - b\n"
CALC_GOOD = "def add(a, b):\n    return a + b\n"
CHECK = "import calc\n\nassert calc.add(2, 3) == 5, 'calc.add(2, 3) should be 5'\nprint('ok')\n"
PLAN_FIX = ("---\ntitle: Fix add\ntype: bugfix\ntouches: [calc.py]\n---\n# Fix add\n\n## Summary\n\n"
            "calc.add subtracts; it must add.\n\n## Tasks\n- [ ] Task 1: Make calc.add return the sum "
            "(`calc.py`)\n")
PLAN_OTHER = ("---\ntitle: Speed up calc\ntype: refactor\nstatus: approved\ntouches: [calc.py]\n---\n"
              "# Speed up calc\n\n## Tasks\n- [ ] Task 1: Cache results in `calc.py`\n")
PLAN_NEW = ("---\ntitle: Add multiply\ntype: feature\ntouches: [calc.py]\n---\n# Add multiply\n\n"
            "## Tasks\n- [ ] Task 1: Add calc.multiply (`calc.py`)\n")
AUDIT_REPORT = "## Audit\n\nReviewed calc.add: it now returns the sum; no findings.\n\nVERDICT: PASS\n"
AUDIT_MARK = "it now returns the sum; no findings"


def cadence(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cadence", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One rendered project for every journey: a tiny Python module with a failing check, every client installed
    as users get it (the server's lean tier: `read`, `plan`, `write`), Gemini subagents enabled, all committed."""
    base = tmp_path_factory.mktemp("journeys")
    proj = base / "template"
    proj.mkdir()
    git(proj, "init", "-q", "-b", "main")
    git(proj, "config", "user.email", "journey@example.com")
    git(proj, "config", "user.name", "Journey")
    (proj / "calc.py").write_text(CALC_BAD)
    (proj / "check.py").write_text(CHECK)
    (proj / ".gemini").mkdir()
    (proj / ".gemini/settings.json").write_text('{"experimental": {"enableAgents": true}}\n')
    env = {"CADENCE_CACHE_DIR": str(base / "cache"),
           "CADENCE_MCP_COMMAND": f"{sys.executable} -m cadence mcp"}  # install appends the tier
    r = cadence(proj, "init", "--no-input", "--clients", ",".join(CLIENTS), env=env)
    assert r.returncode == 0, r.stderr
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "start")
    return proj


class Journey:
    """One client run in a fresh copy of the template, with its own HOME and fake model."""

    def __init__(self, client: str, template: Path, tmp: Path) -> None:
        self.client, self.tmp = client, tmp
        self.exe = binary(BIN[client])
        self.proj = tmp / "proj"
        shutil.copytree(template, self.proj, symlinks=True)
        self.home = tmp / "home"
        (self.home / ".config").mkdir(parents=True)
        self.log = tmp / "model.log"
        self.port = _port()
        self.env = {**os.environ, **CLIENT_ENV, "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                    "XDG_DATA_HOME": str(self.home / ".local/share"), "XDG_CACHE_HOME": str(self.home / ".cache"),
                    "XDG_STATE_HOME": str(self.home / ".local/state"), "CODEX_HOME": str(self.home / "codex"),
                    "CADENCE_CACHE_DIR": str(tmp / "cache"), "PWD": str(self.proj),
                    "GIT_AUTHOR_NAME": "Journey", "GIT_AUTHOR_EMAIL": "journey@example.com",
                    "GIT_COMMITTER_NAME": "Journey", "GIT_COMMITTER_EMAIL": "journey@example.com"}
        base = f"http://127.0.0.1:{self.port}"
        if client == "claude":
            self.env.update(ANTHROPIC_BASE_URL=base, ANTHROPIC_API_KEY="sk-fake", ENABLE_TOOL_SEARCH="false")
        elif client == "opencode":
            self.env["OPENCODE_CONFIG_CONTENT"] = json.dumps(
                {"provider": {"fake": {"npm": "@ai-sdk/openai-compatible",
                                       "options": {"baseURL": f"{base}/v1", "apiKey": "x"},
                                       "models": {"fake-model": {"tool_call": True}}}},
                 "model": "fake/fake-model", "small_model": "fake/fake-model"})
        elif client == "codex":
            (self.home / "codex").mkdir()
            (self.home / "codex/config.toml").write_text(
                f'model = "fake-model"\nmodel_provider = "fake"\n[model_providers.fake]\nname = "fake"\n'
                f'base_url = "{base}/v1"\nenv_key = "FAKE_API_KEY"\nwire_api = "responses"\n'
                f'[projects."{self.proj}"]\ntrust_level = "trusted"\n')
            self.env["FAKE_API_KEY"] = "x"
        else:
            gem = self.home / ".gemini"
            gem.mkdir()
            (gem / "settings.json").write_text(json.dumps(
                {"privacy": {"usageStatisticsEnabled": False}, "telemetry": {"enabled": False},
                 "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
                 "security": {"auth": {"selectedType": "gemini-api-key"}}}))
            (gem / "trustedFolders.json").write_text(json.dumps({str(self.proj): "TRUST_FOLDER"}))
            agents = sorted((self.proj / ".gemini/agents").glob("*.md"))
            (gem / "acknowledgments").mkdir()
            (gem / "acknowledgments/agents.json").write_text(json.dumps(
                {str(self.proj): {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in agents}}))
            self.env.update(GEMINI_API_KEY="fake", GOOGLE_GEMINI_BASE_URL=base)
        self.requests: list[dict[str, Any]] = []
        self.out = ""

    def command(self, prompt: str, slash: str | None, agent: str | None) -> list[str]:
        """The user's turn: the client's own command for `slash` (a pipeline step) when given, else `prompt`."""
        if self.client == "claude":
            text = f"/cadence:{slash} {prompt}" if slash else prompt
            return [self.exe, "-p", text, "--output-format", "stream-json", "--verbose", "--settings", CLAUDE_SETTINGS,
                    "--allowedTools", "Read,Write,Edit,Task,Agent,Skill,mcp__cadence"]
        if self.client == "opencode":
            cmd = [self.exe, "run", "--format", "json"]
            if agent:
                cmd += ["--agent", agent]
            if slash:
                cmd += ["--command", f"cadence-{slash}"]
            return [*cmd, prompt]
        if self.client == "codex":
            text = f"Use the cadence-pipeline skill to run the step {slash}. {prompt}" if slash else prompt
            return [self.exe, "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write",
                    "-c", 'mcp_servers.cadence.default_tools_approval_mode="approve"',
                    "-c", "mcp_servers.cadence.required=true", text]
        text = f"/cadence:{slash} {prompt}" if slash else prompt
        return [self.exe, "-p", text, "--output-format", "stream-json", "--yolo"]

    def run(self, script: list[dict[str, Any]], prompt: str, slash: str | None = None,
            agent: str | None = None) -> None:
        path = self.tmp / "script.json"
        path.write_text(json.dumps({"conversations": script}))
        with tempfile.TemporaryFile("w+") as out:
            start = time.monotonic()
            try:
                proc = subprocess.run([*NETNS, sys.executable, str(FAKES / "inns.py"), str(self.port), str(self.log),
                                       "--script", str(path), "--", *self.command(prompt, slash, agent)],
                                      cwd=self.proj, env=self.env, stdout=out, stderr=subprocess.PIPE, text=True,
                                      timeout=TIMEOUT, stdin=subprocess.DEVNULL)
                err = proc.stderr
            except subprocess.TimeoutExpired as exc:
                err = f"TIMEOUT after {time.monotonic() - start:.0f}s: {exc.stderr!r}"
            out.seek(0)
            self.out = out.read() + "\n" + (err or "")
        self.requests = [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []

    # ---- what the model received

    def main(self, conversation: str = "main") -> list[dict[str, Any]]:
        return [r for r in self.requests if r["conversation"] == conversation]

    def after(self, step: int, conversation: str = "main") -> str:
        """The first request of `conversation` that holds the result of its step `step` (0-based)."""
        for r in self.main(conversation):
            if r["step"] > step:
                return str(r["body"])
        raise AssertionError(f"no request after step {step} of {conversation}:\n{self.trace()}")

    def trace(self) -> str:
        lines = [f"{r['conversation']}#{r['step']}: {json.dumps(r['reply'])[:300]}" for r in self.requests]
        return "\n".join(lines) + "\n--- client output (tail)\n" + self.out[-3000:]


def _port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write(path: Path, content: str) -> dict[str, Any]:
    """The client's own file-writing tool, whichever this client offers (Codex with a model it does not know
    offers a shell, `exec_command`, and no `apply_patch`)."""
    shell = f"mkdir -p {shlex.quote(str(path.parent))} && printf %s {shlex.quote(content)} > {shlex.quote(str(path))}"
    return {"call": [{"name": "Write", "args": {"file_path": str(path), "content": content}, "clients": ["claude"]},
                     {"name": "write", "args": {"filePath": str(path), "content": content}, "clients": ["opencode"]},
                     {"name": "write_file", "args": {"file_path": str(path), "content": content},
                      "clients": ["gemini"]},
                     {"name": "exec_command", "args": {"cmd": shell}, "clients": ["codex"]}]}


def read(path: Path) -> dict[str, Any]:
    """Claude and OpenCode overwrite a file only after the session read it."""
    return {"call": [{"name": "Read", "args": {"file_path": str(path)}},
                     {"name": "read", "args": {"filePath": str(path)}}], "clients": ["claude", "opencode"]}


def mcp(tool: str, **args: Any) -> dict[str, Any]:
    """A cadence tool called the way installs register the server (the lean tier): through the entry point that
    serves it, `write {"tool": "repl_verify", "args": {}}`."""
    from cadence.mcp.tools import TOOLS, gateway_of
    return {"call": f"cadence:{gateway_of(TOOLS[tool])}", "args": {"tool": tool, "args": args}}


# ---------------------------------------------------------------- pipeline

@pytest.mark.parametrize("client", CLIENTS)
def test_pipeline_journey(client: str, template: Path, tmp_path: Path) -> None:
    j = Journey(client, template, tmp_path)
    vision = j.proj / "docs" / "vision.md"
    prompt = assembled_prompt(j.proj, j.tmp / "cache", "create-vision")
    j.run([{"name": "main", "match": "", "steps": [
        mcp("pipeline_run", step="create-vision"),
        write(vision, VISION),
        mcp("pipeline_complete", step="create-vision"),
        {"text": "The vision is written and the step is complete."}]}],
        "be brief", slash="create-vision")  # OpenCode: the command's own agent (implement) runs it
    first = [str(r["body"]) for r in j.main() if r["step"] == 0]
    assert first, j.trace()
    assert "create-vision" in first[0]  # the command reached the model
    sentences = prompt_only_sentences(prompt, first)
    handed = j.after(0)
    missing = [s for s in sentences if s not in handed]
    assert not missing, f"pipeline_run's prompt did not reach the model ({len(missing)} lines missing)\n{j.trace()}"
    assert vision.read_text() == VISION, j.trace()
    state = json.loads((j.proj / ".cadence/state.json").read_text())
    assert state["steps"]["create-vision"]["status"] == "completed", j.trace()
    nxt = json.loads(cadence(j.proj, "--json", "next").stdout)["data"]
    assert "create-prd" in [s["name"] for s in nxt["eligible"]]


# ---------------------------------------------------------------- implement

REVIEWERS = ("testing", "security", "docs-writer")  # with audit: what change_scope asks for calc.py (standard)
MESSAGE = "fix: calc.add returns the sum"


def launch_audit(j: Journey) -> dict[str, Any]:
    """The client's sub-agent tool, starting the read-only audit reviewer."""
    ask = "Review the change to calc.py against the plan and report your verdict."
    return {"call": [{"name": "Agent", "args": {"subagent_type": "audit", "description": "Review", "prompt": ask}},
                     {"name": "Task", "args": {"subagent_type": "audit", "description": "Review", "prompt": ask}},
                     {"name": "task", "args": {"subagent_type": "audit", "description": "Review", "prompt": ask}},
                     {"name": "spawn_agent", "args": {"agent_type": "audit", "message": ask}},
                     {"name": "invoke_agent", "args": {"agent_name": "audit", "prompt": ask}}]}


def audit_script(j: Journey) -> dict[str, Any]:
    """The audit sub-agent tries to write a file, to touch one through the shell and to create a branch through
    `write` — each called even when the client did not offer the tool — and through `read`, the one entry point it
    has (refused: WRONG_ENTRY_POINT), then reports. Codex cannot keep a role read-only
    (openai/codex#45482), so there the audit only reports: its attempts would succeed and spoil the commit."""
    pwned = j.proj / "audit-was-here.txt"
    touch = f"touch {j.proj / 'audit-touched.txt'}"
    attempts = [{**write(pwned, "audit wrote this\n"), "force": True},
                {"call": [{"name": "Bash", "args": {"command": touch}, "clients": ["claude"]},
                          {"name": "bash", "args": {"command": touch, "description": "touch"}, "clients": ["opencode"]},
                          {"name": "run_shell_command", "args": {"command": touch}, "clients": ["gemini"]}],
                 "force": True},
                {**mcp("branch_create", type="feature", name="audit-was-here"), "force": True},  # `write`: not its
                {**mcp("branch_create", type="feature", name="audit-was-here"), "call": "cadence:read"}]
    steps = [{**a, "clients": ["claude", "opencode", "gemini"]} for a in attempts]
    steps.append({"call": "complete_task", "args": {"result": AUDIT_REPORT}, "clients": ["gemini"]})
    steps.append({"text": AUDIT_REPORT})
    return {"name": "audit", "match": AUDIT_MATCH, "steps": steps}


@pytest.mark.parametrize("client", CLIENTS)
def test_implement_journey(client: str, template: Path, tmp_path: Path) -> None:
    j = Journey(client, template, tmp_path)
    (j.tmp / "plan.md").write_text(PLAN_FIX)
    saved = cadence(j.proj, "--json", "plan", "save", "--file", str(j.tmp / "plan.md"))
    plan = json.loads(saved.stdout)["data"]["file"]
    calc = j.proj / "calc.py"
    reports = [{"agent": "audit", "report": AUDIT_REPORT}] + [
        {"agent": r, "report": f"## {r}\n\nNo findings.\n\nVERDICT: PASS\n"} for r in REVIEWERS]
    main = [mcp("plan_load", name=plan),
            mcp("branch_create", type="bugfix", name="fix-add"),
            mcp("repl_init", plan=plan, test=f"{sys.executable} check.py"),
            mcp("repl_verify"),                                         # red: calc.add subtracts
            mcp("repl_report", result="pass"),                          # refused
            read(calc),
            write(calc, CALC_GOOD),
            mcp("repl_verify"),                                         # green
            mcp("repl_report", result="pass", detail="check.py passes"),
            mcp("change_scope"),
            launch_audit(j),
            {"call": "wait_agent", "args": {"targets": ["{LAST:agent_id}"], "timeout_ms": 120000},
             "clients": ["codex"]},
            mcp("quality_gate_summary", reports=reports),
            mcp("task_finalize", push=False, message=MESSAGE),
            {"text": "Committed locally."}]
    j.run([audit_script(j), {"name": "main", "match": "", "steps": main}],
          f"Implement the plan {plan}.", agent="implement")
    steps = [s for s in main if client in s.get("clients", [client])]
    at = {json.dumps(s): i for i, s in enumerate(steps)}

    # the refusal of `repl_report pass` after a red verify reached the model, and only then
    refused = at[json.dumps(mcp("repl_report", result="pass"))]
    refusal = "the latest verify run is red"
    assert refusal in j.after(refused), j.trace()
    assert not any(refusal in str(r["body"]) for r in j.main() if r["step"] <= refused)

    # the read-only reviewer ran, its report came back to the model, and it changed nothing
    audit = j.main("audit")
    assert audit, f"the audit sub-agent never ran\n{j.trace()}"
    handoff = at[json.dumps(launch_audit(j))] + (1 if client == "codex" else 0)  # Codex: wait_agent returns it
    assert AUDIT_MARK in j.after(handoff), j.trace()
    assert not any(AUDIT_MARK in str(r["body"]) for r in j.main() if r["step"] <= handoff)
    if client == "codex":
        assert 'sandbox_mode = "read-only"' in (j.proj / ".codex/agents/audit.toml").read_text()
    else:
        assert max(r["step"] for r in audit) >= 4, j.trace()  # all four attempts came back
        # the branch_create through `read` reached the server and its refusal reached the model
        assert "WRONG_ENTRY_POINT" in next(str(r["body"]) for r in audit if r["step"] == 4), j.trace()
        assert not any("WRONG_ENTRY_POINT" in str(r["body"]) for r in audit if r["step"] < 4)
    assert not (j.proj / "audit-was-here.txt").exists() and not (j.proj / "audit-touched.txt").exists(), j.trace()
    assert "audit-was-here" not in git(j.proj, "branch", "--list", "--all"), j.trace()

    # the gate, the loop evidence, the commit and the PR body
    gate = json.loads((j.proj / ".cadence/gate.json").read_text())
    assert gate["recommendation"] in ("GO", "GO-WITH-WARNINGS"), gate
    loop = json.loads((j.proj / ".cadence/loop.json").read_text())
    task = loop["tasks"][0]
    assert task["status"] == "passed" and task["verified"] is True, task
    assert git(j.proj, "branch", "--show-current").strip() == "bugfix/fix-add"
    assert git(j.proj, "log", "-1", "--format=%s").strip() == MESSAGE, j.trace()
    assert git(j.proj, "show", "HEAD:calc.py") == CALC_GOOD
    changed = git(j.proj, "show", "--name-only", "--format=", "HEAD").split()
    assert "calc.py" in changed and not [f for f in changed if "audit" in f], changed
    body = next(p for p in (j.proj / ".git/cadence-pr-body.md", j.proj / ".cadence/pr-body.md") if p.exists())
    text = body.read_text()
    assert plan in text and "| Make calc.add return the sum (`calc.py`) | Passed |" in text, text
    assert f"**Recommendation: {gate['recommendation']}**" in text
    assert all(f"| {r} | PASS |" in text for r in ("audit", *REVIEWERS)), text


# ---------------------------------------------------------------- architect

@pytest.mark.parametrize("client", CLIENTS)
def test_architect_journey(client: str, template: Path, tmp_path: Path) -> None:
    j = Journey(client, template, tmp_path)
    (j.tmp / "other.md").write_text(PLAN_OTHER)
    other = json.loads(cadence(j.proj, "--json", "plan", "save", "--file", str(j.tmp / "other.md")).stdout)
    other_file = other["data"]["file"]
    j.run([{"name": "main", "match": "", "steps": [
        mcp("plan_save", content=PLAN_NEW),
        mcp("plan_overlaps"),
        {"text": "The new plan overlaps another open plan on calc.py."}]}],
        "Plan calc.multiply and check it does not collide with other work.", agent="architect")
    new = [p.name for p in (j.proj / ".cadence/plans").glob("*.md") if p.name != other_file]
    assert len(new) == 1, j.trace()
    assert "Add calc.multiply" in (j.proj / ".cadence/plans" / new[0]).read_text()
    # the pair as plan_overlaps reports it, at any level of JSON escaping (Gemini lists the plan files anyway)
    sep = r'\\*"\s*,\s*\\*"'
    a, b = re.escape(other_file), re.escape(new[0])
    pair = re.compile(r'plans\\*"\s*:\s*\[\s*\\*"(' + a + sep + b + "|" + b + sep + a + ")")
    assert not any(pair.search(str(r["body"])) for r in j.main() if r["step"] <= 1)
    handed = j.after(1)
    assert pair.search(handed) and "calc.py" in handed, j.trace()
