"""finish into a bare origin (real push) with a fake gh on PATH; the GitHub commands through gh."""

from __future__ import annotations

from pathlib import Path

import pytest
from wfhelpers import PLAN, gh_calls, gh_respond, git, save_plan_file

from cadence.errors import CadenceError
from cadence.workflow import finish as fin
from cadence.workflow import github
from cadence.workflow.review import gate_summary


def _work(repo: Path, branch: str = "feature/add-login") -> None:
    git(repo, "switch", "-q", "-c", branch)
    (repo / "src").mkdir(exist_ok=True)
    (repo / "src/app.py").write_text("print('hi')\n")
    (repo / "README.md").write_text("# changed\n")


def _secrets(repo: Path) -> None:
    (repo / ".env").write_text("TOKEN=1\n")
    (repo / ".env.example").write_text("TOKEN=\n")
    (repo / "server.pem").write_text("-----BEGIN-----\n")
    (repo / "credentials-prod.json").write_text("{}")
    (repo / "id_rsa").write_text("key")


def test_finish_stages_safely_pushes_and_creates_pr(repo: Path, fake_gh: Path) -> None:
    plan = save_plan_file(repo)
    other = save_plan_file(repo, PLAN.replace("issues: [12]", "issues: [99]"), title="Unrelated newer plan")
    from cadence.workflow.plans import commit_plan
    commit_plan(repo, plan)  # creates feature/add-login and records branch: in the plan
    (repo / "src").mkdir()
    (repo / "src/app.py").write_text("x\n")
    _secrets(repo)
    from cadence.workflow.loop import report_loop, start_loop, verify_loop
    start_loop(repo, plan, test="true")
    verify_loop(repo)
    report_loop(repo, "pass", "")
    gate_summary(repo, [("testing", "**Verdict**: PASS")], "low")  # the one reviewer scope low requires
    (repo / ".worktrees/x").mkdir(parents=True)
    (repo / ".worktrees/x/f.txt").write_text("x")
    gh_respond(fake_gh, {"pr list": {"stdout": []}, "pr create": {"stdout": "https://github.com/o/r/pull/5\n"}})
    git(repo, "remote", "set-url", "origin", "https://github.com/o/r.git")
    git(repo, "remote", "set-url", "--push", "origin", str(repo.parent / "origin.git"))
    d = fin.finish(repo, "feat: login", issues=[3])
    assert d["branch"] == "feature/add-login" and d["base"] == "main" and d["pushed"]
    assert "src/app.py" in d["staged"] and f".cadence/plans/{other}" in d["staged"]
    for secret in (".env", "server.pem", "credentials-prod.json", "id_rsa"):
        assert secret in d["left_out"] and secret not in d["staged"]
    assert ".env.example" in d["staged"]
    assert not any(p.startswith(".worktrees") for p in d["staged"])
    assert ".cadence/loop.json" not in d["staged"] and ".cadence/gate.json" not in d["staged"]
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == sorted(d["staged"])
    remote_head = git(repo, "ls-remote", str(repo.parent / "origin.git"), "refs/heads/feature/add-login").split()[0]
    assert remote_head == d["commit"]
    assert d["pr"] == {"url": "https://github.com/o/r/pull/5", "action": "created", "command": d["pr"]["command"]}
    calls = gh_calls(fake_gh)
    create = next(c for c in calls if c[:2] == ["pr", "create"])
    assert create[create.index("--base") + 1] == "main" and "--draft" not in create
    body = (fake_gh / "body.md").read_text()
    assert "## Summary" in body and "Users can log in." in body and "## Implementation Loop" in body
    assert "## Quality Gate" in body and "Closes #3" in body and "Closes #12" in body
    assert "Closes #99" not in body  # [FIX] never the newest unrelated plan
    listing = next(c for c in calls if c[:2] == ["pr", "list"])
    assert listing[listing.index("--state") + 1] == "open"  # [FIX] closed/merged PRs don't count


