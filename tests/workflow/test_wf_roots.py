"""Which project a command acts on: a linked worktree acts on itself (issue 9 item 7), discovery stops at the
current git repository's top level (hostile D17), and outside git the workflow says "not a git repository"."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from wfhelpers import PLAN, cadence, cadence_json, git


@pytest.fixture()
def split(tmp_path: Path) -> tuple[Path, Path]:
    """A main tree initialised after its first commit (so `.cadence/` is not committed) and a linked worktree
    made by plain git under `.worktrees/w`: the main tree has `.cadence/`, the worktree has none."""
    main = tmp_path / "proj"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    (main / "README.md").write_text("# p\n")
    git(main, "add", "-A")
    git(main, "commit", "-q", "-m", "first")
    proc = cadence("init", "--no-input", cwd=main)
    assert proc.returncode == 0, proc.stderr
    (main / ".cadence/config.yml").write_text((main / ".cadence/config.yml").read_text())
    git(main, "worktree", "add", "-q", "-b", "feature/w", str(main / ".worktrees/w"))
    wt = main / ".worktrees/w"
    assert not (wt / ".cadence").exists() and (main / ".cadence").is_dir()
    return main, wt


def _status_of(main: Path) -> str:
    return git(main, "status", "--porcelain", "--untracked-files=all")


def test_branch_status_in_a_worktree_names_its_branch(split: tuple[Path, Path]) -> None:
    main, wt = split
    (wt / "src").mkdir()
    (wt / "src/a.py").write_text("a = 1\n")
    code, out = cadence_json("branch", "status", cwd=wt / "src")
    assert code == 0, out
    d = out["data"]
    assert d["branch"] == "feature/w" and d["worktree"] == "linked"
    assert d["untracked"] == ["src/a.py"]
    assert Path(d["main_root"]).resolve() == main.resolve()


def test_finish_in_a_worktree_commits_only_the_worktree_change(split: tuple[Path, Path]) -> None:
    main, wt = split
    main_head = git(main, "rev-parse", "HEAD").strip()
    before_main = _status_of(main)
    (main / "main_change.txt").write_text("main tree work\n")
    (wt / "wt_change.py").write_text("x = 1\n")
    code, out = cadence_json("finish", "-m", "feat: worktree work", "--no-push", cwd=wt)
    assert code == 0, out
    d = out["data"]
    assert d["branch"] == "feature/w" and d["staged"] == ["wt_change.py"]
    assert git(wt, "show", "--name-only", "--format=", "feature/w").split() == ["wt_change.py"]
    assert git(main, "rev-parse", "HEAD").strip() == main_head  # main's branch did not move
    assert _status_of(main) == before_main + "?? main_change.txt\n" or \
        set(_status_of(main).splitlines()) == set(before_main.splitlines()) | {"?? main_change.txt"}
    assert git(main, "branch", "--show-current").strip() == "main"


def test_scope_and_loop_in_a_worktree(split: tuple[Path, Path]) -> None:
    main, wt = split
    (main / "src").mkdir()
    (main / "src/auth.py").write_text("x\n")  # high in the main tree: must not count in the worktree
    (wt / "notes.md").write_text("n\n")
    code, out = cadence_json("scope", cwd=wt)
    assert code == 0 and out["data"]["scope"] == "trivial", out
    assert [f["path"] for f in out["data"]["files"]] == ["notes.md"]
    # the worktree sees the repository's plans; its loop state is its own
    code, out = cadence_json("plan", "save", "--title", "Add login", input_text=PLAN, cwd=main)
    assert code == 0, out
    plan = out["data"]["file"]
    code, out = cadence_json("plan", "list", cwd=wt)
    assert code == 0 and [p["file"] for p in out["data"]["plans"]] == [plan], out
    code, out = cadence_json("loop", "start", plan, "--test", "true", cwd=wt)
    assert code == 0, out
    assert (wt / ".cadence/loop.json").is_file() and not (main / ".cadence/loop.json").exists()
    # finish leaves the copied plan and config (the main tree's work) and the loop state out
    code, out = cadence_json("finish", "-m", "feat", "--no-push", cwd=wt)
    assert code == 0, out
    assert out["data"]["staged"] == ["notes.md"]
    reasons = {e["path"]: e["reason"] for e in out["data"]["left_out_reasons"]}
    assert reasons[f".cadence/plans/{plan}"] == "copy of the main tree's file"


def test_worktree_config_comes_from_the_main_tree(split: tuple[Path, Path]) -> None:
    main, wt = split
    cfg = main / ".cadence/config.yml"
    text = cfg.read_text()
    assert "protected-branches: [main, master, develop, production, staging]" in text
    cfg.write_text(text.replace("protected-branches: [main, master,", "protected-branches: [feature/w, main, master,"))
    code, out = cadence_json("branch", "status", cwd=wt)
    assert code == 0 and out["data"]["protected"] is True, out
    code, out = cadence_json("finish", "-m", "x", "--no-push", cwd=wt)
    assert code == 2 and out["error"]["code"] == "PROTECTED_BRANCH"


def test_mcp_server_started_in_a_worktree_acts_on_it(split: tuple[Path, Path]) -> None:
    mcp = pytest.importorskip("mcp")
    main, wt = split
    (main / "main_change.txt").write_text("m\n")
    (wt / "wt_change.py").write_text("w = 1\n")

    async def go() -> tuple[dict, dict]:
        params = mcp.StdioServerParameters(command=sys.executable, args=["-m", "cadence", "mcp", "--tools", "all"],
                                           env={**os.environ, "NO_COLOR": "1"}, cwd=str(wt))
        async with mcp.stdio_client(params) as (r, w), mcp.ClientSession(r, w) as s:
            await s.initialize()
            status = await s.call_tool("branch_status", {})
            done = await s.call_tool("task_finalize", {"message": "feat: w", "push": False})
            assert not status.is_error and not done.is_error, (status, done)
            return status.structured_content or {}, done.structured_content or {}

    status, done = asyncio.run(go())
    assert status["branch"] == "feature/w"
    assert done["branch"] == "feature/w" and done["staged"] == ["wt_change.py"]
    assert git(main, "show", "--name-only", "--format=", "feature/w").split() == ["wt_change.py"]
    assert "?? main_change.txt" in _status_of(main)


# ---------------------------------------------------------------- nested repositories (D17)

@pytest.fixture()
def nested(repo: Path) -> Path:
    inner = repo / "vendor/lib"
    inner.mkdir(parents=True)
    git(inner, "init", "-q", "-b", "main")
    (inner / "lib.py").write_text("x = 1\n")
    git(inner, "add", "-A")
    git(inner, "commit", "-q", "-m", "lib")
    return inner


def test_nested_repository_is_not_the_outer_project(repo: Path, nested: Path) -> None:
    state = (repo / ".cadence/state.json").read_bytes()
    code, out = cadence_json("skip", "create-vision", "--reason", "r", cwd=nested)
    assert code == 2 and out["error"]["code"] == "NOT_INITIALIZED", out
    assert (repo / ".cadence/state.json").read_bytes() == state
    code, out = cadence_json("branch", "status", cwd=nested)
    assert code == 0 and out["data"]["branch"] == "main" and out["data"]["clean"], out
    proc = cadence("init", "--no-input", cwd=nested)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (nested / ".cadence/config.yml").is_file()
    assert (repo / ".cadence/state.json").read_bytes() == state


def test_submodule_is_its_own_repository(repo: Path, nested: Path, tmp_path: Path) -> None:
    """A submodule's `.git` is a file like a linked worktree's; it is still a repository of its own."""
    sub_src = tmp_path / "subsrc"
    subprocess.run(["cp", "-r", str(nested), str(sub_src)], check=True)
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub_src), "mods/sub")
    code, out = cadence_json("plan", "save", "--title", "Sub plan", input_text=PLAN, cwd=repo / "mods/sub")
    assert code == 0, out
    assert (repo / "mods/sub/.cadence/plans" / out["data"]["file"]).is_file()
    assert not (repo / ".cadence/plans" / out["data"]["file"]).exists()


# ---------------------------------------------------------------- outside git (newcomer m11)

@pytest.mark.parametrize("args", [("plan", "list"), ("loop", "status"), ("scope",), ("branch", "status"),
                                  ("finish", "-m", "x", "--no-push"), ("session", "list"), ("gate", "show"),
                                  ("gate", "summary", "--report", "testing=-"),
                                  ("plan", "save", "--title", "T")])
def test_outside_git_every_workflow_command_says_not_a_git_repo(tmp_path: Path, args: tuple[str, ...]) -> None:
    d = tmp_path / "plain"
    d.mkdir()
    code, out = cadence_json(*args, cwd=d, input_text=PLAN)
    assert code == 2 and out["error"]["code"] == "NOT_A_GIT_REPO", out
    assert "git init" in out["error"]["hint"]
    assert not (d / ".cadence").exists()


def test_mcp_outside_git_says_not_a_git_repo(tmp_path: Path) -> None:
    from cadence.mcp.tools import TOOLS, validate
    d = tmp_path / "plain"
    d.mkdir()
    for name, args in (("plan_list", {}), ("repl_status", {}), ("plan_save", {"content": PLAN})):
        t = TOOLS[name]
        with pytest.raises(Exception) as e:
            t.handler(d, validate(t, args))
        assert getattr(e.value, "code", None) == "NOT_A_GIT_REPO", (name, e.value)
    assert json.dumps({}) == "{}"
