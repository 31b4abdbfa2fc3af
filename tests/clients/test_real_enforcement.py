"""The real OpenCode binary honours what cadence renders: each agent is offered exactly its cadence tools
(read-only agents none that write), and a user's own `default_agent` keeps working.

Skipped cleanly without the binary (`scripts/install-clients`); run with an isolated HOME, stdin closed and,
where the machine allows it, inside a network namespace, with the fake model of `tests/e2e/fakes` on
127.0.0.1 — nothing reaches the network."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import tree_snapshot
from tests.e2e.test_real_clients import NETNS, _port, binary, client_env, with_fake_model

from cadence.content.loader import load_agents
from cadence.mcp.tools import TOOLS, tools_for

pytestmark = pytest.mark.clients
FAKE = {"provider": {"fake": {"npm": "@ai-sdk/openai-compatible",
                              "options": {"baseURL": "http://127.0.0.1:{port}/v1", "apiKey": "x"},
                              "models": {"fake-model": {"tool_call": True}}}},
        "model": "fake/fake-model", "small_model": "fake/fake-model"}


def world(tmp: Path, seed: dict[str, str] | None = None) -> dict[str, Path]:
    proj = tmp / "proj"
    proj.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=proj, check=True)
    for rel, text in (seed or {}).items():
        (proj / rel).write_text(text)
    home = tmp / "home-opencode"
    (home / ".config").mkdir(parents=True)
    return {"proj": proj, "cache": tmp / "cache", "home-opencode": home}


def cadence(w: dict[str, Path], *args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "cadence", *args], cwd=w["proj"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr


def opencode(w: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NETNS, binary("opencode"), *args], cwd=w["proj"], env=client_env(w, "opencode"),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def glob(pattern: str, text: str) -> bool:
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), text, re.S) is not None


def offered(rules: list[dict[str, str]], tool: str) -> bool:
    """OpenCode's own rule for removing a tool from an agent: the last rule whose permission matches the
    tool's name decides, and a deny for every pattern removes it."""
    last = next((r for r in reversed(rules) if glob(r["permission"], tool)), None)
    return not (last and last["pattern"] == "*" and last["action"] == "deny")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    binary("opencode")
    w = world(tmp_path_factory.mktemp("enforce"))
    cadence(w, "install", "--client", "opencode")
    return w


@pytest.mark.parametrize("name", ["audit", "security", "debug", "perf", "architect", "implement"])
def test_opencode_resolves_exactly_the_agents_cadence_tools(installed: dict[str, Path], name: str) -> None:
    out = opencode(installed, "debug", "agent", name)
    assert out.returncode == 0, out.stderr[-1000:]
    data = json.loads(out.stdout)
    rules = data["permission"]
    agent = load_agents()[0][name]
    assert {t for t in TOOLS if offered(rules, f"cadence_{t}")} == set(agent["mcp"])
    if agent["permissions"].get("edit") == "deny":
        assert not offered(rules, "cadence_branch_create") and not offered(rules, "cadence_task_finalize")
        assert not offered(rules, "edit") and data["tools"]["write"] is False  # write/patch go by `edit`


def test_opencode_offers_the_architect_only_its_cadence_tools(installed: dict[str, Path], tmp_path: Path) -> None:
    port = _port()
    cfg = json.dumps(FAKE).replace("{port}", str(port))
    res, requests = with_fake_model(installed, "opencode", [binary("opencode"), "run", "--format", "json", "--agent",
                                                            "architect", "list the plans"],
                                    "plan_list", "{}", tmp_path, {"OPENCODE_CONFIG_CONTENT": cfg}, port)
    assert requests, res.stderr[-1500:]
    bodies = [json.loads(r["body"]) for r in requests]
    names = next({t["function"]["name"] for t in b["tools"]} for b in bodies if b.get("tools"))  # not the title call
    cadence_tools = {n.removeprefix("cadence_") for n in names if n.startswith("cadence_")}
    served = {t.name for t in tools_for("standard")}  # the server's default tier
    assert cadence_tools == set(load_agents()[0]["architect"]["mcp"]) & served, sorted(names)
    assert {"plan_list", "plan_save"} <= cadence_tools and not {"branch_create", "task_finalize"} & cadence_tools
    assert not {"edit", "write"} & names
    uses = [json.loads(x)["part"] for x in res.stdout.splitlines() if x.startswith('{"type":"tool_use"')]
    assert uses and uses[0]["tool"] == "cadence_plan_list" and uses[0]["state"]["status"] == "completed"


def test_opencode_keeps_a_users_default_agent(tmp_path: Path) -> None:
    binary("opencode")
    original = '{\n  // my default\n  "default_agent": "build"\n}\n'
    w = world(tmp_path, {"opencode.json": original})
    before = tree_snapshot(w["proj"])
    cadence(w, "install", "--client", "opencode")
    port = _port()
    cfg = json.dumps(FAKE).replace("{port}", str(port))
    res, requests = with_fake_model(w, "opencode", [binary("opencode"), "run", "--format", "json", "next steps"],
                                    "pipeline_next", '{"count": 1}', tmp_path, {"OPENCODE_CONFIG_CONTENT": cfg}, port)
    assert "default agent" not in res.stdout + res.stderr and res.returncode == 0, res.stderr[-1500:]
    uses = [json.loads(x)["part"] for x in res.stdout.splitlines() if x.startswith('{"type":"tool_use"')]
    assert uses and uses[0]["tool"] == "cadence_pipeline_next", res.stdout[-1500:]
    cadence(w, "uninstall")
    after = tree_snapshot(w["proj"])
    after.pop(".opencode/.gitignore", None)  # OpenCode itself writes this and the `$schema` key when it runs
    after["opencode.json"] = after["opencode.json"].replace(b'  "$schema": "https://opencode.ai/config.json",\n', b"")
    assert after == before
