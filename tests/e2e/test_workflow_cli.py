"""The workflow commands end to end: `python -m cadence …` in temp git repos (real git, bare origin, fake gh)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from wfhelpers import FAKE_GH, GIT_ENV, PLAN, gh_calls, gh_respond, git  # noqa: E402


@pytest.fixture()
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {**os.environ, **GIT_ENV, "CADENCE_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "wf-cache"),
            "NO_COLOR": "1"}


@pytest.fixture()
def proj(tmp_path: Path, env: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    proc = subprocess.run([sys.executable, "-m", "cadence", "init", "--no-input"], cwd=root, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (root / "README.md").write_text("# demo\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    git(tmp_path, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(root, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(root, "push", "-q", "-u", "origin", "main")
    return root


def run(root: Path, env: dict[str, str], *args: str, stdin: str = "") -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "cadence", "--json", *args], cwd=root, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    out = json.loads(proc.stdout)
    return proc.returncode, out, proc.stderr


def human(root: Path, env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "cadence", *args], cwd=root, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def test_plan_loop_gate_finish_cycle(proj: Path, env: dict[str, str], tmp_path: Path) -> None:
    ghdir = tmp_path / "gh"
    ghdir.mkdir()
    (ghdir / "gh").write_text(FAKE_GH.format(python=sys.executable))
    (ghdir / "gh").chmod(0o755)
    env = {**env, "PATH": f"{ghdir}{os.pathsep}{env['PATH']}", "GH_FAKE_DIR": str(ghdir)}
    gh_respond(ghdir, {"pr list": {"stdout": []}, "pr create": {"stdout": "https://github.com/o/r/pull/1\n"}})
    # plan save from stdin with CRLF line endings
    code, out, _ = run(proj, env, "plan", "save", "--title", "Add login", "--type", "feature", "--issue", "5",
                       stdin=PLAN.replace("\n", "\r\n"))
    assert code == 0 and set(out["data"]) >= {"file", "title", "tasks"} and out["data"]["tasks"] == 2
    name = out["data"]["file"]
    code, out, _ = run(proj, env, "plan", "show", name)
    assert code == 0 and set(out["data"]) >= {"file", "frontmatter", "tasks"}
    assert out["data"]["frontmatter"]["issues"] == [5, 12]
    assert out["data"]["tasks"][0] == {"description": "Implement user model",
                                       "acceptance": ["schema has name and email", "email is validated"]}
    code, out, _ = run(proj, env, "plan", "commit", name)
    assert code == 0 and out["data"]["branch"] == "feature/add-login"
    # loop with evidence rules
    ok = f"{sys.executable} -c \"print('2 passed in 0.01s')\""
    code, out, _ = run(proj, env, "loop", "start", name, "--test", ok)
    assert code == 0
    assert set(out["data"]) >= {"plan", "current", "progress", "tasks"}
    assert set(out["data"]["progress"]) == {"total", "passed", "failed", "skipped", "pending"}
    code, out, _ = run(proj, env, "loop", "start", name, "--test", ok)
    assert code == 3 and out["error"]["code"] == "LOOP_ACTIVE"
    code, out, _ = run(proj, env, "loop", "report", "pass", "--detail", "x")
    assert code == 2 and out["error"]["code"] == "UNVERIFIED"
    code, out, _ = run(proj, env, "loop", "verify")
    assert code == 0 and out["data"]["evidence"][0]["counts"] == {"passed": 2, "failed": 0, "skipped": 0}
    ev = out["data"]["evidence"][0]
    assert set(ev) == {"at", "kind", "command", "exit_code", "duration_s", "counts", "tail"}
    code, out, _ = run(proj, env, "loop", "report", "pass", "--detail", "done")
    assert code == 0 and out["data"]["current"]["index"] == 1
    code, out, _ = run(proj, env, "loop", "report", "skip", "--detail", "later")
    assert code == 0 and out["data"]["current"] is None and out["data"]["progress"]["skipped"] == 1
    code, out, _ = run(proj, env, "loop", "summary")
    assert code == 0 and out["data"]["markdown"].startswith("## Implementation Loop")
    # scope and gate
    (proj / "src").mkdir()
    (proj / "src/login.py").write_text("x = 1\n")
    (proj / ".env").write_text("SECRET=1\n")
    code, out, _ = run(proj, env, "scope")
    assert code == 0 and out["data"]["scope"] == "high"
    assert set(out["data"]) == {"scope", "rationale", "agents", "files"}
    assert {"path": "src/login.py", "tier": "high", "rule": "security-token: login"} in out["data"]["files"]
    report = tmp_path / "security.md"
    report.write_text("### [LOW] naming\n**Verdict**: PASS\n")
    code, out, _ = run(proj, env, "gate", "summary", "--report", f"security={report}", "--report", "testing=-",
                       stdin="- [INFO] 2 passed\nVerdict: PASS\n")
    assert code == 0 and out["data"]["recommendation"] == "NO-GO"  # scope high: every reviewer is required
    assert out["data"]["missing"] == ["audit", "docs-writer", "perf", "devops"]
    allow = [a for m in out["data"]["missing"] for a in ("--allow-missing", m)]
    code, out, _ = run(proj, env, "gate", "summary", "--report", f"security={report}", "--report", "testing=-",
                       *allow, "--reason", "one-line change, reviewed together",
                       stdin="- [INFO] 2 passed\nVerdict: PASS\n")
    assert code == 0 and out["data"]["recommendation"] == "GO" and out["data"]["missing"] == []
    assert "one-line change" in (proj / ".cadence/decisions.jsonl").read_text()
    assert set(out["data"]) >= {"recommendation", "reports", "blockers", "pr_section"}
    code, shown, _ = run(proj, env, "gate", "show")
    assert shown["data"]["recommendation"] == "GO" and shown["data"]["pr_section"] == out["data"]["pr_section"]
    # finish
    code, out, _ = run(proj, env, "finish", "--message", "feat: login", "--issue", "9")
    assert code == 0, out
    d = out["data"]
    assert set(d) >= {"branch", "base", "commit", "pushed", "staged", "left_out", "pr"}
    assert d["branch"] == "feature/add-login" and d["base"] == "main" and d["pushed"] is True
    assert "src/login.py" in d["staged"] and ".env" in d["left_out"]
    assert d["pr"]["action"] == "created" and d["pr"]["url"] == "https://github.com/o/r/pull/1"
    assert set(d["pr"]) == {"url", "action", "command"}
    pushed = git(proj, "ls-remote", str(tmp_path / "origin.git"), "refs/heads/feature/add-login").split()[0]
    assert pushed == d["commit"]
    body = (ghdir / "body.md").read_text()
    for needle in ("## Summary", "## Implementation Loop", "## Quality Gate", "Closes #5", "Closes #9", "Closes #12"):
        assert needle in body
    assert any(c[:2] == ["pr", "create"] for c in gh_calls(ghdir))


def test_loop_stops_for_decision_cli(proj: Path, env: dict[str, str]) -> None:
    run(proj, env, "plan", "save", "--title", "T", "--type", "bugfix", stdin="- [ ] one\n- [ ] two\n")
    name = json.loads(human(proj, env, "--json", "plan", "list").stdout)["data"]["plans"][0]["file"]
    run(proj, env, "loop", "start", name, "--test", "false", "--max-retries", "1")
    code, out, _ = run(proj, env, "loop", "report", "fail", "--detail", "broken")
    assert code == 0 and out["data"]["blocked"] and out["data"]["current"]["status"] == "failed"
    code, out, _ = run(proj, env, "loop", "report", "pass")
    assert code == 4 and out["error"]["code"] == "DECISION_NEEDED"
    code, out, _ = run(proj, env, "loop", "status")
    assert out["data"]["current"]["index"] == 0
    code, out, _ = run(proj, env, "loop", "verify")
    assert code == 4
    p = human(proj, env, "loop", "status")
    assert "stopped for a decision" in p.stdout
    code, out, _ = run(proj, env, "loop", "retry")
    assert code == 0 and out["data"]["current"]["status"] == "in_progress"
    code, out, _ = run(proj, env, "loop", "verify")
    assert code == 2 and out["data"]["green"] is False
    code, out, _ = run(proj, env, "loop", "abort")
    assert code == 0 and out["data"]["aborted"]
    code, out, _ = run(proj, env, "loop", "resume")
    assert code == 0 and out["data"]["resume"]["interrupted"] is False


@pytest.mark.parametrize("args", [
    ("plan", "show", "../x"), ("plan", "show", "/etc/passwd"), ("plan", "delete", "$(touch pwned)"),
    ("plan", "commit", ";rm -rf ~"), ("plan", "show", "a\nb"), ("loop", "start", "../../x"),
    ("worktree", "create", "../x"), ("worktree", "create", "$(touch pwned)"), ("worktree", "remove", "../x"),
    ("branch", "create", "feature", "../x"), ("branch", "switch", ";rm -rf"), ("session", "show", "../../etc/passwd"),
    ("session", "save", "--summary", "s", "--plan", "../x"), ("worktree", "open", "a\nb"),
])
def test_hostile_names(proj: Path, env: dict[str, str], args: tuple[str, ...]) -> None:
    before = sorted(os.listdir(proj.parent))
    code, out, _ = run(proj, env, *args)
    assert code == 1 and out["ok"] is False, out
    assert sorted(os.listdir(proj.parent)) == before and not (proj / "pwned").exists()
    assert not (proj / ".worktrees").exists() or not any((proj / ".worktrees").iterdir())


def test_corrupt_files_clear_errors(proj: Path, env: dict[str, str]) -> None:
    (proj / ".cadence/loop.json").write_text("{broken")
    code, out, _ = run(proj, env, "loop", "status")
    assert code == 3 and out["error"]["code"] == "LOOP_CORRUPT" and "--force" in out["error"]["hint"]
    p = human(proj, env, "loop", "summary")
    assert p.returncode == 3 and "LOOP_CORRUPT" in p.stderr
    (proj / ".cadence/gate.json").write_text('{"recommendation": "MAYBE"}')
    code, out, _ = run(proj, env, "gate", "show")
    assert code == 3 and out["error"]["code"] == "GATE_CORRUPT"
    (proj / ".cadence/plans/2026-01-01-feature-bad.md").write_text("---\ntitle: [\n---\n")
    code, out, _ = run(proj, env, "plan", "show", "2026-01-01-feature-bad.md")
    assert code == 1 and out["error"]["code"] == "PLAN_INVALID"
    code, out, _ = run(proj, env, "plan", "show", "missing")
    assert code == 2 and out["error"]["code"] == "PLAN_NOT_FOUND"
    code, out, _ = run(proj, env, "gate", "summary")
    assert code == 1 and out["error"]["code"] == "NO_REPORTS"


def test_branch_worktree_docs_session_github_cli(proj: Path, env: dict[str, str], tmp_path: Path) -> None:
    (proj / "README.md").write_text("edited\n")
    code, out, _ = run(proj, env, "branch", "status")
    assert out["data"]["unstaged"] == ["README.md"] and out["data"]["staged"] == [] and out["data"]["protected"]
    p = human(proj, env, "branch", "status")
    assert "Unstaged (1)" in p.stdout and "PROTECTED" in p.stdout
    code, out, _ = run(proj, env, "branch", "create", "feature", "x")
    assert code == 0 and out["data"]["branch"] == "feature/x"
    code, out, _ = run(proj, env, "branch", "switch", "main")
    assert code == 2 and out["error"]["code"] == "DIRTY_TREE"
    code, out, _ = run(proj, env, "branch", "switch", "main", "--stash")
    assert code == 0 and out["data"]["stashed"]
    code, out, _ = run(proj, env, "worktree", "create", "wt1", "--type", "bugfix")
    assert code == 0 and out["data"]["branch"] == "bugfix/wt1"
    wt = Path(out["data"]["path"])
    code, out, _ = run(proj, env, "worktree", "list")
    assert any(w["name"] == "wt1" for w in out["data"]["worktrees"])
    (wt / "dirty.txt").write_text("x")
    code, out, _ = run(wt, env, "worktree", "remove", "wt1")
    assert code == 2 and out["error"]["code"] == "WORKTREE_NOT_SAFE"
    code, out, _ = run(wt, env, "worktree", "remove", "wt1", "--force", "--delete-branch")
    assert code == 0 and not wt.exists()
    code, out, _ = run(proj, env, "docs", "init")
    assert code == 0
    code, out, err = run(proj, env, "docs", "save", "--type", "feature", "--title", "Login", stdin="text\n")
    assert code == 0 and out["warnings"] and "mermaid" in out["warnings"][0]
    code, out, _ = run(proj, env, "docs", "list")
    assert out["data"]["docs"][0]["title"] == "Login"
    code, out, _ = run(proj, env, "session", "save", "--summary", "did things", "--decision", "d1")
    sid = out["data"]["id"]
    code, out, _ = run(proj, env, "session", "show", sid)
    assert code == 0 and "did things" in out["data"]["content"]
    only_git = tmp_path / "only-git"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    env2 = {**env, "PATH": str(only_git)}
    code, out, _ = run(proj, env2, "github", "status")
    assert code == 0 and out["data"]["gh"] is False
    code, out, _ = run(proj, env2, "github", "issues")
    assert code == 6 and out["error"]["code"] == "GH_MISSING"


def test_human_outputs(proj: Path, env: dict[str, str]) -> None:
    p = human(proj, env, "scope", "README.md", "src/auth.py")
    assert p.returncode == 0 and "Scope: HIGH" in p.stdout and "@security" in p.stdout
    p = human(proj, env, "gate", "summary", "--report", "testing=-", stdin="- [BLOCKING] broken\n")
    assert p.returncode == 0 and "NO-GO" in p.stdout and "Blockers" in p.stdout
    p = human(proj, env, "plan", "list")
    assert "No plans yet" in p.stdout
    p = human(proj, env, "finish", "-m", "x")
    assert p.returncode == 2 and "protected branch" in p.stderr
    for group in ("plan", "loop", "gate", "branch", "worktree", "docs", "session", "github"):
        assert human(proj, env, group, "--help").returncode == 0


def test_parallel_processes_never_overwrite(proj: Path, env: dict[str, str]) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "cadence", "--json", "plan", "save", "--title", "Same",
                               "--type", "feature"], cwd=proj, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    files = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        files.append(json.loads(out)["data"]["file"])
    assert len(set(files)) == 6
