"""Property: whatever symlinks a repository carries in `.cadence/`, `docs/` and `.worktrees/`, no sequence of
cadence commands changes anything outside it or prints outside content."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import git, run_inprocess

SECRET = "OUTSIDE-SECRET-7f3a"
SESSION = "20200101-000000-abcd"

SPOTS = [".cadence", ".cadence/.lock", ".cadence/state.json", ".cadence/state.json.bak", ".cadence/decisions.jsonl",
         ".cadence/config.yml", ".cadence/plans", ".cadence/sessions", ".cadence/knowledge", ".cadence/gate.json",
         ".cadence/loop.json", ".cadence/manifest.json", ".cadence/instructions/global.md",
         ".cadence/plans/2020-01-01-feature-x.md", f".cadence/sessions/{SESSION}.md", ".cadence/knowledge/KNOW.md",
         "docs", "docs/INDEX.md", "docs/decisions", "docs/decisions/2020-01-01-x.md", ".worktrees", ".worktrees/w1",
         ".gitignore"]
TARGETS = ["out-file", "out-dir", "out-missing", "out-session-dir", "in-file", "in-dir", "in-missing", "loop"]
COMMANDS = [
    ["status"], ["next"], ["skip", "create-vision", "--reason", "x"], ["reset", "--all"],
    ["decisions", "add", "d"], ["decisions", "list"],
    ["plan", "save", "--title", "T", "--file", "INPUT"], ["plan", "list"], ["plan", "show", "2020-01-01-feature-x"],
    ["session", "save", "--summary", "s"], ["session", "list"], ["session", "show", SESSION],
    ["docs", "init"], ["docs", "save", "--type", "decision", "--title", "T", "--file", "INPUT"],
    ["docs", "index"], ["docs", "list"],
    ["knowledge", "override", "KNOW", "--force"], ["knowledge", "show", "KNOW"], ["knowledge", "reset", "KNOW",
                                                                                    "--force"],
    ["worktree", "create", "w1"], ["worktree", "list"], ["gate", "summary", "--report", "security=INPUT"],
    ["gate", "show"], ["doctor", "--repair", "--no-server"], ["validate"], ["install", "--client", "claude"],
    ["uninstall"], ["init", "--force", "--auto", "--methodology", "mvp"], ["run", "create-vision"],
]


def digest(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        s = p.lstat()
        h.update(f"{p.relative_to(d)}|{oct(s.st_mode)}|".encode())
        h.update(os.readlink(p).encode() if p.is_symlink() else p.read_bytes() if p.is_file() else b"")
    return h.hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tpl") / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "i")
    assert run_inprocess("--root", str(root), "init", "--auto", "--methodology", "mvp").code == 0
    (root / "README.md").write_text("inside\n")
    (root / "src").mkdir()
    (root / "src/a.py").write_text("x = 1\n")
    return root


def knowledge_name() -> str:
    from cadence.content.loader import knowledge_index
    return sorted(knowledge_index()["entries"])[0]


def sentinel(base: Path) -> Path:
    out = base / "outside"
    out.mkdir()
    (out / "file").write_text(f"root:x:0:0:{SECRET}\n")
    (out / "dir").mkdir()
    (out / "dir/inner.md").write_text(f"---\ntitle: {SECRET}\n---\n# {SECRET}\n")
    (out / "dir/state.json").write_text(json.dumps({"schema": 1, "steps": {}, "x": SECRET}))
    (out / "sessions").mkdir()
    (out / "sessions" / f"{SESSION}.md").write_text(f"# {SECRET}\n")
    (out / "sessions/20190101-000000-0000.md").write_text(f"# {SECRET}\n")
    os.chmod(out / "file", 0o640)
    return out


def plant(root: Path, out: Path, spot: str, target: str) -> None:
    link = root / spot
    on_the_way = [q for q in (link.parent, *link.parent.parents) if root in q.parents]
    if any(os.path.islink(q) or os.path.lexists(q) and not q.is_dir() for q in on_the_way):
        return  # an earlier link already replaced a directory on the way: nothing to plant through it
    if os.path.lexists(link):
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        else:
            link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    dest = {"out-file": out / "file", "out-dir": out / "dir", "out-missing": out / "missing",
            "out-session-dir": out / "sessions", "in-file": root / "README.md", "in-dir": root / "src",
            "in-missing": root / "nowhere", "loop": link}[target]
    link.symlink_to(dest)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(links=st.lists(st.tuples(st.sampled_from(SPOTS), st.sampled_from(TARGETS)), min_size=1, max_size=4),
       commands=st.lists(st.sampled_from(range(len(COMMANDS))), min_size=1, max_size=6))
def test_no_command_escapes_through_symlinks(template: Path, links: list[tuple[str, str]],
                                             commands: list[int]) -> None:
    know = knowledge_name()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "repo"
        shutil.copytree(template, root, symlinks=True)
        out = sentinel(base)
        (base / "input.md").write_text("## Tasks\n- [ ] a\n\nVerdict: PASS\n")
        for spot, target in links:
            plant(root, out, spot.replace("KNOW", know), target)
        before = digest(out)
        for i in commands:
            args = [a.replace("INPUT", str(base / "input.md")).replace("KNOW", know) for a in COMMANDS[i]]
            r = run_inprocess("--root", str(root), *args)
            assert SECRET not in r.out and SECRET not in r.err, (links, args, r)
            assert "Traceback" not in r.err, (links, args, r)
        assert digest(out) == before, (links, [COMMANDS[i] for i in commands])
        git(root, "worktree", "prune")
