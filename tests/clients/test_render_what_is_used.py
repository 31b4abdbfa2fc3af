"""Install renders what the project uses: its enabled steps, its type's skill packs, the lean MCP tier, and
agent tool lists mapped onto the lean tier's entry points — and re-renders when the config changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.clients.test_render import fm, opencode_offers
from tests.conftest import run_inprocess as cli

from cadence.content.loader import load_agents, load_skills

READ_ONLY = ("audit", "debug", "perf", "security")
ALL_CLIENTS = ["--client=claude", "--client=opencode", "--client=codex", "--client=gemini"]


def init(repo: Path, *args: str) -> None:
    r = cli("--root", str(repo), "init", "--no-input", *args, "--clients", "claude,opencode,codex,gemini")
    assert r.code == 0, r


@pytest.fixture
def mvp_cli(repo: Path) -> Path:
    init(repo, "--methodology", "mvp", "--project-type", "cli", "--cli-interactivity", "args-only")
    return repo


def status(repo: Path) -> dict:
    r = cli("--root", str(repo), "--json", "status")
    assert r.code == 0, r
    return r.json["data"]


def test_commands_are_the_enabled_steps_and_the_tools(mvp_cli: Path) -> None:
    enabled = {s["name"] for s in status(mvp_cli)["steps"] if s["enabled"] and s["applicable"] is not False}
    tools = {p.stem for p in (Path(__file__).parents[2] / "src/cadence/content/tools").glob("*.md")}
    claude = {p.stem for p in (mvp_cli / ".claude/commands/cadence").glob("*.md")}
    assert "create-vision" in claude and "art-bible" not in claude and "domain-modeling" not in claude
    assert claude - tools <= enabled and tools <= claude and enabled <= claude
    assert {p.stem.removeprefix("cadence-") for p in (mvp_cli / ".opencode/commands").glob("cadence-*.md")} == claude
    assert {p.stem for p in (mvp_cli / ".gemini/commands/cadence").glob("*.toml")} == claude
    for p in (mvp_cli / ".claude/commands/cadence").glob("*.md"):
        assert fm(p.read_text())["disable-model-invocation"] is True, p.name  # out of the model's listing


def test_skill_packs_follow_the_project_type(mvp_cli: Path) -> None:
    packs, _ = load_skills()
    wanted = {n for n, p in packs.items() if "all" in p["project_types"] or "cli" in p["project_types"]}
    for base in (".claude/skills", ".agents/skills"):
        assert {p.name for p in (mvp_cli / base).iterdir()} == wanted, base
    assert not (mvp_cli / ".opencode/skills").exists()  # OpenCode reads the two above: no third copy
    assert "frontend-development" not in wanted and {"cadence-pipeline", "cadence-workflow"} <= wanted
    for name in wanted:
        assert len(packs[name]["description"]) <= 200, name  # every session lists it


def test_the_registered_server_is_the_lean_tier(mvp_cli: Path) -> None:
    args = json.loads((mvp_cli / ".mcp.json").read_text())["mcpServers"]["cadence"]["args"]
    assert args[-2:] == ["--tools", "lean"]


def test_agents_get_the_entry_points_their_tools_need(mvp_cli: Path) -> None:
    agents, _ = load_agents()
    for name in READ_ONLY:
        tools = [t.strip() for t in fm((mvp_cli / f".claude/agents/{name}.md").read_text())["tools"].split(",")]
        assert [t for t in tools if t.startswith("mcp__")] == ["mcp__cadence__read"], name
        perm = fm((mvp_cli / f".opencode/agents/{name}.md").read_text())["permission"]
        assert opencode_offers(perm, "cadence_read") and not opencode_offers(perm, "cadence_write")
        assert not opencode_offers(perm, "cadence_plan"), name
    arch = fm((mvp_cli / ".claude/agents/architect.md").read_text())["tools"]
    assert "mcp__cadence__plan" in arch and "mcp__cadence__write" not in arch
    for name in ("implement", "fix", "coder"):  # may edit and run anything: every tool, nothing listed
        assert "tools" not in fm((mvp_cli / f".claude/agents/{name}.md").read_text()), name
    assert set(agents) == {p.stem for p in (mvp_cli / ".claude/agents").glob("*.md")}


def test_a_changed_config_is_rendered_again_and_all_keeps_everything(mvp_cli: Path) -> None:
    cfg = mvp_cli / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("methodology: mvp", "methodology: deep"))
    plan = cli("--root", str(mvp_cli), "--json", "install", "--dry-run", *ALL_CLIENTS).json["data"]
    assert any(p["path"] == ".claude/commands/cadence/domain-modeling.md" and p["action"] == "create"
               for p in plan["plan"])
    cli("--root", str(mvp_cli), "install", *ALL_CLIENTS)
    assert (mvp_cli / ".claude/commands/cadence/domain-modeling.md").is_file()
    cfg.write_text(cfg.read_text().replace("methodology: deep", "methodology: mvp"))
    cli("--root", str(mvp_cli), "install", *ALL_CLIENTS)
    assert not (mvp_cli / ".claude/commands/cadence/domain-modeling.md").exists()  # unmodified: removed again
    r = cli("--root", str(mvp_cli), "--json", "install", "--all", *ALL_CLIENTS)
    assert r.code == 0 and (mvp_cli / ".claude/commands/cadence/art-bible.md").is_file()
    assert (mvp_cli / ".claude/skills/frontend-development/SKILL.md").is_file()
    assert json.loads((mvp_cli / ".mcp.json").read_text())["mcpServers"]["cadence"]["args"][-1] == "all"
    cli("--root", str(mvp_cli), "install", *ALL_CLIENTS)  # remembered
    assert (mvp_cli / ".claude/commands/cadence/art-bible.md").is_file()
    cli("--root", str(mvp_cli), "install", "--no-all", *ALL_CLIENTS)
    assert not (mvp_cli / ".claude/commands/cadence/art-bible.md").exists()


def test_an_uninitialised_repository_gets_no_pipeline_commands(repo: Path) -> None:
    r = cli("--root", str(repo), "install", "--client=claude")
    assert r.code == 0, r
    assert not (repo / ".claude/commands").exists()  # every step and tool needs `cadence init`
    assert (repo / ".claude/agents/implement.md").is_file() and (repo / ".claude/skills/cadence-workflow").is_dir()


def test_opencode_alone_gets_its_own_skills(repo: Path) -> None:
    r = cli("--root", str(repo), "init", "--no-input", "--clients", "opencode")
    assert r.code == 0, r
    assert (repo / ".opencode/skills/cadence-workflow/SKILL.md").is_file()