def test_finish_updates_open_pr(repo: Path, fake_gh: Path) -> None:  # [FIX] existing PR body never updated
    _work(repo)
    gh_respond(fake_gh, {"pr list": {"stdout": [{"number": 8, "url": "https://github.com/o/r/pull/8"}]}})
    d = fin.finish(repo, "fix: thing", title="New title")
    assert d["pr"]["action"] == "updated" and d["pr"]["url"].endswith("/8")
    edit = next(c for c in gh_calls(fake_gh) if c[:2] == ["pr", "edit"])
    assert edit[2] == "8" and "--body-file" in edit and edit[edit.index("--title") + 1] == "New title"
    assert not any(c[:2] == ["pr", "create"] for c in gh_calls(fake_gh))


def test_finish_without_gh_prints_command(repo: Path, no_gh: None) -> None:
    _work(repo)
    d = fin.finish(repo, "feat: x", draft=True)
    assert d["pushed"] and d["pr"]["action"] == "none" and d["pr"]["url"] is None
    assert d["pr"]["command"].startswith("gh pr create --base main --head feature/add-login")
    assert "--draft" in d["pr"]["command"] and f"--body-file {d['body_file']}" in d["pr"]["command"]
    assert Path(d["body_file"]).is_file() and ".git" in Path(d["body_file"]).parts
    assert "cadence-pr-body" not in git(repo, "status", "--porcelain", "--untracked-files=all")


def test_finish_unauthenticated_gh(repo: Path, fake_gh: Path) -> None:
    _work(repo)
    gh_respond(fake_gh, {"auth status": {"exit": 1, "stderr": "You are not logged into any GitHub hosts."}})
    d = fin.finish(repo, "feat: x")
    assert d["pushed"] and d["pr"]["action"] == "none"
    assert any("not authenticated" in w for w in d["warnings"])


def test_finish_refuses_protected_and_no_go(repo: Path, no_gh: None) -> None:
    with pytest.raises(CadenceError) as e:
        fin.finish(repo, "x")
    assert e.value.code == "PROTECTED_BRANCH" and e.value.exit_code == 2
    _work(repo)
    gate_summary(repo, [("testing", "- [BLOCKING] tests fail")])
    with pytest.raises(CadenceError) as e:
        fin.finish(repo, "x")
    assert e.value.code == "GATE_NO_GO" and e.value.exit_code == 2
    assert git(repo, "status", "--porcelain")  # nothing was committed
    d = fin.finish(repo, "x", force=True, push=False)
    assert not d["pushed"] and d["pr"]["action"] == "none"


def test_finish_warns_without_gate_and_base_detection(repo: Path, no_gh: None) -> None:
    git(repo, "branch", "-m", "main", "master")
    git(repo, "push", "-q", "origin", "master")
    git(repo, "update-ref", "-d", "refs/remotes/origin/main")
    # origin's own HEAD still names main (which exists there): that is origin's default branch
    _work(repo)
    assert fin.finish(repo, "x", push=False)["base"] == "main"
    # once origin's default moves to master (and main is gone there), master is the base
    origin = Path(git(repo, "remote", "get-url", "origin").strip())
    git(origin, "symbolic-ref", "HEAD", "refs/heads/master")
    git(origin, "branch", "-D", "main")
    d = fin.finish(repo, "x", push=False)
    assert d["base"] == "master"
    assert any("no quality gate ran" in w for w in d["warnings"])
    assert fin.finish(repo, "y", base="develop", push=False)["base"] == "develop"


def test_finish_inside_worktree_detects_base(repo: Path, no_gh: None) -> None:  # [FIX] "main" hard-coded
    from cadence.workflow.worktrees import create_worktree
    git(repo, "branch", "-m", "main", "trunk")
    git(repo, "push", "-q", "origin", "trunk")
    git(repo, "update-ref", "-d", "refs/remotes/origin/main")
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    wt = Path(create_worktree(repo, "feat")["path"])
    (wt / "new.py").write_text("x = 1\n")
    d = fin.finish(wt, "feat: in worktree")
    assert d["base"] == "trunk" and d["branch"] == "feature/feat" and d["pushed"]
    assert d["staged"] == ["new.py"] or "new.py" in d["staged"]


