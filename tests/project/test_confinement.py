"""A repository that carries symlinks never leads cadence outside it (hostile findings D1–D3, D13, D14, D16)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import git, run_inprocess

SECRET = "root:x:0:0:OUTSIDE-SECRET-CONTENT\n"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "i")
    r = run_inprocess("--root", str(root), "init", "--auto", "--methodology", "mvp")
    assert r.code == 0, r
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    d = tmp_path / "outside"
    d.mkdir()
    (d / "victim").write_text(SECRET)
    return d


def digest(d: Path) -> str:
    """Contents, modes and listing of a directory tree (symlinks by target)."""
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        st = p.lstat()
        h.update(f"{p.relative_to(d)}|{oct(st.st_mode)}".encode())
        if p.is_symlink():
            h.update(os.readlink(p).encode())
        elif p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def cad(root: Path, *args: str) -> object:
    return run_inprocess("--root", str(root), *args)


def refused(r: object, link: str) -> None:
    assert r.code == 3, r  # type: ignore[attr-defined]
    assert "UNSAFE_PATH" in r.err or "UNSAFE_PATH" in r.out, r  # type: ignore[attr-defined]
    assert link in r.err + r.out, r  # type: ignore[attr-defined]
    assert "OUTSIDE-SECRET" not in r.err + r.out  # type: ignore[attr-defined]


def test_lock_symlink_never_truncates_the_target(proj: Path, outside: Path) -> None:
    lock = proj / ".cadence/.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(outside / "victim")
    before = digest(outside)
    r = cad(proj, "skip", "create-vision", "--reason", "x")
    refused(r, ".cadence/.lock")
    assert (outside / "victim").read_text() == SECRET and digest(outside) == before


def test_dangling_lock_link_out_creates_nothing(proj: Path, outside: Path) -> None:
    lock = proj / ".cadence/.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(outside / "new-file")
    refused(cad(proj, "decisions", "add", "x"), ".cadence/.lock")
    assert not (outside / "new-file").exists()


def test_lock_that_is_a_directory_is_exit_3(proj: Path) -> None:
    lock = proj / ".cadence/.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    r = cad(proj, "skip", "create-vision", "--reason", "x")
    assert r.code == 3 and "LOCK_INVALID" in r.err and ".cadence/.lock" in r.err, r


def test_lock_held_by_another_program_says_so(proj: Path) -> None:
    lock = proj / ".cadence/.lock"
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl,os,sys,time\n"
                               "fd=os.open(sys.argv[1],os.O_RDWR|os.O_CREAT)\nfcntl.flock(fd,fcntl.LOCK_EX)\n"
                               "print('ok',flush=True)\ntime.sleep(30)", str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        r = cad(proj, "skip", "create-vision", "--reason", "x", "--wait", "0.2")
        assert r.code == 3 and "LOCK_HELD" in r.err, r
        assert "another program" in r.err and "None" not in r.err, r
    finally:
        holder.kill()
        holder.wait()


def test_symlinked_cadence_dir_is_refused_for_writes(proj: Path, outside: Path) -> None:
    real = proj / ".cadence"
    moved = outside / "cadence-copy"
    real.rename(moved)
    real.symlink_to(moved)
    before = digest(outside)
    for args in (["skip", "create-vision", "--reason", "x"], ["decisions", "add", "d"],
                 ["session", "save", "--summary", "s"], ["status"]):
        r = cad(proj, *args)
        refused(r, ".cadence")
    assert digest(outside) == before


@pytest.mark.parametrize("sub,args", [
    ("plans", ["plan", "save", "--title", "Evil", "--file", "PLAN"]),
    ("sessions", ["session", "save", "--summary", "s"]),
    ("knowledge", ["knowledge", "override", "KNOWLEDGE"]),
])
def test_symlinked_cadence_subdirs_are_refused(proj: Path, outside: Path, tmp_path: Path, sub: str,
                                               args: list[str]) -> None:
    from cadence.content.loader import knowledge_index
    d = proj / ".cadence" / sub
    if d.exists():
        os.rmdir(d)
    d.symlink_to(outside)
    (tmp_path / "plan.md").write_text("## Tasks\n- [ ] a\n")
    args = [a.replace("PLAN", str(tmp_path / "plan.md")).replace("KNOWLEDGE", sorted(knowledge_index()["entries"])[0])
            for a in args]
    before = digest(outside)
    refused(cad(proj, *args), f".cadence/{sub}")
    assert digest(outside) == before


def test_session_retention_never_deletes_outside(proj: Path, outside: Path) -> None:
    (outside / "20200101-000000-abcd.md").write_text("keep me")
    d = proj / ".cadence/sessions"
    if d.exists():
        os.rmdir(d)
    d.symlink_to(outside)
    cfg = proj / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("retention: 50", "retention: 1"))
    before = digest(outside)
    refused(cad(proj, "session", "save", "--summary", "s"), ".cadence/sessions")
    assert digest(outside) == before


def test_retention_removes_a_link_not_its_target(proj: Path, outside: Path) -> None:
    d = proj / ".cadence/sessions"
    d.mkdir(exist_ok=True)
    (outside / "note.md").write_text("keep me")
    (d / "20200101-000000-abcd.md").symlink_to(outside / "note.md")
    cfg = proj / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("retention: 50", "retention: 1"))
    r = cad(proj, "--json", "session", "save", "--summary", "s")
    assert r.code == 0, r
    assert r.json["data"]["removed"] == ["20200101-000000-abcd"]
    assert (outside / "note.md").read_text() == "keep me"


def test_decisions_jsonl_link_is_never_appended_to(proj: Path, outside: Path) -> None:
    f = proj / ".cadence/decisions.jsonl"
    f.unlink()
    f.symlink_to(outside / "victim")
    refused(cad(proj, "decisions", "add", "x"), ".cadence/decisions.jsonl")
    refused(cad(proj, "decisions", "list"), ".cadence/decisions.jsonl")
    assert (outside / "victim").read_text() == SECRET


@pytest.mark.parametrize("args", [["docs", "init"], ["docs", "index"],
                                  ["docs", "save", "--type", "decision", "--title", "T", "--file", "DOC"]])
def test_symlinked_docs_dir_is_refused(proj: Path, outside: Path, tmp_path: Path, args: list[str]) -> None:
    (proj / "docs").symlink_to(outside)
    (tmp_path / "doc.md").write_text("body\n")
    before = digest(outside)
    r = cad(proj, *[a.replace("DOC", str(tmp_path / "doc.md")) for a in args])
    refused(r, "docs")
    assert digest(outside) == before


def test_symlinked_worktrees_dir_is_refused(proj: Path, outside: Path) -> None:
    (proj / ".worktrees").symlink_to(outside)
    before = digest(outside)
    refused(cad(proj, "worktree", "create", "evil"), ".worktrees")
    assert digest(outside) == before


def test_worktree_does_not_copy_a_plan_linked_out(proj: Path) -> None:
    plans = proj / ".cadence/plans"
    plans.mkdir(exist_ok=True)
    (plans / "2020-01-01-feature-x.md").symlink_to("/etc/passwd")
    (plans / "2020-01-01-feature-ok.md").write_text("---\ntitle: ok\n---\n# ok\n")
    r = cad(proj, "--json", "worktree", "create", "w1")
    assert r.code == 0, r
    wt = Path(r.json["data"]["path"])
    assert (wt / ".cadence/plans/2020-01-01-feature-ok.md").is_file()
    assert not os.path.lexists(wt / ".cadence/plans/2020-01-01-feature-x.md")
    assert any("2020-01-01-feature-x.md" in w for w in r.json["warnings"]), r


def test_session_show_and_list_never_print_a_linked_file(proj: Path, outside: Path) -> None:
    d = proj / ".cadence/sessions"
    d.mkdir(exist_ok=True)
    (d / "20200101-000000-abcd.md").symlink_to(outside / "victim")
    refused(cad(proj, "session", "show", "20200101-000000-abcd"), ".cadence/sessions/20200101-000000-abcd.md")
    r = cad(proj, "--json", "session", "list")
    assert r.code == 0 and "OUTSIDE-SECRET" not in r.out and "20200101" not in r.out, r


def test_state_link_out_is_refused_everywhere(proj: Path, outside: Path) -> None:
    (outside / "state.json").write_text(json.dumps({"schema": 1, "steps": {}, "secret": "OUTSIDE-SECRET"}))
    f = proj / ".cadence/state.json"
    f.unlink()
    f.symlink_to(outside / "state.json")
    before = digest(outside)
    refused(cad(proj, "status"), ".cadence/state.json")
    refused(cad(proj, "skip", "create-vision", "--reason", "x"), ".cadence/state.json")
    assert digest(outside) == before


def test_config_link_out_is_not_echoed(proj: Path, outside: Path) -> None:
    (outside / "c.yml").write_text("methodology: OUTSIDE-SECRET\n")
    f = proj / ".cadence/config.yml"
    f.unlink()
    f.symlink_to(outside / "c.yml")
    refused(cad(proj, "status"), ".cadence/config.yml")


def test_init_does_not_copy_a_linked_gitignore(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "r2"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").symlink_to(outside / "victim")
    r = run_inprocess("--root", str(root), "init", "--auto", "--methodology", "mvp")
    refused(r, ".gitignore")
    assert (root / ".gitignore").is_symlink() and (outside / "victim").read_text() == SECRET


def test_symlink_inside_the_repository_still_works(proj: Path) -> None:
    d = proj / "real-docs"
    d.mkdir()
    (proj / "docs").symlink_to("real-docs")
    assert cad(proj, "docs", "init").code == 0
    assert (d / "INDEX.md").is_file()


def test_names_with_a_trailing_newline_are_refused(proj: Path) -> None:
    r = cad(proj, "worktree", "create", "abc\n")
    assert r.code == 1 and "INVALID_NAME" in r.err, r
    assert not (proj / ".worktrees").exists()
    for plan in ("abc\n", "x.lock"):
        r = cad(proj, "session", "save", "--summary", "s", "--plan", plan)
        assert r.code in (1, 2) and ("INVALID_NAME" in r.err or "PLAN_NOT_FOUND" in r.err), r


def test_mcp_state_resource_refuses_links_and_directories(proj: Path, outside: Path) -> None:
    from mcp.shared.exceptions import MCPError

    from cadence.mcp.server import CadenceServer
    srv = CadenceServer("standard", str(proj))
    f = proj / ".cadence/state.json"
    f.unlink()
    f.symlink_to(outside / "victim")
    with pytest.raises(MCPError) as exc:
        srv.read("cadence://state")
    assert "UNSAFE_PATH" in exc.value.message and "OUTSIDE-SECRET" not in exc.value.message
    assert exc.value.data["code"] == "UNSAFE_PATH"
    f.unlink()
    f.mkdir()
    with pytest.raises(MCPError) as exc:
        srv.read("cadence://state")
    assert exc.value.data["code"] == "RESOURCE_UNREADABLE"


def test_mcp_docs_init_outside_a_repository_creates_nothing(tmp_path: Path) -> None:
    from cadence.mcp.server import CadenceServer
    home = tmp_path / "home"
    home.mkdir()
    res = CadenceServer("all", str(home)).call("docs_init", {})
    assert res.is_error and not (home / "docs").exists()


def test_crash_litter_is_ignored_reported_and_repaired(proj: Path) -> None:
    stale = time.time() - 3600
    litter = [proj / ".cadence/.state.json.deadbeef.tmp", proj / "docs/.INDEX.md.0badc0de.tmp"]
    (proj / "docs").mkdir(exist_ok=True)
    for p in litter:
        p.write_text("partial")
        os.utime(p, (stale, stale))
    init_dir = proj / ".cadence.init-abc123"
    init_dir.mkdir()
    (init_dir / "config.yml").write_text("x")
    os.utime(init_dir, (stale, stale))
    ignored = git(proj, "status", "--porcelain", "--ignored", "-uall")
    for rel in (".cadence/.state.json.deadbeef.tmp", "docs/.INDEX.md.0badc0de.tmp", ".cadence.init-abc123/"):
        assert f"!! {rel}" in ignored, ignored
    r = cad(proj, "--json", "doctor", "--no-server")
    checks = {c["name"]: c for c in r.json["data"]["checks"]} if r.code == 0 else \
        {c["name"]: c for c in r.json["error"].get("data", {}).get("checks", [])} if "error" in r.json else {}
    assert "3 temporary file(s)" in checks["leftovers"]["message"], r
    r = cad(proj, "--json", "doctor", "--repair", "--no-server")
    assert not any(p.exists() for p in [*litter, init_dir]), r


def test_next_write_removes_its_own_stale_temp_files(proj: Path) -> None:
    stale = time.time() - 3600
    old = proj / ".cadence/.state.json.abcdabcd.tmp"
    fresh = proj / ".cadence/.state.json.12341234.tmp"
    for p in (old, fresh):
        p.write_text("partial")
    os.utime(old, (stale, stale))
    assert cad(proj, "skip", "create-vision", "--reason", "x").code == 0
    assert not old.exists() and fresh.exists()  # a temp file of a write in flight is never touched


def test_finish_never_commits_crash_litter(proj: Path, tmp_path: Path) -> None:
    from cadence.workflow.finish import finish
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "init")
    git(proj, "remote", "add", "origin", str(origin))
    git(proj, "push", "-q", "origin", "main")
    git(proj, "switch", "-q", "-c", "feature/x")
    (proj / "app.py").write_text("print(1)\n")
    (proj / ".cadence.init-abc123").mkdir()
    (proj / ".cadence.init-abc123/config.yml").write_text("x: 1\n")
    (proj / ".cadence/.state.json.0badc0de.tmp").write_text("{")
    (proj / "docs").mkdir()
    (proj / "docs/.INDEX.md.deadbeef.tmp").write_text("partial")
    d = finish(proj, "feat: x", push=False, force=True)
    committed = git(proj, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == ["app.py"], (committed, d)
