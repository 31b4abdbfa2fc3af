"""change_scope: paths outside the repository are refused (clients D15), cadence's own rendered client files and
`.gitkeep` are trivial tool configuration (clients D13, newcomer m14), and the MCP result stays small."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfhelpers import cadence_json, git

from cadence.core.scope import TIERS, change_scope, compact
from cadence.errors import CadenceError
from cadence.mcp.tools import TOOLS, validate


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh repository right after `cadence init` for all four clients and `docs init`."""
    root = tmp_path_factory.mktemp("rendered") / "app"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for args in (["init", "--no-input", "--clients", "claude,opencode,codex,gemini"], ["docs", "init"]):
        proc = subprocess.run([sys.executable, "-m", "cadence", *args], cwd=root, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    return root


@pytest.mark.parametrize("path", [".gitkeep", "docs/decisions/.gitkeep", ".codex/config.toml",
                                  ".claude/agents/cadence-security.md",
                                  ".gemini/commands/cadence/session-analyzer.toml",
                                  ".opencode/skills/cadence-auth/SKILL.md", ".agents/skills/cadence-x/SKILL.md",
                                  "apps/web/.agents/skills/s/SKILL.md", ".mcp.json", "opencode.json",
                                  ".gemini/settings.json", ".cadence/manifest.json", "AGENTS.md"])
def test_tool_configuration_is_trivial(path: str) -> None:
    assert change_scope([path])["scope"] == "trivial", change_scope([path])


@pytest.mark.parametrize(("path", "tier"), [("agents/skills/payment.py", "high"), ("src/claude.py", "standard"),
                                            ("src/gemini/client.ts", "standard"), ("keep.py", "standard")])
def test_look_alikes_are_not_tool_configuration(path: str, tier: str) -> None:
    assert change_scope([path])["files"][0]["tier"] == tier


def test_scope_right_after_init_is_not_high(rendered: Path) -> None:
    code, out = cadence_json("scope", cwd=rendered)
    assert code == 0, out
    d = out["data"]
    above = [f for f in d["files"] if f["tier"] not in ("trivial",)]
    # the managed .gitignore block is the one non-trivial file: the spec keeps .gitignore "low"
    assert [f["path"] for f in above] == [".gitignore"] and d["scope"] == "low"
    assert d["agents"] == ["testing"]
    clients = [f for f in d["files"] if f["path"].startswith((".claude/", ".gemini/", ".opencode/", ".codex/"))]
    assert len(clients) > 100 and {f["tier"] for f in clients} == {"trivial"}


def test_mcp_change_scope_result_is_small_and_says_what_it_left_out(rendered: Path) -> None:
    (rendered / "src").mkdir(exist_ok=True)
    (rendered / "src/auth.py").write_text("x = 1\n")
    try:
        t = TOOLS["change_scope"]
        d = t.handler(rendered, validate(t, {}))
        assert len(json.dumps(d, separators=(",", ":"))) < 20_000
        assert d["scope"] == "high" and d["files"][0]["path"] == "src/auth.py"
        assert len(d["files"]) == 100 and d["files_total"] == 100 + d["files_elided"]
        assert d["elided_by_tier"] == {"trivial": d["files_elided"]}
    finally:
        (rendered / "src/auth.py").unlink()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TIERS), max_size=60), st.integers(1, 30))
def test_compact_keeps_the_riskiest_and_counts_the_rest(tiers: list[str], limit: int) -> None:
    files = [{"path": f"f{i}", "tier": t, "rule": "r"} for i, t in enumerate(tiers)]
    full = {"scope": "x", "rationale": "", "agents": [], "files": files}
    out = compact(full, limit)
    assert len(out["files"]) == min(limit, len(files))
    kept = {f["path"] for f in out["files"]}
    elided = [f for f in files if f["path"] not in kept]
    assert sum(out.get("elided_by_tier", {}).values()) == len(elided) == out.get("files_elided", 0)
    rank = ("high", "standard", "low", "trivial").index
    if elided:
        assert max(rank(f["tier"]) for f in out["files"]) <= min(rank(f["tier"]) for f in elided)


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/shadow", "src/../../outside.py", ".."])
def test_paths_outside_the_repository_are_refused(repo: Path, path: str) -> None:
    code, out = cadence_json("scope", "src/app.py", path, cwd=repo)
    assert code == 1 and out["error"]["code"] == "PATH_OUTSIDE_PROJECT", out
    t = TOOLS["change_scope"]
    with pytest.raises(CadenceError) as e:
        t.handler(repo, validate(t, {"files": ["src/app.py", path]}))
    assert e.value.code == "PATH_OUTSIDE_PROJECT" and e.value.exit_code == 1


def test_paths_inside_the_repository_are_classified(repo: Path) -> None:
    t = TOOLS["change_scope"]
    d = t.handler(repo, validate(t, {"files": [str(repo / "src/auth.py"), "./docs/../README.md", "src/./x.py"]}))
    assert [f["path"] for f in d["files"]] == ["src/auth.py", "README.md", "src/x.py"]
