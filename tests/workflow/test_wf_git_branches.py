"""vcs adapters and branches / worktrees against real git repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from wfhelpers import git

from cadence.errors import CadenceError
from cadence.vcs import git as vgit
from cadence.vcs.gh import parse_repo_url
from cadence.workflow import branches, worktrees

HOSTILE = ["../x", "/tmp/abs", "$(touch pwned)", ";rm -rf ~", "a\nb", "..", "a/b"]


def test_status_keeps_staged_unstaged_untracked_apart(repo: Path) -> None:  # [FIX] trimmed porcelain
    (repo / "README.md").write_text("changed\n")  # a lone unstaged edit: first entry, leading blank column
    st = branches.branch_status(repo)
    assert st["unstaged"] == ["README.md"] and st["staged"] == [] and st["untracked"] == []
    (repo / "new file.txt").write_text("x")
    (repo / "staged.txt").write_text("y")
    git(repo, "add", "staged.txt")
    st = branches.branch_status(repo)
    assert st["staged"] == ["staged.txt"] and st["untracked"] == ["new file.txt"]
    assert st["branch"] == "main" and st["protected"] and st["upstream"] == "origin/main"
    assert st["worktree"] == "main" and not st["clean"]


def test_parse_status_v2_rename_and_both() -> None:
    raw = ("1 MM N... 100644 100644 100644 a b both.txt\0"
           "2 R. N... 100644 100644 100644 a b R100 new.txt\0old.txt\0"
           "? un tracked.txt\0u UU N... 1 2 3 4 h1 h2 h3 conflict.txt\0")
    st = vgit.parse_status_v2(raw)
    assert st["staged"] == ["both.txt", "new.txt"] and st["unstaged"] == ["both.txt"]
    assert st["untracked"] == ["un tracked.txt"] and st["conflicted"] == ["conflict.txt"]


def test_ahead_behind(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "x")
    st = branches.branch_status(repo)
    assert (st["ahead"], st["behind"]) == (1, 0)


def test_protected_branches_from_config(repo: Path) -> None:  # [FIX] one place
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("[main, master, develop, production, staging]", "[trunk]"))
    assert branches.branch_status(repo)["protected"] is False
    assert branches.protected_branches(repo) == ["trunk"]


def test_create_and_switch(repo: Path) -> None:
    r = branches.create_branch(repo, "feature", "login-form")
    assert r["branch"] == "feature/login-form" and vgit.current_branch(repo) == "feature/login-form"
    with pytest.raises(CadenceError) as e:
        branches.create_branch(repo, "feature", "login-form")
    assert e.value.exit_code == 3
    (repo / "README.md").write_text("dirty\n")
    with pytest.raises(CadenceError) as e:
        branches.switch_branch(repo, "main")
    assert e.value.code == "DIRTY_TREE" and e.value.exit_code == 2
    r = branches.switch_branch(repo, "main", stash=True)
    assert r["stashed"] and vgit.current_branch(repo) == "main"
    assert "stash@{0}" in git(repo, "stash", "list")
    with pytest.raises(CadenceError) as e:
        branches.switch_branch(repo, "nope/missing")
    assert e.value.code == "BRANCH_NOT_FOUND"
    with pytest.raises(CadenceError):
        branches.create_branch(repo, "weird", "x")


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_branch_and_worktree_names(repo: Path, name: str) -> None:
    before = sorted(os.listdir(repo.parent))
    with pytest.raises(CadenceError):
        branches.create_branch(repo, "feature", name)
    with pytest.raises(CadenceError):
        worktrees.create_worktree(repo, name)
    with pytest.raises(CadenceError):
        worktrees.remove_worktree(repo, name, force=True)
    with pytest.raises(CadenceError):
        branches.switch_branch(repo, name if name != "a/b" else "-x")
    assert sorted(os.listdir(repo.parent)) == before and not (repo / "pwned").exists()
    assert not (repo / ".worktrees").exists() or not any((repo / ".worktrees").iterdir())


def test_worktree_create_includes_setup_and_plans(repo: Path) -> None:
    (repo / ".env").write_text("SECRET=1\n")
    (repo / "config").mkdir()
    (repo / "config/local.json").write_text("{}")
    (repo / ".worktreeinclude").write_text("# copy these\n.env\nconfig/*.json\n../outside\n")
    (repo / ".cadence/plans/2026-01-01-feature-x.md").write_text("---\ntitle: x\n---\n- [ ] a\n")
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("  sessions:", "  worktree:\n    setup: git status --short\n  sessions:"))
    d = worktrees.create_worktree(repo, "login")
    wt = Path(d["path"])
    assert wt == (repo / ".worktrees/login").resolve() and d["branch"] == "feature/login" and d["created_branch"]
    assert (wt / ".env").read_text() == "SECRET=1\n" and (wt / "config/local.json").exists()
    assert sorted(d["copied"]) == [".env", "config/local.json"]
    assert any("outside" in w for w in d["warnings"])
    assert d["setup"]["exit_code"] == 0
    assert (wt / ".cadence/plans/2026-01-01-feature-x.md").exists()
    assert vgit.current_branch(wt) == "feature/login"
    names = [w["name"] for w in worktrees.list_worktrees(repo)]
    assert "login" in names and any(w["main"] for w in worktrees.list_worktrees(repo))
    assert worktrees.open_worktree(repo, "login")["command"].endswith("&& claude")
    with pytest.raises(CadenceError) as e:
        worktrees.create_worktree(repo, "login")
    assert e.value.exit_code == 3


def test_worktree_existing_branch_and_from(repo: Path) -> None:
    git(repo, "branch", "bugfix/crash")
    d = worktrees.create_worktree(repo, "crash", "bugfix")
    assert not d["created_branch"]
    d = worktrees.create_worktree(repo, "other", "chore", from_ref="bugfix/crash")
    assert d["branch"] == "chore/other" and d["created_branch"]
    with pytest.raises(CadenceError):
        worktrees.create_worktree(repo, "bad", from_ref="no-such-ref")


def test_worktree_remove_refuses_dirty_and_unmerged(repo: Path) -> None:  # [FIX] silent force-remove
    d = worktrees.create_worktree(repo, "wip")
    wt = Path(d["path"])
    (wt / "work.txt").write_text("precious")
    with pytest.raises(CadenceError) as e:
        worktrees.remove_worktree(repo, "wip")
    assert e.value.code == "WORKTREE_NOT_SAFE" and e.value.exit_code == 2
    assert (wt / "work.txt").exists()
    git(wt, "add", "work.txt")
    git(wt, "commit", "-qm", "work")
    with pytest.raises(CadenceError) as e:
        worktrees.remove_worktree(repo, "wip", delete_branch=True)
    assert "not merged" in e.value.message
    assert vgit.branch_exists(repo, "feature/wip")
    r = worktrees.remove_worktree(repo, "wip", delete_branch=True, force=True)
    assert r["removed"] and r["branch_deleted"] and not wt.exists()


def test_worktree_remove_clean_from_inside(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # [FIX] 4.0.1
    (repo / ".cadence/plans/2026-01-01-feature-shared.md").write_text("- [ ] a\n")  # copied in, not dirt
    d = worktrees.create_worktree(repo, "inside")
    assert ".cadence/plans/2026-01-01-feature-shared.md" in d["shared"]
    wt = Path(d["path"])
    monkeypatch.chdir(wt)
    r = worktrees.remove_worktree(wt, "inside", delete_branch=True)
    assert r["removed"] and r["main_root"] == str(repo.resolve()) and not wt.exists()
    assert not vgit.branch_exists(repo, "feature/inside")


@pytest.mark.parametrize("url,expect", [
    ("https://github.com/o/r.git", ("github.com", "o", "r")),
    ("https://github.com/o/my.repo/", ("github.com", "o", "my.repo")),  # [FIX] dots, trailing slash
    ("https://user@github.com/o/r", ("github.com", "o", "r")),  # [FIX] user@
    ("ssh://git@github.com/o/r.git", ("github.com", "o", "r")),  # [FIX] ssh://
    ("ssh://git@github.com:2222/o/r.git", ("github.com", "o", "r")),
    ("git@github.com:o/r.git", ("github.com", "o", "r")),
    ("https://github.mycompany.com/team/svc.git", ("github.mycompany.com", "team", "svc")),
    ("git@github.corp.example:team/svc", ("github.corp.example", "team", "svc")),
    ("https://acme.ghe.com/a/b", ("acme.ghe.com", "a", "b")),
    ("https://notgithub.com/o/r", None), ("https://fakegithub.evil.com/o/r", None),
    ("https://mygithub.com/o/r", None), ("https://gitlab.com/o/r", None), ("https://github.com/o", None),
    ("/local/path/repo.git", None), ("", None),
])
def test_parse_repo_url(url: str, expect: tuple[str, str, str] | None) -> None:
    r = parse_repo_url(url)
    assert (None if r is None else (r["host"], r["owner"], r["name"])) == expect


def test_changed_files_and_base(repo: Path) -> None:
    from cadence.workflow.review import change_scope
    git(repo, "switch", "-q", "-c", "feature/x")
    (repo / "src").mkdir()
    (repo / "src/auth.py").write_text("x")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "auth")
    (repo / "notes.md").write_text("n")
    assert [f["path"] for f in change_scope(repo)["files"]] == ["notes.md"]
    r = change_scope(repo, base="main")
    assert [f["path"] for f in r["files"]] == ["src/auth.py"] and r["scope"] == "high"
    with pytest.raises(CadenceError) as e:
        change_scope(repo, base="no-such-branch")
    assert e.value.exit_code == 6
