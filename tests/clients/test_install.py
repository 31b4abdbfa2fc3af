"""install / uninstall / re-install for every client: byte-identical restore, idempotence, user edits kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_inprocess as cli
from tests.conftest import tree_snapshot

CLIENTS = ["claude", "opencode", "codex", "gemini"]

USER_FILES = {
    "CLAUDE.md": "# My rules\n\nNo trailing newline here",
    "AGENTS.md": "# Agents\r\n\r\nWindows newlines.\r\n",
    "opencode.json": '{\n  // my comment\n  "$schema": "https://opencode.ai/config.json",\n  "theme": "dark",\n}\n',
    ".codex/config.toml": '# my codex config\nmodel = "o3"  # pinned\n\n[mcp_servers.other]\ncommand = "x"\n',
    ".gemini/settings.json": '{"theme": "GitHub", "mcpServers": {"other": {"command": "y"}}}',
    ".mcp.json": '{\n\t"mcpServers": {}\n}\n',
}


def dirs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir() and ".git" not in p.parts}


def install(root: Path, *args: str) -> dict:
    r = cli("--root", str(root), "--json", "install", *args)
    assert r.code == 0, r
    return r.json["data"]


def uninstall(root: Path, *args: str) -> dict:
    r = cli("--root", str(root), "--json", "uninstall", *args)
    assert r.code == 0, r
    return r.json["data"]


def seed(root: Path) -> None:
    for rel, text in USER_FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode())


@pytest.mark.parametrize("clients", [[c] for c in CLIENTS] + [CLIENTS], ids=lambda c: "+".join(c))
@pytest.mark.parametrize("with_user_files", [False, True], ids=["fresh", "user-files"])
def test_install_uninstall_is_byte_identical(project: Path, clients: list[str], with_user_files: bool) -> None:
    if with_user_files:
        seed(project)
    before, before_dirs = tree_snapshot(project), dirs(project)
    data = install(project, *[f"--client={c}" for c in clients])
    assert data["counts"].get("create", 0) > 10
    assert tree_snapshot(project) != before
    uninstall(project)
    assert tree_snapshot(project) == before
    assert dirs(project) == before_dirs


@pytest.mark.parametrize("client", CLIENTS)
def test_reinstall_is_idempotent(project: Path, client: str) -> None:
    seed(project)
    install(project, "--client", client)
    snap = tree_snapshot(project)
    data = install(project, "--client", client)
    assert set(data["counts"]) == {"keep"}, data["counts"]
    assert tree_snapshot(project) == snap


def test_install_without_init_leaves_nothing(repo: Path) -> None:
    before = tree_snapshot(repo)
    install(repo, "--client", "claude", "--client", "codex")
    assert (repo / ".cadence" / "manifest.json").is_file()
    uninstall(repo)
    assert tree_snapshot(repo) == before
    assert not (repo / ".cadence").exists()


def test_user_edited_file_is_kept_and_new_version_written_beside(project: Path) -> None:
    install(project, "--client", "claude")
    agent = project / ".claude/agents/architect.md"
    agent.write_text(agent.read_text() + "\nmy local rule\n")
    r = cli("--root", str(project), "--json", "install", "--client", "claude")
    assert r.code == 0
    assert any("architect.md" in w for w in r.json["warnings"])
    assert "my local rule" in agent.read_text()
    new = project / ".claude/agents/architect.md.cadence-new"
    assert new.is_file() and "my local rule" not in new.read_text()
    data = uninstall(project)
    assert ".claude/agents/architect.md" in data["left_modified"]
    assert agent.is_file() and not new.exists()
    assert not (project / ".claude/agents/security.md").exists()


def test_force_overwrites_and_uninstall_restores_the_users_original(project: Path) -> None:
    (project / ".claude/agents").mkdir(parents=True)
    mine = project / ".claude/agents/architect.md"
    mine.write_text("---\nname: architect\ndescription: mine\n---\nmy own architect\n")
    before = tree_snapshot(project)
    install(project, "--client", "claude")
    assert "my own architect" in mine.read_text()  # not ours: kept, new version beside it
    install(project, "--client", "claude", "--force")
    assert "my own architect" not in mine.read_text()
    uninstall(project)
    assert tree_snapshot(project) == before


def test_shared_files_keep_user_edits_made_after_install(project: Path) -> None:
    seed(project)
    install(project, "--client", "claude", "--client", "opencode")
    claude_md = project / "CLAUDE.md"
    claude_md.write_text("# Edited later\n" + claude_md.read_text())
    oc = project / "opencode.json"
    oc.write_text(oc.read_text().replace('"theme": "dark"', '"theme": "light"'))
    uninstall(project)
    assert claude_md.read_text() == "# Edited later\n" + USER_FILES["CLAUDE.md"]
    text = oc.read_text()
    assert '"theme": "light"' in text and "// my comment" in text
    assert "cadence" not in text and "default_agent" not in text


def test_user_change_to_an_owned_key_is_respected(project: Path) -> None:
    install(project, "--client", "gemini")
    s = project / ".gemini/settings.json"
    data = json.loads(s.read_text())
    data["mcpServers"]["cadence"]["timeout"] = 5000
    s.write_text(json.dumps(data, indent=2) + "\n")
    r = cli("--root", str(project), "--json", "install", "--client", "gemini")
    assert any("changed by hand" in w for w in r.json["warnings"])
    assert json.loads(s.read_text())["mcpServers"]["cadence"]["timeout"] == 5000
    r = cli("--root", str(project), "--json", "uninstall")
    assert s.exists() and "cadence" in json.loads(s.read_text())["mcpServers"]


def test_opencode_agent_switch_respects_user_settings_and_restores(project: Path) -> None:
    oc = project / "opencode.json"
    original = '{\n  "agent": {"plan": {"disable": false}}\n}\n'
    oc.write_text(original)
    install(project, "--client", "opencode")
    cfg = json.loads(oc.read_text())
    assert cfg["default_agent"] == "architect"
    assert cfg["agent"]["plan"]["disable"] is False
    assert cfg["agent"]["build"]["disable"] is True
    assert cfg["mcp"]["cadence"]["type"] == "local"
    uninstall(project)
    assert oc.read_text() == original


@pytest.mark.parametrize("default", ["build", "plan", "my-reviewer"])
def test_opencode_users_default_agent_is_never_disabled(project: Path, default: str) -> None:
    """A user who chose a default agent keeps it and the built-ins: no switch at all, and uninstall
    gives back the exact bytes (comments, layout)."""
    oc = project / "opencode.json"
    original = '{\n  // mine\n  "default_agent": "' + default + '",\n  "agent": {"build": {"model": "x/y"}},\n}\n'
    oc.write_text(original)
    install(project, "--client", "opencode")
    from cadence.clients.jsonc import loads
    cfg = loads(oc.read_text())
    assert cfg["default_agent"] == default and cfg["mcp"]["cadence"]
    assert cfg["agent"] == {"build": {"model": "x/y"}}  # nothing disabled
    assert set(install(project, "--client", "opencode")["counts"]) == {"keep"}  # idempotent
    uninstall(project)
    assert oc.read_text() == original


def test_opencode_default_agent_chosen_after_install_gives_the_builtins_back(project: Path) -> None:
    oc = project / "opencode.json"
    install(project, "--client", "opencode")
    cfg = json.loads(oc.read_text())
    assert cfg["default_agent"] == "architect" and cfg["agent"]["build"]["disable"] is True
    cfg["default_agent"] = "build"
    oc.write_text(json.dumps(cfg, indent=2) + "\n")
    install(project, "--client", "opencode")
    cfg = json.loads(oc.read_text())
    assert cfg["default_agent"] == "build" and "agent" not in cfg
    uninstall(project)
    assert json.loads(oc.read_text()) == {"default_agent": "build"}


def test_dry_run_writes_nothing(project: Path) -> None:
    before = tree_snapshot(project)
    data = install(project, "--client", "codex", "--dry-run")
    assert data["dry_run"] and data["counts"]["create"] > 5
    assert tree_snapshot(project) == before


def test_partial_uninstall_keeps_shared_artifacts(project: Path) -> None:
    install(project, "--client", "opencode", "--client", "codex")
    uninstall(project, "--client", "codex")
    assert "cadence managed" in (project / "AGENTS.md").read_text()  # still opencode's
    assert not (project / ".codex").exists()
    assert (project / ".opencode/agents/architect.md").is_file()
    uninstall(project)
    assert not (project / "AGENTS.md").exists()


def test_upgrade_removes_files_no_longer_shipped(project: Path) -> None:
    install(project, "--client", "claude")
    stale = project / ".claude/commands/cadence/retired-step.md"
    stale.write_text("old\n")
    m = project / ".cadence/manifest.json"
    manifest = json.loads(m.read_text())
    import hashlib
    manifest["entries"].append({"path": ".claude/commands/cadence/retired-step.md", "type": "file",
                                "sha256": hashlib.sha256(b"old\n").hexdigest(), "clients": ["claude"],
                                "version": "0.0.1", "kind": "command"})
    m.write_text(json.dumps(manifest))
    data = install(project, "--client", "claude")
    assert any(p["path"].endswith("retired-step.md") and p["action"] == "remove" for p in data["plan"])
    assert not stale.exists()


def test_init_installs_its_clients(repo: Path) -> None:
    r = cli("--root", str(repo), "--json", "init", "--no-input", "--clients", "claude,gemini")
    assert r.code == 0, r
    assert (repo / ".claude/agents/architect.md").is_file()
    assert (repo / ".gemini/commands/cadence").is_dir()
    assert json.loads((repo / ".mcp.json").read_text())["mcpServers"]["cadence"]


def test_user_scope_install_and_uninstall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude/CLAUDE.md").write_text("my global rules\n")
    (home / ".claude.json").write_text('{"numStartups": 3}')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = tree_snapshot(home)
    data = install(elsewhere, "--scope", "user", *[f"--client={c}" for c in CLIENTS])
    assert data["scope"] == "user"
    assert (home / ".claude/agents/architect.md").is_file()
    assert (home / ".config/opencode/agents/architect.md").is_file()
    assert (home / ".codex/agents/architect.toml").is_file()
    assert (home / ".config/cadence/manifest.json").is_file()
    assert "my global rules" in (home / ".claude/CLAUDE.md").read_text()
    assert json.loads((home / ".claude.json").read_text())["mcpServers"]["cadence"]
    assert not any(elsewhere.iterdir())
    uninstall(elsewhere, "--scope", "user")
    assert tree_snapshot(home) == before


def test_configure_models_renders_per_agent_models(project: Path) -> None:
    install(project, "--client", "claude", "--client", "opencode")
    r = cli("--root", str(project), "--json", "configure", "models", "--primary", "opus", "--subagent",
            "anthropic/claude-sonnet-4-5", "--agent", "security=haiku")
    assert r.code == 0, r
    arch = (project / ".claude/agents/architect.md").read_text()
    sec = (project / ".claude/agents/security.md").read_text()
    assert "\nmodel: opus\n" in arch and "\nmodel: haiku\n" in sec
    assert "model: anthropic/claude-sonnet-4-5" in (project / ".opencode/agents/testing.md").read_text()
    assert "models:" in (project / ".cadence/config.yml").read_text()
    r = cli("--root", str(project), "configure", "models", "--agent", "nobody=opus")
    assert r.code == 1


def test_doctor_reports_drift_and_repairs_missing_files(project: Path) -> None:
    install(project, "--client", "claude")
    (project / ".claude/agents/security.md").unlink()
    (project / ".claude/agents/testing.md").write_text("changed\n")
    (project / ".codex/prompts").mkdir(parents=True)
    (project / ".codex/prompts/old.md").write_text("x\n")
    r = cli("--root", str(project), "--json", "doctor", "--no-server")
    assert r.code == 3
    checks = {c["name"]: c for c in r.json["data"]["checks"]}
    assert not checks["manifest"]["ok"] and "1 missing" in checks["manifest"]["message"]
    assert "changed by hand" in checks["manifest"]["message"]
    assert not checks["format:codex"]["ok"]
    (project / ".codex").joinpath("prompts/old.md").unlink()
    r = cli("--root", str(project), "--json", "doctor", "--repair", "--no-server")
    assert (project / ".claude/agents/security.md").is_file()
    assert (project / ".claude/agents/testing.md").read_text() == "changed\n"


def test_broken_user_config_is_an_error_not_a_rewrite(project: Path) -> None:
    (project / "opencode.json").write_text('{"theme": ')
    before = tree_snapshot(project)
    r = cli("--root", str(project), "--json", "install", "--client", "claude", "--client", "opencode")
    assert r.code == 5
    assert r.json["error"]["code"] == "CONFIG_FILE_INVALID"
    assert tree_snapshot(project) == before  # checked before anything was written


def test_a_failure_midway_is_recorded_so_uninstall_undoes_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cadence.clients import install as engine
    before = tree_snapshot(project)
    real = engine._install_block

    def boom(*a: object, **k: object) -> object:
        raise OSError("disk full")
    monkeypatch.setattr(engine, "_install_block", boom)
    with pytest.raises(OSError):
        engine.install(project, ["claude"])
    monkeypatch.setattr(engine, "_install_block", real)
    assert (project / ".claude/agents/architect.md").is_file()
    uninstall(project)
    assert tree_snapshot(project) == before


def test_unknown_client_is_a_usage_error(project: Path) -> None:
    r = cli("--root", str(project), "--json", "install", "--client", "cursorx")
    assert r.code == 1 and r.json["error"]["code"] == "UNKNOWN_CLIENT"


def test_symlinked_claude_md_stays_a_link_and_round_trips(project: Path) -> None:
    (project / "AGENTS.md").write_text("# Shared rules\n")
    (project / "CLAUDE.md").symlink_to("AGENTS.md")
    before = tree_snapshot(project)
    install(project, "--client", "claude", "--client", "codex")
    assert (project / "CLAUDE.md").is_symlink()
    assert (project / "AGENTS.md").read_text().count(">>> cadence managed") == 1
    uninstall(project)
    assert (project / "CLAUDE.md").is_symlink()
    assert tree_snapshot(project) == before


def test_symlink_out_of_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / ".claude").symlink_to(outside, target_is_directory=True)
    r = cli("--root", str(project), "--json", "install", "--client", "claude")
    assert r.code == 5 and r.json["error"]["code"] == "PATH_OUTSIDE_PROJECT"
    assert not any(outside.iterdir())


@pytest.mark.parametrize("manifest", ['{"entries": [{"path": "../../etc/passwd", "type": "file", "sha256": "x", '
                                      '"clients": ["claude"]}]}', '{"entries": [{"type": "file"}]}', "not json"])
def test_corrupt_or_hostile_manifest_is_refused(project: Path, manifest: str) -> None:
    (project / ".cadence/manifest.json").write_text(manifest)
    r = cli("--root", str(project), "--json", "uninstall")
    assert r.code in (3, 5), r
    assert r.json["error"]["code"] in ("MANIFEST_CORRUPT", "INVALID_PATH")


def test_init_survives_a_failed_client_install(repo: Path) -> None:
    (repo / "opencode.json").write_text('{"broken": ')
    r = cli("--root", str(repo), "--json", "init", "--no-input", "--clients", "opencode")
    assert r.code == 0, r
    assert any("client installation failed" in w for w in r.json["warnings"])
    assert (repo / ".cadence/config.yml").is_file()
    assert (repo / "opencode.json").read_text() == '{"broken": '


def test_doctor_starts_the_server(project: Path) -> None:
    install(project, "--client", "claude")
    r = cli("--root", str(project), "--json", "doctor")
    assert r.code == 0, r
    checks = {c["name"]: c for c in r.json["data"]["checks"]}
    # the lean tier it registered: three entry points
    assert checks["mcp:claude"]["ok"] and "tools/list (3 tools" in checks["mcp:claude"]["message"]


def test_user_scope_follows_xdg_config_home_and_codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg"))
    monkeypatch.setenv("CODEX_HOME", str(home / "cx"))
    install(tmp_path, "--scope", "user", "--client", "opencode", "--client", "codex")
    assert (home / "xdg/opencode/agents/architect.md").is_file()
    assert (home / "xdg/opencode/opencode.json").is_file()
    assert (home / "cx/agents/architect.toml").is_file() and (home / "cx/config.toml").is_file()
    assert (home / "xdg/cadence/manifest.json").is_file()
    uninstall(tmp_path, "--scope", "user")
    assert not any(home.rglob("*"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "elsewhere"))
    r = cli("--root", str(tmp_path), "--json", "install", "--scope", "user", "--client", "codex")
    assert r.code == 1 and r.json["error"]["code"] == "USER_DIR_OUTSIDE_HOME"


def test_doctor_warns_that_codex_does_not_enforce_read_only_agents(project: Path) -> None:
    install(project, "--client", "codex", "--client", "claude")
    r = cli("--root", str(project), "--json", "doctor", "--no-server")
    assert r.code == 0, r
    checks = {c["name"]: c for c in r.json["data"]["checks"]}
    assert checks["read-only:codex"]["warning"] is True and "#45482" in checks["read-only:codex"]["message"]
    assert "read-only:claude" not in checks
    r = cli("--root", str(project), "doctor", "--no-server")
    line = next(x for x in r.out.splitlines() if "read-only:codex" in x)
    assert line.startswith("! read-only:codex: Codex does not enforce read-only agents"), r.out
    assert "✓ read-only" not in r.out
    audit = (project / ".codex/agents/audit.toml").read_text()
    assert 'sandbox_mode = "read-only"' in audit and "## Read-only role" in audit
    assert "`change_scope`, `plan_load`" in audit  # the only cadence tools it may call, said to the model
