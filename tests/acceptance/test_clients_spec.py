"""Acceptance checks of clients.md / mcp.md / the dashboard row, run the way an outside suite would.

Each scenario installs into a fresh repository (CADENCE_CACHE_DIR isolated by tests/conftest.py),
compares whole trees byte for byte, and speaks to the MCP server through the official SDK client.
The regressions pinned here were found by this suite (see docs/clients.md, "Acceptance findings").
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import git, tree_snapshot
from tests.conftest import run_inprocess as cli

CLIENTS = ["claude", "opencode", "codex", "gemini"]
BOM = b"\xef\xbb\xbf"

# Hostile but legal user files, one set per scenario: CRLF, no final newline, BOMs, JSONC comments and
# trailing commas, existing cadence keys, TOML inline tables, empty files.
USER_SETS: dict[str, dict[str, bytes]] = {
    "plain": {
        "CLAUDE.md": b"# My rules\n\nNo trailing newline here",
        "AGENTS.md": b"# Agents\r\n\r\nWindows newlines.\r\n",
        "GEMINI.md": b"gemini rules",
        ".gitignore": b"node_modules",
        "opencode.json": b'{\n  // my comment\n  "$schema": "https://opencode.ai/config.json",\n'
                         b'  "theme": "dark",\n}\n',
        ".mcp.json": b'{"mcpServers":{"mine":{"command":"x"}}}',
        ".codex/config.toml": b'# my codex config\nmodel = "o3"  # pinned\n\n[mcp_servers.other]\ncommand = "x"\n',
        ".gemini/settings.json": b'{\n  "theme": "GitHub", // mine\n  "mcpServers": {"other": {"command": "y"}},\n}',
    },
    "bom-crlf": {
        "CLAUDE.md": BOM + b"# a\r\nb\r\n",
        "GEMINI.md": b"x\r\ny",
        ".gitignore": b"a\r\nb\r\n",
        "opencode.json": BOM + b'{\r\n\t"theme": "dark"\r\n}',
        ".mcp.json": BOM + b'{\r\n\t"mcpServers": {\r\n\t\t"x": {"command": "y"}\r\n\t}\r\n}',
        ".codex/config.toml": BOM + b'model = "o3"\r\n[mcp_servers.x]\r\ncommand = "y"\r\n',
        ".gemini/settings.json": BOM + b'{"theme":"x"}',
    },
    "collisions": {
        "AGENTS.md": b"",
        "CLAUDE.md": b"\n\n\n",
        "opencode.json": b'{"agent":{"build":{"disable":false}},"default_agent":"build",'
                         b'"mcp":{"cadence":{"type":"local","command":["old"]}}}',
        ".mcp.json": b'{"mcpServers":{"cadence":{"command":"old"}}}\n',
        ".codex/config.toml": b'mcp_servers = { x = { command = "y" }, cadence = { command = "old" } }\n',
        ".gemini/settings.json": b"{}",
    },
}


def dirs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir() and ".git" not in p.parts}


def seed(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def ok(*args: str) -> dict[str, Any]:
    r = cli("--json", *args)
    assert r.code == 0, r
    return r.json["data"]


def flags(clients: list[str]) -> list[str]:
    return [f"--client={c}" for c in clients]


@pytest.fixture
def fresh(repo: Path) -> Path:
    """A bare git repository: no `cadence init`."""
    return repo


# ---------------------------------------------------------------- install / uninstall round trips

@pytest.mark.parametrize("clients", [[c] for c in CLIENTS] + [CLIENTS], ids=lambda c: "+".join(c))
@pytest.mark.parametrize("user_set", [None, *USER_SETS], ids=lambda s: s or "empty")
def test_uninitialised_repo_round_trip_and_second_install_changes_no_byte(fresh: Path, clients: list[str],
                                                                        user_set: str | None) -> None:
    seed(fresh, USER_SETS.get(user_set or "", {}))
    before, before_dirs = tree_snapshot(fresh), dirs(fresh)
    ok("--root", str(fresh), "install", *flags(clients))
    first = tree_snapshot(fresh)
    assert sorted(p.name for p in (fresh / ".cadence").iterdir()) == ["manifest.json"]  # no stray lock file
    data = ok("--root", str(fresh), "install", *flags(clients))
    assert set(data["counts"]) == {"keep"}, data["counts"]
    assert tree_snapshot(fresh) == first  # regression: the 2nd install used to add .cadence/.lock + manifest key
    ok("--root", str(fresh), "uninstall")
    assert tree_snapshot(fresh) == before
    assert dirs(fresh) == before_dirs


@pytest.mark.parametrize("user_set", list(USER_SETS))
def test_initialised_repo_round_trip_with_hostile_user_files(project: Path, user_set: str) -> None:
    seed(project, USER_SETS[user_set])
    before, before_dirs = tree_snapshot(project), dirs(project)
    ok("--root", str(project), "install", *flags(CLIENTS))
    assert (project / ".codex" / "config.toml").read_bytes().startswith(BOM) == user_set.startswith("bom")
    cfg = tomllib.loads((project / ".codex" / "config.toml").read_bytes().decode("utf-8-sig"))
    assert cfg["mcp_servers"]["cadence"]["args"][-3:] == ["mcp", "--tools", "lean"]
    assert len(cfg["mcp_servers"]) == 2  # the user's other server is still there
    snap = tree_snapshot(project)
    assert set(ok("--root", str(project), "install", *flags(CLIENTS))["counts"]) == {"keep"}
    assert tree_snapshot(project) == snap
    ok("--root", str(project), "uninstall")
    assert tree_snapshot(project) == before
    assert dirs(project) == before_dirs


def test_codex_inline_mcp_servers_table_is_merged_not_a_crash(project: Path) -> None:
    seed(project, {".codex/config.toml": b'mcp_servers = { x = { command = "y" } }\n'})
    ok("--root", str(project), "install", "--client=codex")  # was INTERNAL_ERROR "Inline tables cannot contain a table"
    cfg = tomllib.loads((project / ".codex" / "config.toml").read_text())
    assert set(cfg["mcp_servers"]) == {"x", "cadence"}


@pytest.mark.parametrize("files,code", [
    ({".claude": b"not a dir"}, "INSTALL_PATH_BLOCKED"),
    ({".claude/agents/architect.md/x": b"a dir where a file goes"}, "INSTALL_PATH_BLOCKED"),
    ({"AGENTS.md": b"\xff\xfe\x00not utf-8"}, "CONFIG_FILE_INVALID"),
    ({".mcp.json": b"[]"}, "CONFIG_FILE_INVALID"),
    ({".codex/config.toml": b'mcp_servers = "x"\n'}, "CONFIG_FILE_INVALID"),
    ({"opencode.json": b'{"a": }'}, "CONFIG_FILE_INVALID"),
], ids=["dir-is-file", "file-is-dir", "agents-md-not-utf8", "mcp-json-array", "toml-scalar", "bad-jsonc"])
def test_a_tree_cadence_cannot_write_into_stops_install_with_nothing_written(fresh: Path, files: dict[str, bytes],
                                                                           code: str) -> None:
    """Regression: the first two were INTERNAL_ERROR tracebacks; a non-UTF-8 AGENTS.md stopped install midway
    after other files had been written."""
    seed(fresh, files)
    before, before_dirs = tree_snapshot(fresh), dirs(fresh)
    r = cli("--root", str(fresh), "--json", "install", *flags(CLIENTS))
    assert r.code == 5 and r.json["error"]["code"] == code, r
    assert "Nothing was written" in r.json["error"]["hint"]
    assert tree_snapshot(fresh) == before and dirs(fresh) == before_dirs


def test_uninstall_after_the_user_broke_or_re_encoded_shared_files_finishes_and_reports(fresh: Path) -> None:
    """Regression: a non-UTF-8 AGENTS.md made uninstall crash (INTERNAL_ERROR) halfway, manifest not updated."""
    ok("--root", str(fresh), "install", *flags(CLIENTS))
    (fresh / "AGENTS.md").write_bytes(b"\xff\xfe re-encoded")
    (fresh / "opencode.json").write_bytes(b'{"mcp": ')
    (fresh / ".mcp.json").unlink()
    r = cli("--root", str(fresh), "--json", "uninstall")
    assert r.code == 0, r
    assert any("AGENTS.md" in w for w in r.json["warnings"]) and any("opencode.json" in w for w in r.json["warnings"])
    assert set(tree_snapshot(fresh)) == {"AGENTS.md", "opencode.json"}  # the user's files; nothing else left
    assert cli("--root", str(fresh), "--json", "uninstall").code == 0


def test_incremental_installs_then_one_install_of_all_changes_no_byte(project: Path) -> None:
    seed(project, USER_SETS["plain"])
    before = tree_snapshot(project)
    order = CLIENTS[:]
    random.Random(7).shuffle(order)
    for c in order:
        ok("--root", str(project), "install", f"--client={c}")
    snap = tree_snapshot(project)
    assert set(ok("--root", str(project), "install", *flags(CLIENTS))["counts"]) == {"keep"}
    assert tree_snapshot(project) == snap
    for c in reversed(order):
        ok("--root", str(project), "uninstall", f"--client={c}")
    assert tree_snapshot(project) == before


def test_shared_agents_md_block_survives_uninstalling_one_of_its_clients(project: Path) -> None:
    """Regression: with an existing AGENTS.md, installing opencode after codex dropped codex from the block's
    manifest entry, so uninstalling opencode stripped the block codex still needs."""
    seed(project, {"AGENTS.md": b"# Agents\n"})
    ok("--root", str(project), "install", "--client=codex")
    ok("--root", str(project), "install", "--client=opencode")
    manifest = json.loads((project / ".cadence" / "manifest.json").read_text())
    block = next(e for e in manifest["entries"] if e["path"] == "AGENTS.md")
    assert block["clients"] == ["opencode", "codex"]
    ok("--root", str(project), "uninstall", "--client=opencode")
    assert "cadence" in (project / "AGENTS.md").read_text()
    assert (project / ".codex" / "config.toml").is_file() and not (project / "opencode.json").exists()
    ok("--root", str(project), "uninstall", "--client=codex")
    assert (project / "AGENTS.md").read_bytes() == b"# Agents\n"


def test_gemini_agents_follow_the_experimental_switch_and_leave_no_empty_folder(fresh: Path) -> None:
    before, before_dirs = tree_snapshot(fresh), dirs(fresh)
    ok("--root", str(fresh), "install", "--client=gemini")
    settings = fresh / ".gemini" / "settings.json"
    assert not (fresh / ".gemini" / "agents").exists()
    cfg = json.loads(settings.read_text())
    settings.write_text(json.dumps({**cfg, "experimental": {"enableAgents": True}}, indent=2) + "\n")
    assert ok("--root", str(fresh), "install", "--client=gemini")["counts"]["create"] == 12
    settings.write_text(json.dumps({**cfg, "experimental": {"enableAgents": False}}, indent=2) + "\n")
    assert ok("--root", str(fresh), "install", "--client=gemini")["counts"]["remove"] == 12
    assert not (fresh / ".gemini" / "agents").exists()  # regression: the emptied folder stayed behind
    settings.write_text(json.dumps(cfg, indent=2) + "\n")
    ok("--root", str(fresh), "uninstall")
    assert tree_snapshot(fresh) == before and dirs(fresh) == before_dirs


@pytest.mark.parametrize("file_name,target", [('"AGENTS.md"', "AGENTS.md"), ('["AGENTS.md", "GEMINI.md"]', "GEMINI.md"),
                                              ('["CONTEXT.md"]', "CONTEXT.md"), ('"../evil.md"', "GEMINI.md")])
def test_gemini_instructions_go_where_context_file_name_points(fresh: Path, file_name: str, target: str) -> None:
    seed(fresh, {".gemini/settings.json": b'{"context": {"fileName": %s}}' % file_name.encode(),
                 "AGENTS.md": b"# mine\n"})
    before = tree_snapshot(fresh)
    ok("--root", str(fresh), "install", "--client=gemini", "--client=codex")
    assert "cadence" in (fresh / target).read_text()
    assert (fresh / "AGENTS.md").read_text().count("cadence managed") == 2  # one block, shared when both use it
    assert not (fresh.parent / "evil.md").exists()
    ok("--root", str(fresh), "uninstall", "--client=codex")
    assert ("cadence" in (fresh / "AGENTS.md").read_text()) == (target == "AGENTS.md")
    ok("--root", str(fresh), "uninstall")
    assert tree_snapshot(fresh) == before


def test_manifest_records_path_clients_kind_sha256_and_version_for_every_entry(project: Path) -> None:
    seed(project, USER_SETS["plain"])
    ok("--root", str(project), "install", *flags(CLIENTS))
    manifest = json.loads((project / ".cadence" / "manifest.json").read_text())
    assert manifest["entries"]
    for e in manifest["entries"]:
        assert e["path"] and e["clients"] and e["kind"] and e["version"], e
        assert isinstance(e.get("sha256"), str) and len(e["sha256"]) == 64, e  # keys entries had none
        assert set(e["clients"]) <= set(CLIENTS)
    kinds = {e["kind"] for e in manifest["entries"]}
    assert {"agent", "skill", "mcp", "instructions"} <= kinds


def test_dry_run_writes_nothing_anywhere(fresh: Path) -> None:
    seed(fresh, USER_SETS["plain"])
    before, before_dirs = tree_snapshot(fresh), dirs(fresh)
    data = ok("--root", str(fresh), "install", "--dry-run", *flags(CLIENTS))
    assert data["dry_run"] and data["counts"]["create"] > 100 and data["counts"].get("update", 0) >= 5
    assert tree_snapshot(fresh) == before and dirs(fresh) == before_dirs
    r = cli("--root", str(fresh), "install", "--dry-run", *flags(CLIENTS))
    assert r.code == 0 and "create" in r.out
    ok("--root", str(fresh), "install", *flags(CLIENTS))
    snap, snap_dirs = tree_snapshot(fresh), dirs(fresh)
    data = ok("--root", str(fresh), "uninstall", "--dry-run")
    assert data["counts"]["remove"] > 100
    assert tree_snapshot(fresh) == snap and dirs(fresh) == snap_dirs


@pytest.mark.parametrize("client,rel", [("claude", ".claude/agents/architect.md"),
                                        ("opencode", ".opencode/commands/cadence-create-vision.md"),
                                        ("codex", ".codex/agents/architect.toml"),
                                        ("gemini", ".gemini/commands/cadence/create-vision.toml")])
def test_user_edit_conflict_force_and_uninstall(fresh: Path, client: str, rel: str) -> None:
    before = tree_snapshot(fresh)
    ok("--root", str(fresh), "install", f"--client={client}", "--all")  # no config: commands with --all only
    target = fresh / rel
    shipped = target.read_bytes()
    edited = shipped + b"\n# my edit\n"
    target.write_bytes(edited)
    r = cli("--root", str(fresh), "--json", "install", f"--client={client}", "--all")
    assert r.code == 0 and r.json["data"]["counts"]["conflict"] == 1
    assert any(rel in w for w in r.json["warnings"])
    assert target.read_bytes() == edited and (fresh / (rel + ".cadence-new")).read_bytes() == shipped
    snap = tree_snapshot(fresh)
    ok("--root", str(fresh), "install", f"--client={client}", "--all")  # a conflict stays put: no byte changes
    assert tree_snapshot(fresh) == snap
    data = ok("--root", str(fresh), "uninstall")
    assert data["left_modified"] == [rel]
    after = tree_snapshot(fresh)
    assert {k for k in after if k not in before} == {rel}  # the .cadence-new and everything else is gone
    assert after[rel] == edited
    # --force on a file the user wrote before cadence: overwritten, and uninstall gives their text back
    before = tree_snapshot(fresh)
    r = cli("--root", str(fresh), "--json", "install", f"--client={client}", "--all")
    assert r.json["data"]["counts"]["conflict"] == 1 and target.read_bytes() == edited
    data = ok("--root", str(fresh), "install", "--force", f"--client={client}", "--all")
    assert data["counts"]["overwrite"] == 1 and target.read_bytes() == shipped
    assert not (fresh / (rel + ".cadence-new")).exists()
    ok("--root", str(fresh), "uninstall")
    assert tree_snapshot(fresh) == before
    # --force on cadence's own file the user edited: they asked to discard the edit; uninstall removes it
    target.unlink()
    before = tree_snapshot(fresh)
    ok("--root", str(fresh), "install", f"--client={client}", "--all")
    target.write_bytes(edited)
    ok("--root", str(fresh), "install", "--force", f"--client={client}", "--all")
    assert target.read_bytes() == shipped
    ok("--root", str(fresh), "uninstall")
    assert tree_snapshot(fresh) == before


def test_user_scope_with_isolated_home_round_trips_and_never_touches_the_repo(
        fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_CONFIG_HOME", "CODEX_HOME", "CLAUDE_CONFIG_DIR"):
        monkeypatch.delenv(var, raising=False)
    seed(home, {".claude/CLAUDE.md": b"# global rules\nno newline", ".gemini/GEMINI.md": b"gem\r\n",
                ".codex/config.toml": b'model = "o3"\n[projects."/x"]\ntrust_level = "trusted"\n',
                ".config/opencode/opencode.json": b'{\n  // c\n  "theme": "x",\n}',
                ".gemini/settings.json": b'{"security":{"auth":{"selectedType":"x"}}}', ".claude.json": b'{"n":3}'})
    before, before_dirs, repo_before = tree_snapshot(home), dirs(home), tree_snapshot(fresh)
    ok("--root", str(fresh), "install", "--scope", "user", *flags(CLIENTS))
    assert (home / ".config" / "cadence" / "manifest.json").is_file()
    assert (home / ".claude" / "CLAUDE.md").read_text().startswith("# global rules\nno newline")
    assert tree_snapshot(fresh) == repo_before
    snap = tree_snapshot(home)
    assert set(ok("--root", str(fresh), "install", "--scope", "user", *flags(CLIENTS))["counts"]) == {"keep"}
    assert tree_snapshot(home) == snap
    ok("--root", str(fresh), "uninstall", "--scope", "user")
    assert tree_snapshot(home) == before and dirs(home) == before_dirs
    assert tree_snapshot(fresh) == repo_before


def test_user_scope_follows_claude_config_dir(fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".claude-work").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude-work"))
    before = tree_snapshot(home)
    ok("--root", str(fresh), "install", "--scope", "user", "--client=claude")
    written = set(tree_snapshot(home))
    assert {".claude-work/agents/architect.md", ".claude-work/CLAUDE.md", ".claude-work/.claude.json"} <= written
    assert not [p for p in written if p.startswith(".claude/") or p == ".claude.json"]
    ok("--root", str(fresh), "uninstall", "--scope", "user")
    assert tree_snapshot(home) == before
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "elsewhere"))
    r = cli("--root", str(fresh), "--json", "install", "--scope", "user", "--client=claude")
    assert r.code == 1 and r.json["error"]["code"] == "USER_DIR_OUTSIDE_HOME"


def test_init_with_clients_then_uninstall_leaves_only_the_initialised_project(repo: Path) -> None:
    seed(repo, {"CLAUDE.md": b"mine"})
    r = cli("--root", str(repo), "--json", "init", "--no-input", "--clients", ",".join(CLIENTS))
    assert r.code == 0, r
    ok("--root", str(repo), "uninstall")
    left = tree_snapshot(repo)
    assert left["CLAUDE.md"] == b"mine"
    client_dirs = (".claude/", ".opencode/", ".codex/", ".gemini/", ".agents/")
    assert not [k for k in left if k.startswith(client_dirs)]
    assert not {"AGENTS.md", "GEMINI.md", "opencode.json", ".mcp.json", ".cadence/manifest.json"} & set(left)
    assert {".cadence/config.yml", ".cadence/state.json"} <= set(left)  # the project itself stays initialised


def test_doctor_reports_modified_missing_and_legacy_formats(project: Path) -> None:
    ok("--root", str(project), "install", *flags(CLIENTS))
    assert cli("--root", str(project), "--json", "doctor").code == 0
    (project / ".claude" / "agents" / "architect.md").write_text("mine")
    (project / ".codex" / "agents" / "fix.toml").unlink()
    (project / ".codex" / "prompts").mkdir()
    (project / ".codex" / "prompts" / "old.md").write_text("x")
    r = cli("--root", str(project), "--json", "doctor")
    assert r.code != 0 and not r.json["ok"]
    checks = {c["name"]: c for c in r.json["data"]["checks"]}
    assert ".claude/agents/architect.md" in checks["manifest"]["message"]
    assert ".codex/agents/fix.toml" in checks["manifest"]["message"]
    assert not checks["format:codex"]["ok"] and ".codex/prompts" in checks["format:codex"]["message"]
    mcp = [c for n, c in checks.items() if n.startswith("mcp:")]
    assert mcp and all(c["ok"] for c in mcp)
    human = cli("--root", str(project), "doctor", "--no-server")
    assert human.code == 3 and "✗ manifest" in human.out and "✗ format:codex" in human.out  # the report: stdout
    assert "DOCTOR_PROBLEMS" in human.err and "manifest" in human.err and len(human.err.splitlines()) <= 3
    r = cli("--root", str(project), "--json", "doctor", "--repair")
    assert (project / ".codex" / "agents" / "fix.toml").is_file()
    assert (project / ".claude" / "agents" / "architect.md").read_text() == "mine"


def test_configure_models_renders_where_supported_and_round_trips(project: Path) -> None:
    before = tree_snapshot(project)
    ok("--root", str(project), "install", *flags(CLIENTS))
    ok("--root", str(project), "configure", "models", "--primary", "anthropic/claude-opus-4-5",
       "--subagent", "haiku", "--agent", "architect=opus")
    assert "model: opus" in (project / ".claude" / "agents" / "architect.md").read_text()
    assert "model: haiku" in (project / ".claude" / "agents" / "testing.md").read_text()
    snap = tree_snapshot(project)
    assert set(ok("--root", str(project), "install", *flags(CLIENTS))["counts"]) == {"keep"}
    assert tree_snapshot(project) == snap
    ok("--root", str(project), "uninstall")
    after = tree_snapshot(project)
    assert {k: v for k, v in after.items() if k != ".cadence/config.yml"} == \
           {k: v for k, v in before.items() if k != ".cadence/config.yml"}


def _frontmatter(text: str) -> dict[str, Any]:
    from cadence import yamlio
    from cadence.core.frontmatter import split
    assert text.startswith("---\n")
    return dict(yamlio.load(split(text)[0]))


READ_ONLY_AGENTS = ("architect", "audit", "debug", "perf", "security")


def test_agents_carry_the_fields_the_spec_names_for_each_client(project: Path) -> None:
    ok("--root", str(project), "install", *flags(CLIENTS))
    for p in sorted((project / ".claude" / "agents").glob("*.md")):
        fm = _frontmatter(p.read_text())
        assert {"name", "description", "model"} <= set(fm), p.name  # model alias: inherit by default
        assert ("tools" in fm) == (p.stem in READ_ONLY_AGENTS + ("docs-writer",)), p.name  # the rest: every tool
        assert fm["model"] in ("inherit", "sonnet", "opus", "haiku") or fm["model"].startswith("claude-")
    for p in sorted((project / ".opencode" / "agents").glob("*.md")):
        fm = _frontmatter(p.read_text())
        assert {"description", "mode", "temperature", "permission", "steps"} <= set(fm), p.name
        assert "tools" not in fm and "maxSteps" not in fm and isinstance(fm["steps"], int) and fm["steps"] > 0
    for p in sorted((project / ".codex" / "agents").glob("*.toml")):
        assert {"name", "description", "developer_instructions"} <= set(tomllib.loads(p.read_text())), p.name
    for p in sorted((project / ".gemini" / "commands" / "cadence").glob("*.toml")):
        cmd = tomllib.loads(p.read_text())
        assert cmd["description"] and "cadence run" in cmd["prompt"] and "{{args}}" in cmd["prompt"]
    assert len(list((project / ".claude" / "commands" / "cadence").glob("*.md"))) == \
        len(list((project / ".gemini" / "commands" / "cadence").glob("*.toml"))) == \
        len(list((project / ".opencode" / "commands").glob("cadence-*.md")))
    for p in (project / ".agents" / "skills").glob("*/SKILL.md"):
        fm = _frontmatter(p.read_text())
        assert fm["name"] == p.parent.name and 0 < len(fm["description"]) <= 1024


# ---------------------------------------------------------------- the MCP server

mcp = pytest.importorskip("mcp")
from mcp import ClientSession, StdioServerParameters, stdio_client  # noqa: E402
from tests.e2e.test_mcp import ALL, CORE, PLAN, STANDARD  # noqa: E402


async def _session_run(root: Path, tier: str, fn: Any, cwd: Path | None = None, root_flag: bool = True) -> Any:
    args = ["-m", "cadence", "mcp", "--tools", tier] + (["--root", str(root)] if root_flag else [])
    params = StdioServerParameters(command=sys.executable, args=args, env={**os.environ}, cwd=str(cwd or root))
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w) as s:
            await s.initialize()
            return await fn(s)


def test_each_tier_lists_exactly_its_tools_with_short_descriptions_and_object_schemas(project: Path) -> None:
    async def tools(s: ClientSession) -> list[Any]:
        return (await s.list_tools()).tools
    for tier, names in (("core", CORE), ("standard", STANDARD), ("all", ALL)):
        listed = asyncio.run(_session_run(project, tier, tools))
        assert {t.name for t in listed} == names, tier
        for t in listed:
            assert t.description and len(t.description) <= 200, t.name
            assert t.input_schema["type"] == "object", t.name
    default = subprocess.run([sys.executable, "-m", "cadence", "--root", str(project), "--json", "mcp", "--list"],
                             capture_output=True, text=True, timeout=60)
    assert {t["name"] for t in json.loads(default.stdout)["data"]["tools"]} == STANDARD  # default tier


def test_results_are_structured_and_errors_carry_code_message_hint(project: Path) -> None:
    async def go(s: ClientSession) -> None:
        res = await s.call_tool("plan_save", {"content": PLAN})
        assert not res.is_error and isinstance(res.structured_content, dict)
        assert json.loads(res.content[0].text) == res.structured_content
        name = res.structured_content["file"]
        res = await s.call_tool("plan_load", {"name": name})
        assert not res.is_error and res.structured_content["tasks"]
        hostile: list[tuple[str, dict[str, Any], str]] = [
            ("repl_init", {"plan": "../../../etc/passwd"}, "INVALID_NAME"),
            ("worktree_remove", {"name": "../../"}, "INVALID_NAME"),
            ("pipeline_complete", {"step": "../x"}, "UNKNOWN_STEP"),
            ("pipeline_skip", {"steps": [], "reason": "r"}, "INVALID_ARGUMENTS"),
            ("decision_log", {"text": "x" * 50_000}, "INVALID_ARGUMENTS"),
            ("session_save", {"summary": "a\x00b"}, "INVALID_ARGUMENTS"),
            ("docs_save", {"type": "nope", "title": "t", "content": "x"}, "INVALID_ARGUMENTS"),
            ("pipeline_next", {"count": 1.5}, "INVALID_ARGUMENTS"),
            ("plan_load", {"name": None}, "INVALID_ARGUMENTS"),
            ("github_projects", {"number": -1}, "INVALID_ARGUMENTS"),
            ("branch_switch", {"name": "-f"}, "INVALID_BRANCH"),
        ]
        for tool, args, code in hostile:
            res = await s.call_tool(tool, args)
            err = (res.structured_content or {}).get("error")
            assert res.is_error and err and err["code"] == code and err["message"], (tool, args, err)
            assert set(err) >= {"code", "message", "hint"}
        res = await s.call_tool("docs_save", {"type": "decision", "title": "../../../../tmp/evil", "content": "x"})
        assert not res.is_error and res.structured_content["file"].startswith("docs/decisions/")
        assert len((await s.list_tools()).tools) == len(ALL)  # still alive
    asyncio.run(_session_run(project, "all", go))
    assert not (project.parent / "evil.md").exists()


def test_resources_and_prompts(project: Path) -> None:
    from mcp.shared.exceptions import MCPError

    async def go(s: ClientSession) -> None:
        await s.call_tool("plan_save", {"content": PLAN})
        uris = [str(r.uri) for r in (await s.list_resources()).resources]
        assert {"cadence://state", "cadence://gate"} <= set(uris)
        plan_uri = next(u for u in uris if u.startswith("cadence://plan/"))
        assert "# Add cart" in (await s.read_resource(plan_uri)).contents[0].text
        assert json.loads((await s.read_resource("cadence://state")).contents[0].text)["methodology"]
        for bad in ("cadence://plan/../config.yml", "cadence://plan/..%2Fconfig.yml", "cadence://nothing"):
            with pytest.raises(MCPError):
                await s.read_resource(bad)
        prompts = {p.name for p in (await s.list_prompts()).prompts}
        assert "pipeline-create-vision" in prompts and all(p.startswith("pipeline-") for p in prompts)
        got = await s.get_prompt("pipeline-create-vision", {})
        assert got.messages and got.messages[0].content.text.strip()
        with pytest.raises(MCPError):
            await s.get_prompt("pipeline-nope", {})
    asyncio.run(_session_run(project, "core", go))
    state = json.loads((project / ".cadence" / "state.json").read_text())
    assert all(s.get("status") != "in_progress" for s in state.get("steps", {}).values()
               if isinstance(s, dict))  # prompts are a preview


def test_a_git_repo_without_cadence_serves_the_workflow_like_the_cli(repo: Path) -> None:
    async def go(s: ClientSession) -> None:
        res = await s.call_tool("pipeline_next", {})
        assert res.is_error and res.structured_content["error"]["code"] == "NOT_INITIALIZED"
        saved = await s.call_tool("plan_save", {"content": PLAN})  # the workflow needs no pipeline config
        assert not saved.is_error and saved.structured_content["tasks"] == 2
        res = await s.call_tool("repl_status", {})
        assert res.is_error and res.structured_content["error"]["hint"]
        assert len((await s.list_tools()).tools) == len(CORE)
    asyncio.run(_session_run(repo, "core", go, root_flag=False))
    assert not (repo / ".cadence/config.yml").exists()


def test_outside_a_repository_every_tool_errors_and_the_server_keeps_serving(tmp_path: Path) -> None:
    bare = tmp_path / "not-a-repo"
    bare.mkdir()

    async def go(s: ClientSession) -> None:
        for tool, args in (("pipeline_next", {}), ("plan_save", {"content": PLAN}), ("repl_status", {})):
            res = await s.call_tool(tool, args)
            assert res.is_error and res.structured_content["error"]["hint"], tool
        assert len((await s.list_tools()).tools) == len(CORE)
    asyncio.run(_session_run(bare, "core", go, root_flag=False))
    assert not (bare / ".cadence").exists()


# ---------------------------------------------------------------- the dashboard

def test_dashboard_is_self_contained_and_read_only(project: Path, tmp_path: Path) -> None:
    import re
    git(project, "add", "-A")
    before = tree_snapshot(project)
    out = tmp_path / "dash.html"
    data = ok("--root", str(project), "dashboard", "--output", str(out))
    html = out.read_text()
    assert data["output"] == str(out) and html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "Content-Security-Policy" in html
    assert tree_snapshot(project) == before
    r = cli("--root", str(project), "dashboard", "--output", "-")
    assert r.code == 0 and r.out.startswith("<!DOCTYPE html>")


# ---------------------------------------------------------------- the real clients read the merged user configs

REAL_USER_FILES = {
    "opencode.json": b'{\n  // my comment\n  "$schema": "https://opencode.ai/config.json",\n  "autoupdate": false,\n'
                     b'  "mcp": {"mine": {"type": "local", "command": ["/nonexistent/mine"], "enabled": false},},\n}\n',
    ".mcp.json": b'{\r\n\t"mcpServers": {\r\n\t\t"mine": {"command": "/nonexistent/mine"}\r\n\t}\r\n}',
    ".codex/config.toml": b'# mine\nmcp_servers = { mine = { command = "/nonexistent/mine" } }\n',
    # Gemini strips comments but rejects trailing commas
    ".gemini/settings.json": b'{\n  // mine\n  "mcpServers": {"mine": {"command": "/nonexistent/mine"}}\n}',
    "CLAUDE.md": b"# My rules\r\nno final newline",
}


@pytest.fixture(scope="module")
def user_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.e2e.test_real_clients import build_world
    return build_world(tmp_path_factory.mktemp("userworld"), REAL_USER_FILES)


@pytest.mark.clients
def test_real_clients_see_cadence_and_the_users_own_servers(user_world: dict[str, Path]) -> None:
    import re

    from tests.e2e.test_real_clients import ANSI, binary, run
    ran = 0
    for client, cmd, check in (
        ("claude", ["--settings", '{"enableAllProjectMcpServers": true}', "mcp", "list"],
         lambda t: re.search(r"^cadence: .* ✔ Connected", t, re.M) and re.search(r"^mine: ", t, re.M)
         and "MCP config diagnostics" not in t),
        ("opencode", ["debug", "config"],
         lambda t: (c := json.loads(t[t.index("{"):])) and c["autoupdate"] is False
         and c["mcp"]["cadence"]["type"] == "local" and "mine" in c["mcp"] and c["default_agent"] == "architect"
         and c["agent"]["testing"]["steps"] == 50),
        ("codex", ["mcp", "list", "--json"],
         lambda t: {s["name"] for s in json.loads(t[t.index("["):])} >= {"cadence", "mine"}),
        ("gemini", ["mcp", "list"],
         lambda t: re.search(r"✓ cadence: .* - Connected", t) and "mine" in t and "Invalid configuration" not in t),
    ):
        try:
            exe = binary(client)
        except pytest.skip.Exception:
            continue
        out = run(user_world, client, [exe, *cmd])
        text = ANSI.sub("", out.stdout + "\n" + out.stderr)
        assert out.returncode in (0, 1) and check(ANSI.sub("", out.stdout) if client in ("opencode", "codex")
                                                  else text), (client, text[:3000])
        ran += 1
    if not ran:
        pytest.skip("no AI client installed")
