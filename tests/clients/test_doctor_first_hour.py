"""`cadence doctor` where only `install` ran, probing the exact MCP command each client config registers,
and problem symbols for problems."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from tests.conftest import run_inprocess


def _install(repo: Path, *clients: str) -> None:
    r = run_inprocess("--root", str(repo), "install", "--client", ",".join(clients))
    assert r.code == 0, r


def test_doctor_works_where_only_install_ran(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CADENCE_MCP_COMMAND", raising=False)
    _install(repo, "claude")
    r = run_inprocess("--root", str(repo), "--json", "doctor")
    assert r.code == 0, r
    checks = {c["name"]: c for c in r.json["data"]["checks"]}
    assert checks["config"].get("skipped") and "config and state checks skipped" in checks["config"]["message"]
    assert "state" not in checks
    assert checks["manifest"]["ok"] and checks["mcp:claude"]["ok"]


def test_doctor_reports_manifest_drift_without_config(repo: Path) -> None:
    _install(repo, "claude")
    (repo / ".claude/agents/architect.md").unlink()
    r = run_inprocess("--root", str(repo), "doctor", "--no-server")
    assert r.code == 3, r
    assert "✗ manifest" in r.out and "architect.md" in r.out


def test_a_registered_command_not_on_path_is_a_named_failure(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_MCP_COMMAND", "cadence-nowhere mcp")
    _install(repo, "claude", "gemini")
    r = run_inprocess("--root", str(repo), "doctor")
    assert r.code == 3, r
    assert "✗ mcp:claude: .mcp.json runs cadence-nowhere mcp --tools lean: 'cadence-nowhere' is not on PATH" in r.out
    assert "✗ mcp:gemini: .gemini/settings.json runs cadence-nowhere mcp --tools lean" in r.out
    assert "mcp:claude" in r.err


def test_the_probe_runs_the_registered_command_and_warns_when_a_clean_path_lacks_it(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "venv-bin"
    bindir.mkdir()
    calls = tmp_path / "calls"
    shim = bindir / "cadence"
    shim.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\nexec {sys.executable} -m cadence \"$@\"\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CADENCE_MCP_COMMAND", "cadence mcp")
    _install(repo, "claude")
    assert json.loads((repo / ".mcp.json").read_text())["mcpServers"]["cadence"]["command"] == "cadence"
    r = run_inprocess("--root", str(repo), "doctor")
    assert r.code == 0, r
    assert calls.read_text().startswith("mcp --tools lean --root")  # the shim itself was started
    line = next(x for x in r.out.splitlines() if "mcp:claude" in x)
    assert line.startswith("! mcp:claude: .mcp.json runs cadence mcp --tools lean: answers tools/list (3 tools")
    assert "not on a clean PATH" in line


def test_problems_never_carry_a_check_mark(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(repo, "claude")
    monkeypatch.setenv("PATH", "/nonexistent")
    r = run_inprocess("--root", str(repo), "doctor", "--no-server")
    assert r.code == 0, r
    assert "! client:claude: Claude Code: 'claude' not on PATH" in r.out
    assert not any(line.startswith("✓") and "not on PATH" in line for line in r.out.splitlines())


def test_doctor_in_a_workflow_only_repository(repo: Path) -> None:
    (repo / ".cadence/plans").mkdir(parents=True)
    r = run_inprocess("--root", str(repo), "doctor")
    assert r.code == 0, r
    assert "– config:" in r.out and "no client installed" in r.out


def test_doctor_outside_any_project_still_says_not_initialised(repo: Path) -> None:
    r = run_inprocess("--root", str(repo), "doctor")
    assert r.code == 2 and "NOT_INITIALIZED" in r.err