def test_finish_no_plan_uses_commit_log(repo: Path, no_gh: None) -> None:
    save_plan_file(repo)  # a plan for another branch: must not be attached
    _work(repo, "hotfix/urgent")
    d = fin.finish(repo, "fix: urgent")
    body = Path(d["body_file"]).read_text()
    assert d["plan"] is None and "## Changes" in body and "fix: urgent" in body and "Closes #12" not in body


def test_finish_message_required_and_no_origin(repo: Path, no_gh: None) -> None:
    _work(repo)
    with pytest.raises(CadenceError) as e:
        fin.finish(repo, None, push=False)
    assert e.value.code == "MESSAGE_REQUIRED"
    git(repo, "remote", "remove", "origin")
    with pytest.raises(CadenceError) as e:
        fin.finish(repo, "x")
    assert e.value.code == "NO_ORIGIN"


def test_classify_path() -> None:
    assert fin.classify_path(".env.local") == "secret"
    assert fin.classify_path("config/.env") == "secret"
    assert fin.classify_path(".env.example") is None
    assert fin.classify_path("keys/deploy.key") == "secret"
    assert fin.classify_path("id_ed25519.pub") is None
    assert fin.classify_path(".cadence/sessions/x.md") == "runtime state"
    assert fin.classify_path(".cadence/plans/x.md") is None
    assert fin.classify_path(".worktrees/a/b") == "worktree"
    assert fin.classify_path("src/tokens.py") is None


# ---------------------------------------------------------------- github

def _github_remote(repo: Path, url: str = "https://github.com/acme/app.git") -> None:
    git(repo, "remote", "set-url", "origin", url)


def test_github_status(repo: Path, fake_gh: Path) -> None:
    _github_remote(repo, "git@github.acme.corp:team/app.git")
    d = github.github_status(repo)
    assert d == {"gh": True, "authenticated": True, "remote": "git@github.acme.corp:team/app.git", "github": True,
                 "host": "github.acme.corp", "owner": "team", "repo": "app", "enterprise": True}
    assert ["auth", "status", "--hostname", "github.acme.corp"] in gh_calls(fake_gh)
    gh_respond(fake_gh, {"auth status": {"exit": 1}})
    assert github.github_status(repo)["authenticated"] is False  # [FIX] unauthenticated is not success


def test_github_missing(repo: Path, no_gh: None) -> None:
    assert github.github_status(repo)["gh"] is False
    with pytest.raises(CadenceError) as e:
        github.list_issues(repo)
    assert e.value.code == "GH_MISSING" and e.value.exit_code == 6


def test_github_issues_limit_and_filters(repo: Path, fake_gh: Path) -> None:
    _github_remote(repo)
    gh_respond(fake_gh, {"issue list": {"stdout": [
        {"number": 1, "title": "Bug", "state": "OPEN", "labels": [{"name": "bug"}], "assignees": [{"login": "amy"}],
         "milestone": {"title": "v1"}, "body": "b", "url": "u", "createdAt": "c", "updatedAt": "d"}]}})
    d = github.list_issues(repo, "all", ["bug", "p1"], "amy", "v1", 500)
    assert d["limit"] == 100 and d["issues"][0]["labels"] == ["bug"] and d["issues"][0]["assignees"] == ["amy"]
    assert d["issues"][0]["milestone"] == "v1"
    call = [c for c in gh_calls(fake_gh) if c[:2] == ["issue", "list"]][-1]
    assert call[call.index("--limit") + 1] == "100" and call.count("--label") == 2
    assert call[call.index("--repo") + 1] == "acme/app" and call[call.index("--state") + 1] == "all"
    github.list_issues(repo, limit=0)
    call = [c for c in gh_calls(fake_gh) if c[:2] == ["issue", "list"]][-1]
    assert call[call.index("--limit") + 1] == "1"
    gh_respond(fake_gh, {"issue list": {"exit": 1, "stderr": "HTTP 502"}})
    with pytest.raises(CadenceError) as e:
        github.list_issues(repo)
    assert e.value.exit_code == 6 and "HTTP 502" in e.value.message


