"""Files cadence creates get the user's usual mode; files it replaces keep theirs (hostile D10, clients D7)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import git, run_inprocess


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture(autouse=True)
def umask022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "commit", "-q", "--allow-empty", "-m", "i")
    return r


def cad(root: Path, *args: str) -> object:
    res = run_inprocess("--root", str(root), *args)
    assert res.code == 0, res
    return res


def test_created_files_get_0644_under_umask_022(root: Path, tmp_path: Path) -> None:
    cad(root, "init", "--auto", "--methodology", "mvp")
    (tmp_path / "p.md").write_text("## Tasks\n- [ ] a\n")
    cad(root, "plan", "save", "--title", "Modes", "--file", str(tmp_path / "p.md"))
    cad(root, "docs", "init")
    cad(root, "docs", "save", "--type", "decision", "--title", "T", "--file", str(tmp_path / "p.md"))
    cad(root, "session", "save", "--summary", "s")
    cad(root, "skip", "create-vision", "--reason", "x")
    files = [root / ".gitignore", root / ".cadence/state.json", root / ".cadence/state.json.bak",
             root / ".cadence/config.yml", root / "docs/INDEX.md", *(root / ".cadence/plans").glob("*.md"),
             *(root / "docs/decisions").glob("*.md"), *(root / ".cadence/sessions").glob("*.md")]
    assert len(files) >= 8
    assert {f.relative_to(root).as_posix(): oct(mode(f)) for f in files} == \
        {f.relative_to(root).as_posix(): "0o644" for f in files}
    assert oct(mode(root / ".cadence")) == "0o755"


def test_replacing_a_file_keeps_its_mode(root: Path) -> None:
    (root / ".gitignore").write_text("node_modules/\n")
    os.chmod(root / ".gitignore", 0o664)
    cad(root, "init", "--auto", "--methodology", "mvp")
    assert mode(root / ".gitignore") == 0o664
    os.chmod(root / ".cadence/state.json", 0o640)
    cad(root, "skip", "create-vision", "--reason", "x")
    assert mode(root / ".cadence/state.json") == 0o640


def test_install_then_uninstall_leaves_modes_as_they_were(root: Path) -> None:
    (root / "AGENTS.md").write_text("# Agents\n\nmine\n")
    os.chmod(root / "AGENTS.md", 0o755)
    (root / "CLAUDE.md").write_text("# Claude\n")
    os.chmod(root / "CLAUDE.md", 0o644)
    before = {p: mode(root / p) for p in ("AGENTS.md", "CLAUDE.md")}
    git(root, "add", "AGENTS.md", "CLAUDE.md")
    git(root, "commit", "-qm", "mine")
    cad(root, "install", "--client", "claude", "--client", "codex")
    assert mode(root / "AGENTS.md") == 0o755 and mode(root / "CLAUDE.md") == 0o644
    rendered = [p for p in (root / ".claude").rglob("*") if p.is_file()]
    assert rendered and all(mode(p) == 0o644 for p in rendered)
    cad(root, "uninstall")
    assert {p: mode(root / p) for p in ("AGENTS.md", "CLAUDE.md")} == before
    assert git(root, "status", "--porcelain") == ""
