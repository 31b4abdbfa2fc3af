"""After `finish`: the PR body ticks the tasks the loop passed and a finished plan moves to `status: done`
(newcomer m19); `branch create` slugifies a free-text title (newcomer m21)."""

from __future__ import annotations

from pathlib import Path

import pytest
from wfhelpers import git, save_plan_file

from cadence.core import plan as plancore
from cadence.errors import CadenceError
from cadence.workflow import branches
from cadence.workflow import finish as fin
from cadence.workflow.loop import report_loop, start_loop, verify_loop
from cadence.workflow.plans import commit_plan


def _plan_on_branch(repo: Path) -> str:
    plan = save_plan_file(repo)
    commit_plan(repo, plan)  # feature/add-login, recorded in the plan's branch:
    start_loop(repo, plan, test="true")
    (repo / "src").mkdir()
    (repo / "src/user.py").write_text("class User: ...\n")
    return plan


def _pass(repo: Path) -> None:
    verify_loop(repo)
    report_loop(repo, "pass", "")


def _status_in_head(repo: Path, plan: str) -> str:
    fm, _ = plancore.split_frontmatter(git(repo, "show", f"HEAD:.cadence/plans/{plan}"))
    return str((fm or {}).get("status"))


def test_finished_loop_ticks_every_task_and_marks_the_plan_done(repo: Path) -> None:
    plan = _plan_on_branch(repo)
    _pass(repo)
    _pass(repo)
    d = fin.finish(repo, "feat: login", push=False)
    body = Path(d["body_file"]).read_text()
    assert "- [x] Task 1: Implement user model" in body and "- [x] Task 2: Add endpoint" in body
    assert "- [ ]" not in body.split("## Tasks", 1)[1].split("\n## ", 1)[0]
    assert d["plan_done"] is True and _status_in_head(repo, plan) == "done"
    assert f".cadence/plans/{plan}" in d["staged"]
    assert git(repo, "status", "--porcelain", "--", ".cadence/plans") == ""
    # finishing again changes nothing more
    d = fin.finish(repo, None, push=False)
    assert d["plan_done"] is False and not d["committed"]


def test_partial_loop_ticks_only_passed_tasks_and_keeps_the_status(repo: Path) -> None:
    plan = _plan_on_branch(repo)
    _pass(repo)
    d = fin.finish(repo, "feat: part", push=False)
    body = Path(d["body_file"]).read_text()
    assert "- [x] Task 1: Implement user model" in body and "- [ ] Task 2: Add endpoint" in body
    assert d["plan_done"] is False and _status_in_head(repo, plan) == "draft"


def test_tick_tasks_leaves_a_changed_plan_alone() -> None:
    md = "## Summary\n\nx\n\n## Tasks\n\n- [ ] Task 1: a\n  - AC: y\n```\n- [ ] not a task\n```\n- [ ] Task 2: b\n"
    two = {"tasks": [{"status": "passed"}, {"status": "failed"}]}
    assert fin.tick_tasks(md, two) == md.replace("- [ ] Task 1", "- [x] Task 1")
    three = {"tasks": [{"status": "passed"}] * 3}
    assert fin.tick_tasks(md, three) == md


@pytest.mark.parametrize(("title", "branch"), [("Receipts PDF!", "feature/receipts-pdf"),
                                               ("Fix #12, the login", "feature/fix-12-the-login"),
                                               ("Café menu", "feature/cafe-menu")])
def test_branch_create_slugifies_a_title(repo: Path, title: str, branch: str) -> None:
    assert branches.create_branch(repo, "feature", title)["branch"] == branch
    git(repo, "switch", "-q", "main")


@pytest.mark.parametrize("name", ["$(touch pwned)", ";rm -rf ~", "../x", "a/b", "x.. y", "日本"])
def test_branch_create_still_refuses_what_is_not_a_title(repo: Path, name: str) -> None:
    with pytest.raises(CadenceError) as e:
        branches.create_branch(repo, "feature", name)
    assert e.value.exit_code == 1
