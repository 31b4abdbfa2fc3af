"""The MCP server through the official SDK's stdio client: tiers, one call per tool family, hostile input."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_inprocess as cli

mcp = pytest.importorskip("mcp")
from mcp import ClientSession, StdioServerParameters, stdio_client  # noqa: E402

CORE = {"plan_load", "plan_save", "repl_status", "repl_verify", "repl_report", "change_scope",
        "quality_gate_summary", "task_finalize", "pipeline_next", "pipeline_run"}
STANDARD = CORE | {"plan_list", "plan_commit", "repl_init", "repl_resume", "repl_summary", "branch_status",
                   "branch_create", "worktree_create", "worktree_list", "worktree_remove", "docs_save", "docs_index",
                   "session_save", "pipeline_status", "pipeline_complete", "pipeline_skip", "knowledge_get",
                   "trace"}
ALL = STANDARD | {"plan_delete", "plan_overlaps", "branch_switch", "docs_init", "docs_list", "session_list",
                  "session_load", "github_status", "github_issues", "github_projects", "knowledge_search",
                  "decision_log", "cadence_status"}

PLAN = "---\ntitle: Add cart\ntype: feature\n---\n# Add cart\n\n## Tasks\n- [ ] Task 1: Cart model\n- [ ] Task 2: API\n"


@asynccontextmanager
async def session(root: Path, tier: str = "standard", cwd: Path | None = None):
    args = ["-m", "cadence", "mcp", "--tools", tier]
    if cwd is None:
        args += ["--root", str(root)]
    env = {**os.environ, "NO_COLOR": "1"}
    params = StdioServerParameters(command=sys.executable, args=args, env=env, cwd=str(cwd or root))
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w) as s:
            await s.initialize()
            yield s


async def call(s: ClientSession, name: str, args: dict[str, Any] | None = None) -> tuple[bool, dict[str, Any], str]:
    res = await s.call_tool(name, args or {})
    text = res.content[0].text if res.content else ""
    return bool(res.is_error), res.structured_content or {}, text


def test_tiers_list_exactly_the_spec_tools(tmp_path: Path) -> None:
    async def go() -> dict[str, set[str]]:
        out = {}
        for tier in ("core", "standard", "all"):
            async with session(tmp_path, tier) as s:
                tools = (await s.list_tools()).tools
                out[tier] = {t.name for t in tools}
                for t in tools:
                    assert t.description and len(t.description) < 200, t.name
                    assert t.input_schema["type"] == "object"
        return out
    names = asyncio.run(go())
    assert names["core"] == CORE
    assert names["standard"] == STANDARD
    assert names["all"] == ALL


def test_a_call_per_tool_family(project: Path) -> None:
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "init"], cwd=project, check=True)

    async def go() -> None:
        async with session(project, "all") as s:
            err, data, text = await call(s, "pipeline_next", {"count": 2})
            assert not err and len(data["eligible"]) <= 2
            first = data["eligible"][0]["name"]
            err, data, text = await call(s, "pipeline_run", {"step": first})
            assert not err and data["status"] == "in_progress" and len(text) > 500 and data["prompt"] == text
            err, data, _ = await call(s, "pipeline_status", {"compact": True})
            assert not err and data["progress"]["in_progress"] == 1
            err, data, _ = await call(s, "pipeline_complete", {"step": first})
            assert err and data["error"]["code"] in ("OUTPUTS_MISSING", "MISSING_OUTPUTS") and data["error"]["hint"]
            err, data, _ = await call(s, "pipeline_skip", {"steps": [first], "reason": "not needed here"})
            assert not err
            # plans and the loop
            err, data, _ = await call(s, "plan_save", {"content": PLAN})
            assert not err and data["tasks"] == 2
            plan = data["file"]
            err, data, _ = await call(s, "plan_list")
            assert not err and data["plans"][0]["file"] == plan
            err, data, _ = await call(s, "plan_load", {"name": plan})
            assert not err and len(data["tasks"]) == 2
            err, data, _ = await call(s, "repl_init", {"plan": plan, "test": f"{sys.executable} -c pass"})
            assert not err, data
            err, data, _ = await call(s, "repl_verify")
            assert not err and data["green"] is True
            err, data, _ = await call(s, "repl_report", {"result": "pass"})
            assert not err
            err, data, _ = await call(s, "repl_status")
            assert not err
            err, data, _ = await call(s, "repl_summary")
            assert not err
            # scope and gate
            err, data, _ = await call(s, "change_scope", {"files": ["src/auth/login.py", "README.md"]})
            assert not err and data["scope"]
            err, data, _ = await call(s, "quality_gate_summary", {"reports": [
                {"agent": "testing", "report": "VERDICT: PASS\n"}], "scope": "low"})
            assert not err and data["recommendation"] in ("GO", "GO-WITH-WARNINGS")
            # git, docs, sessions, knowledge, decisions, overview
            err, data, _ = await call(s, "branch_status")
            assert not err and data
            err, data, _ = await call(s, "worktree_list")
            assert not err and "worktrees" in data
            err, data, _ = await call(s, "docs_save", {"type": "decision", "title": "Use SQLite",
                                                       "content": "# Use SQLite\n\nBecause.\n"})
            assert not err or data["error"]["code"], data
            err, data, _ = await call(s, "session_save", {"summary": "did things", "decisions": ["x"]})
            assert not err
            err, data, _ = await call(s, "session_list")
            assert not err and data["sessions"]
            err, data, _ = await call(s, "knowledge_search", {"query": "testing"})
            assert not err and data["results"]
            err, data, _ = await call(s, "knowledge_get", {"name": data["results"][0]["name"]})
            assert not err
            err, data, _ = await call(s, "decision_log", {"text": "Use SQLite", "step": first})
            assert not err
            err, data, _ = await call(s, "decision_log")
            assert not err and data["decisions"][-1]["text"] == "Use SQLite"
            err, data, _ = await call(s, "cadence_status")
            assert not err and data["loop"]["plan"] == plan and data["gate"]["recommendation"]
            err, data, _ = await call(s, "task_finalize", {"push": False, "message": "feat: cart"})
            assert (not err and data) or data["error"]["code"]
            # resources and prompts
            res = await s.list_resources()
            uris = {str(r.uri) for r in res.resources}
            assert {"cadence://state", "cadence://gate", f"cadence://plan/{plan}"} <= uris
            state = await s.read_resource("cadence://state")
            assert json.loads(state.contents[0].text)["steps"]
            body = await s.read_resource(f"cadence://plan/{plan}")
            assert "Cart model" in body.contents[0].text
            prompts = (await s.list_prompts()).prompts
            assert any(p.name == "pipeline-create-vision" for p in prompts)
            got = await s.get_prompt("pipeline-create-vision", {})
            assert len(got.messages[0].content.text) > 500
    asyncio.run(go())


def test_a_text_payload_reaches_the_model_whichever_form_the_client_forwards(project: Path) -> None:
    """Claude Code and Codex hand the model `structuredContent` when there is one, OpenCode and Gemini CLI the text:
    both forms must carry the whole payload, and for a text payload the text is that text itself."""
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "init"], cwd=project, check=True)

    async def go() -> None:
        async with session(project, "all") as s:
            _, saved, _ = await call(s, "plan_save", {"content": PLAN})
            await call(s, "repl_init", {"plan": saved["file"], "test": f"{sys.executable} -c pass"})
            _, note, _ = await call(s, "session_save", {"summary": "chose SQLite for the cart"})
            checks = [("pipeline_run", {"step": "create-vision"}, "prompt", "# System"),
                      ("plan_load", {"name": saved["file"]}, "content", "- [ ] Task 1: Cart model"),
                      ("knowledge_get", {"name": "vision-craft"}, "content", "vision"),
                      ("repl_summary", {}, "markdown", "Cart model"),
                      ("session_load", {"id": note["id"]}, "content", "chose SQLite for the cart")]
            for tool, args, key, marker in checks:
                err, data, text = await call(s, tool, args)
                assert not err, (tool, data)
                assert marker in data[key] and data[key] == text, tool
                assert not text.lstrip().startswith("{"), tool  # readable text, not JSON
            err, data, text = await call(s, "pipeline_next", {"count": 1})
            assert not err and json.loads(text) == data  # a JSON result: the text mirrors it
    asyncio.run(go())


def test_the_lean_tier_serves_every_tool_behind_three_entry_points(project: Path) -> None:
    """What install registers: `read`, `plan` and `write`, each listing its tools; a call names the tool and its
    arguments, which are checked against that tool's own schema; the result is that tool's result."""
    async def go() -> None:
        async with session(project, "lean") as s:
            caps = s.server_capabilities
            assert caps is not None and caps.resources is None and caps.prompts is None  # no resource tools to pay
            tools = {t.name: t for t in (await s.list_tools()).tools}
            assert set(tools) == {"read", "plan", "write"}
            listed = " ".join(t.description for t in tools.values())
            assert all(f"{name}(" in listed for name in ALL), sorted(n for n in ALL if f"{n}(" not in listed)
            assert tools["read"].annotations and tools["read"].annotations.read_only_hint
            err, data, text = await call(s, "write", {"tool": "pipeline_run", "args": {"step": "create-vision"}})
            assert not err and text.startswith("# System") and data["prompt"] == text  # the payload, as text
            err, data, _ = await call(s, "read", {"tool": "pipeline_next", "args": {"count": 1}})
            assert not err and data["eligible"]
            err, data, _ = await call(s, "read", {"tool": "branch_create", "args": {"type": "feature", "name": "x"}})
            assert err and data["error"]["code"] == "WRONG_ENTRY_POINT" and "write" in data["error"]["hint"]
            err, data, _ = await call(s, "plan", {"tool": "task_finalize", "args": {}})
            assert err and data["error"]["code"] == "WRONG_ENTRY_POINT"  # the architect's entry point saves plans only
            err, data, _ = await call(s, "read", {"tool": "pipline_next"})
            assert err and data["error"]["code"] == "UNKNOWN_TOOL" and "pipeline_next" in data["error"]["hint"]
            err, data, _ = await call(s, "write", {"tool": "repl_report", "args": {"result": "maybe"}})
            assert err and data["error"]["code"] == "INVALID_ARGUMENTS"  # the named tool's own schema
            err, data, _ = await call(s, "read", {"tool": "plan_load", "args": {"name": "../../etc/passwd"}})
            assert err and data["error"]["code"] == "INVALID_NAME"
    asyncio.run(go())


def test_hostile_input_is_answered_with_tool_errors(project: Path) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("pipeline_next", {"count": "ten"}, "INVALID_ARGUMENTS"),
        ("pipeline_next", {"count": True}, "INVALID_ARGUMENTS"),
        ("pipeline_next", {"count": 10**9}, "INVALID_ARGUMENTS"),
        ("repl_report", {"result": "maybe"}, "INVALID_ARGUMENTS"),
        ("pipeline_run", {"step": "x" * 100_000}, "INVALID_ARGUMENTS"),
        ("pipeline_run", {"step": "no-such-step"}, "UNKNOWN_STEP"),
        ("pipeline_run", {}, "INVALID_ARGUMENTS"),
        ("pipeline_run", {"step": "create-vision", "evil": 1}, "INVALID_ARGUMENTS"),
        ("plan_load", {"name": "../../../etc/passwd"}, "INVALID_NAME"),
        ("plan_load", {"name": "/etc/passwd"}, "INVALID_NAME"),
        ("plan_save", {"content": "x" * 300_000}, "INVALID_ARGUMENTS"),
        ("plan_save", {"content": "ok", "issues": ["1; rm -rf /"]}, "INVALID_ARGUMENTS"),
        ("worktree_create", {"name": "../escape"}, ""),
        ("branch_create", {"type": "feature", "name": "$(touch pwned)"}, ""),
        ("session_load", {"id": "../../config.yml"}, ""),
        ("knowledge_get", {"name": "../../../etc/passwd"}, ""),
        ("quality_gate_summary", {"reports": [{"agent": "x"}]}, "INVALID_ARGUMENTS"),
        ("quality_gate_summary", {"reports": "notalist"}, "INVALID_ARGUMENTS"),
        ("change_scope", {"files": [1, 2]}, "INVALID_ARGUMENTS"),
        ("plan_delete", {"name": "x"}, "UNKNOWN_TOOL"),
        ("rm_rf", {}, "UNKNOWN_TOOL"),
    ]

    async def go() -> None:
        async with session(project, "standard") as s:
            for name, args, code in cases:
                err, data, text = await call(s, name, args)
                assert err, (name, args, data)
                assert data["error"]["message"], (name, data)
                if code:
                    assert data["error"]["code"] == code, (name, args, data)
                assert json.loads(text)["error"] == data["error"]
            err, data, _ = await call(s, "plan_delete", {"name": "x"})
            assert "--tools" in data["error"]["hint"]
            assert len((await s.list_tools()).tools) == len(STANDARD)  # still alive
    asyncio.run(go())
    assert not (project.parent / "escape").exists() and not (project / "pwned").exists()


def test_outside_a_project_the_server_answers_errors_and_keeps_running(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    async def go() -> None:
        async with session(empty, "core", cwd=empty) as s:
            err, data, _ = await call(s, "pipeline_next")
            assert err and data["error"]["code"] == "NOT_INITIALIZED" and data["error"]["hint"]
            err, data, _ = await call(s, "plan_load", {"name": "x"})
            assert err
            assert len((await s.list_tools()).tools) == len(CORE)
    asyncio.run(go())


def test_other_commands_never_import_the_mcp_sdk(project: Path) -> None:
    code = ("import sys; from cadence.cli.main import main; main(['--root', sys.argv[1], 'next']); "
            "main(['--root', sys.argv[1], 'status']); print('MCP' if any(m == 'mcp' or m.startswith(('mcp.', "
            "'cadence.mcp', 'cadence.clients', 'cadence.dashboard')) for m in sys.modules) else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().endswith("CLEAN"), out.stdout + out.stderr


def test_mcp_list_flag(project: Path) -> None:
    r = cli("--root", str(project), "--json", "mcp", "--tools", "core", "--list")
    assert r.code == 0 and {t["name"] for t in r.json["data"]["tools"]} == CORE


def test_mutating_tools_take_the_cli_lock(project: Path) -> None:
    import threading
    import time

    from cadence.project.lock import project_lock

    async def go() -> float:
        async with session(project, "core") as s:
            held = threading.Event()
            release = threading.Event()

            def holder() -> None:
                with project_lock(project, "test holds the lock"):
                    held.set()
                    release.wait(10)
            t = threading.Thread(target=holder)
            t.start()
            held.wait(5)
            threading.Timer(1.0, release.set).start()
            start = time.monotonic()
            err, data, _ = await call(s, "plan_save", {"content": PLAN})
            elapsed = time.monotonic() - start
            t.join()
            assert not err, data
            return elapsed
    assert asyncio.run(go()) >= 0.9