def test_github_projects_status_filter_before_limit(repo: Path, fake_gh: Path) -> None:  # [FIX]
    _github_remote(repo)
    items = [{"title": f"t{i}", "status": "Done" if i < 5 else "In Progress",
              "content": {"type": "PullRequest" if i % 2 else "Issue", "number": i}} for i in range(10)]
    gh_respond(fake_gh, {"project item-list": {"stdout": {"items": items}},
                         "project list": {"stdout": {"projects": [{"number": 1, "title": "Roadmap"}]}}})
    d = github.list_projects(repo, 1, "progress", 3)
    assert [i["title"] for i in d["items"]] == ["t5", "t6", "t7"]
    assert d["items"][0]["type"] == "PULL_REQUEST" and d["items"][1]["type"] == "ISSUE"
    assert github.list_projects(repo)["projects"][0]["title"] == "Roadmap"


def test_issue_to_plan(repo: Path, fake_gh: Path) -> None:
    _github_remote(repo)
    gh_respond(fake_gh, {"issue view": {"stdout": {"number": 42, "title": "Crash on save", "labels": [{"name": "bug"}],
                                                   "body": "It crashes.\n- [ ] reproduce\n- [ ] fix", "url": "u"}}})
    d = github.issue_to_plan(repo, 42)
    assert d["type"] == "bugfix" and d["issues"] == [42] and d["tasks"] == 2
    from cadence.workflow.plans import show_plan
    assert show_plan(repo, d["file"])["frontmatter"]["issues"] == [42]


def test_finish_pr_lookup_failure_still_creates(repo: Path, fake_gh: Path) -> None:
    _work(repo)
    gh_respond(fake_gh, {"pr list": {"exit": 1, "stderr": "unknown flag"},
                         "pr create": {"stdout": {"url": "https://github.com/o/r/pull/3"}}})
    d = fin.finish(repo, "feat: x", draft=True)
    assert d["pr"]["action"] == "created" and d["pr"]["url"] == "https://github.com/o/r/pull/3"
    create = next(c for c in gh_calls(fake_gh) if c[:2] == ["pr", "create"])
    assert "--draft" in create


def test_finish_closed_pr_is_not_updated(repo: Path, fake_gh: Path) -> None:
    _work(repo)
    gh_respond(fake_gh, {"pr list": {"stdout": [{"number": 2, "url": "u", "state": "MERGED"}]},
                         "pr create": {"stdout": "Creating…\nhttps://github.com/o/r/pull/4\n"}})
    d = fin.finish(repo, "feat: x")
    assert d["pr"]["action"] == "created" and d["pr"]["url"].endswith("/4")


def test_finish_pr_create_failure_is_exit_6_after_push(repo: Path, fake_gh: Path) -> None:
    _work(repo)
    gh_respond(fake_gh, {"pr list": {"stdout": []}, "pr create": {"exit": 1, "stderr": "GraphQL: base invalid"}})
    with pytest.raises(CadenceError) as e:
        fin.finish(repo, "feat: x")
    assert e.value.exit_code == 6 and "gh pr create" in e.value.hint
    assert e.value.data["pushed"] is True


@pytest.mark.parametrize("plan", ["../x", "$(touch pwned)", "missing-plan"])
def test_finish_plan_validated_before_commit(repo: Path, no_gh: None, plan: str) -> None:
    _work(repo)
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(CadenceError):
        fin.finish(repo, "x", plan=plan)
    assert git(repo, "rev-parse", "HEAD") == head and not (repo / "pwned").exists()


def test_finish_explicit_plan(repo: Path, no_gh: None) -> None:
    name = save_plan_file(repo)
    _work(repo, "feature/other-name")
    d = fin.finish(repo, "x", plan=name, push=False)
    assert d["plan"] == name and d["issues"] == [12]
