"""What each renderer writes: valid frontmatter / TOML / JSON in each client's vocabulary."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from tests.conftest import run_inprocess as cli

from cadence import yamlio
from cadence.clients import ORDER
from cadence.clients.base import mcp_tools
from cadence.clients.planning import build_context, render
from cadence.core.frontmatter import split


@pytest.fixture(scope="module")
def arts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    root = tmp_path_factory.mktemp("render")
    ctx = build_context(root, "project", everything=True)  # install --all: every format, every command
    out = {}
    for c in ORDER:
        out[c] = {path: art for (path, _), (art, _) in render(ctx, [c]).items()}
    return out


def fm(text: str) -> dict:
    data = yamlio.load(split(text)[0])
    assert isinstance(data, dict)
    return data


def test_claude_agents_use_claude_tool_names(arts: dict) -> None:
    a = fm(arts["claude"][".claude/agents/architect.md"].content)
    assert a["name"] == "architect" and a["description"]
    tools = [t.strip() for t in a["tools"].split(",")]
    assert "Read" in tools and "Write" not in tools and "Edit" not in tools  # edit: deny
    assert "Bash(git status:*)" in tools and "Bash" not in tools  # bash allow-list
    assert "mcp__cadence__plan_save" in tools
    impl = fm(arts["claude"][".claude/agents/implement.md"].content)
    assert "tools" not in impl  # may edit and run anything: every tool, no list paid for in each session


def test_claude_commands_are_thin(arts: dict) -> None:
    cmd = arts["claude"][".claude/commands/cadence/create-vision.md"].content
    meta = fm(cmd)
    assert meta["description"]
    body = split(cmd)[1]
    assert "cadence run create-vision" in body and "pipeline_run" in body and len(body) < 800


def test_opencode_agents_use_permission_not_tools(arts: dict) -> None:
    a = fm(arts["opencode"][".opencode/agents/architect.md"].content)
    assert a["mode"] == "primary" and "tools" not in a and "maxSteps" not in a
    assert a["permission"]["edit"] == "deny"
    assert a["permission"]["bash"]["*"] == "deny"
    s = fm(arts["opencode"][".opencode/agents/security.md"].content)
    assert s["mode"] == "subagent"
    keys = arts["opencode"]["opencode.json"].keys
    assert [k.path for k in keys] == [("mcp", "cadence"), ("agent", "build", "disable"), ("agent", "plan", "disable"),
                                      ("default_agent",)]


def opencode_offers(permission: dict, tool: str) -> bool:
    """OpenCode's rule: the last permission key matching the tool's name decides (`*` is a wildcard)."""
    import fnmatch
    action = "allow"
    for key, value in permission.items():
        if fnmatch.fnmatchcase(tool, key):
            action = value if isinstance(value, str) else value.get("*", "allow")
    return action != "deny"


def test_opencode_agents_get_exactly_their_cadence_tools(arts: dict) -> None:
    from cadence.content.loader import load_agents
    from cadence.mcp.tools import TOOLS
    agents, _ = load_agents()
    for name, agent in agents.items():
        perm = fm(arts["opencode"][f".opencode/agents/{name}.md"].content)["permission"]
        offered = {t for t in TOOLS if opencode_offers(perm, f"cadence_{t}")}
        assert offered == set(agent["mcp"]), name
    audit = fm(arts["opencode"][".opencode/agents/audit.md"].content)["permission"]
    assert list(audit)[-3:] == ["cadence_*", "cadence_change_scope", "cadence_plan_load"]  # deny first, then allow
    assert audit["websearch"] == "deny" and audit["edit"] == "deny"


def test_codex_agents_and_mcp_are_valid_toml(arts: dict) -> None:
    a = tomllib.loads(arts["codex"][".codex/agents/architect.toml"].content)
    assert set(a) >= {"name", "description", "developer_instructions"}
    assert a["sandbox_mode"] == "read-only"
    # Codex ignores sandbox_mode in agent files (openai/codex#45482): the role's limits lead its instructions
    rules, body = a["developer_instructions"].split("\n# Architect\n", 1)
    assert rules.startswith("## Read-only role") and "`plan_save`, `plan_commit`" in rules and "`git log*`" in rules
    impl = tomllib.loads(arts["codex"][".codex/agents/implement.toml"].content)
    assert impl["sandbox_mode"] == "workspace-write" and impl["developer_instructions"].startswith("# Implement")
    assert not any(p.startswith(".codex/prompts") for p in arts["codex"])
    skill = arts["codex"][".agents/skills/cadence-pipeline/SKILL.md"].content
    assert "`create-vision`" in skill


def test_gemini_commands_are_valid_toml_with_args(arts: dict) -> None:
    c = tomllib.loads(arts["gemini"][".gemini/commands/cadence/create-vision.toml"].content)
    assert c["description"] and "cadence run create-vision" in c["prompt"]
    assert not any(p.startswith(".gemini/agents") for p in arts["gemini"])  # subagents not enabled


def test_skills_match_the_agent_skills_spec(arts: dict) -> None:
    for client, base in (("claude", ".claude/skills"), ("opencode", ".opencode/skills"), ("codex", ".agents/skills")):
        skills = [p for p in arts[client] if p.startswith(base) and p.endswith("/SKILL.md")]
        assert skills
        for p in skills:
            meta = fm(arts[client][p].content)
            assert meta["name"] == p.split("/")[-2]
            assert 1 <= len(meta["description"]) <= 1024
        refs = [p for p in arts[client] if p.startswith(base) and "/references/" in p]
        assert refs and all("## Deep Guidance" in arts[client][p].content for p in refs)


def test_instruction_blocks_are_identical_across_clients(arts: dict) -> None:
    bodies = {arts[c][f].body for c, f in (("claude", "CLAUDE.md"), ("opencode", "AGENTS.md"),
                                           ("codex", "AGENTS.md"), ("gemini", "GEMINI.md"))}
    assert len(bodies) == 1


def test_gemini_agents_render_when_enabled(tmp_path: Path) -> None:
    (tmp_path / ".gemini").mkdir()
    (tmp_path / ".gemini/settings.json").write_text(json.dumps({"experimental": {"enableAgents": True}}))
    ctx = build_context(tmp_path, "project")
    arts = {p: a for (p, _), (a, _) in render(ctx, ["gemini"]).items()}
    a = fm(arts[".gemini/agents/architect.md"].content)
    assert a["kind"] == "local" and "read_file" in a["tools"] and "write_file" not in a["tools"]
    from cadence.content.loader import load_agents
    agents, _ = load_agents()
    for name, agent in agents.items():
        tools = fm(arts[f".gemini/agents/{name}.md"].content)["tools"]
        bash = agent["permissions"].get("bash")
        restricted = isinstance(bash, dict) and bash["*"] == "deny"
        # Gemini cannot narrow a shell: an allow-listed shell (every read-only agent's) is no shell
        assert ("run_shell_command" in tools) is (not restricted), name
        assert {t for t in tools if t.startswith("mcp_")} == {f"mcp_cadence_{m}" for m in mcp_tools(agent, ctx)}, name
        if agent["permissions"].get("edit") == "deny":
            assert "mcp_cadence_write" not in tools, name
        if agent["permissions"].get("edit") == "deny":
            assert not {"write_file", "replace", "run_shell_command"} & set(tools), name


def test_invalid_content_is_caught_before_any_client_sees_it(project: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from cadence.content.loader import content_dir
    lib = tmp_path / "lib"
    shutil.copytree(content_dir(), lib, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (lib / "agents/architect.md").write_text("---\nname: architect\ndescription: [oops\n---\nbody\n")
    monkeypatch.setenv("CADENCE_CONTENT_DIR", str(lib))
    r = cli("--root", str(project), "--json", "install", "--client", "claude")
    assert r.code == 5 and r.json["error"]["code"] == "CONTENT_INVALID"
    assert not (project / ".claude").exists()
