"""Plans on disk in a real git repository: save, list, show, delete, commit, overlaps; hostile names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wfhelpers import PLAN, git, save_plan_file

from cadence.errors import CadenceError
from cadence.workflow import plans

HOSTILE = ["../x", "/etc/passwd", "$(touch pwned)", ";rm -rf ~", "a\nb", "..", ".", "", "a/b", "..\\x", "-rf"]


def test_save_keeps_content_frontmatter_with_flags_winning(repo: Path) -> None:
    r = plans.save_plan(repo, "Login v2", "bugfix", PLAN, [3])
    assert r["file"].endswith("-bugfix-login-v2.md") and r["tasks"] == 2
    shown = plans.show_plan(repo, r["file"])
    fm = shown["frontmatter"]
    assert fm["title"] == "Login v2" and fm["type"] == "bugfix" and fm["issues"] == [3, 12]
    assert fm["touches"] == ["src/auth/**"] and fm["status"] == "draft" and fm["created"]
    assert [t["description"] for t in shown["tasks"]] == ["Implement user model", "Add endpoint"]


def test_collisions_get_suffixes_and_slug_limit(repo: Path) -> None:  # [FIX] silent overwrite
    names = [plans.save_plan(repo, "Same title", "feature", "- [ ] x")["file"] for _ in range(3)]
    assert len(set(names)) == 3 and names[1].endswith("-2.md") and names[2].endswith("-3.md")
    long = plans.save_plan(repo, "word " * 40, "docs", "")["file"]
    assert len(long.split("-docs-", 1)[1][:-3]) <= 50


def test_list_newest_first_and_show_by_stem(repo: Path) -> None:
    a = save_plan_file(repo, title="Alpha")
    b = save_plan_file(repo, title="Beta")
    listed = plans.list_plans(repo)
    assert [e["file"] for e in listed] == [b, a]
    assert listed[0]["tasks"] == 2 and listed[0]["type"] == "feature"
    assert plans.show_plan(repo, a[:-3])["file"] == a


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_rejected(repo: Path, name: str) -> None:
    before = sorted(p.name for p in repo.parent.iterdir())
    for fn in (lambda: plans.show_plan(repo, name), lambda: plans.delete_plan(repo, name),
               lambda: plans.commit_plan(repo, name)):
        with pytest.raises(CadenceError) as e:
            fn()
        assert e.value.exit_code in (1, 2)
    assert sorted(p.name for p in repo.parent.iterdir()) == before
    assert not (repo / "pwned").exists()


def test_corrupt_plan_is_clear_error_and_listed_with_error(repo: Path) -> None:
    (repo / ".cadence/plans/2026-01-01-feature-bad.md").write_text("---\ntitle: [oops\n---\n")
    with pytest.raises(CadenceError) as e:
        plans.show_plan(repo, "2026-01-01-feature-bad.md")
    assert e.value.code == "PLAN_INVALID" and e.value.exit_code == 1
    assert plans.list_plans(repo)[0]["error"]


def test_delete_refuses_plan_of_active_loop(repo: Path) -> None:
    from cadence.workflow.loop import start_loop
    name = save_plan_file(repo)
    start_loop(repo, name, test="true")
    with pytest.raises(CadenceError) as e:
        plans.delete_plan(repo, name)
    assert e.value.code == "PLAN_IN_USE" and e.value.exit_code == 2
    assert plans.delete_plan(repo, name, force=True)["deleted"]


def test_commit_on_protected_branch_creates_branch_and_commits_only_plan(repo: Path) -> None:
    name = save_plan_file(repo)
    (repo / "other.txt").write_text("x")
    git(repo, "add", "other.txt")  # staged, must not be committed with the plan
    r = plans.commit_plan(repo, name)
    assert r["branch"] == "feature/add-login" and r["created_branch"] and not r["already_committed"]
    assert git(repo, "branch", "--show-current").strip() == "feature/add-login"
    files = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert files == [f".cadence/plans/{name}"]
    assert "other.txt" in git(repo, "diff", "--cached", "--name-only")
    assert plans.show_plan(repo, name)["frontmatter"]["branch"] == "feature/add-login"
    again = plans.commit_plan(repo, name)
    assert again["already_committed"] and again["commit"] == r["commit"]


def test_commit_dedups_branch_names(repo: Path) -> None:
    git(repo, "branch", "feature/add-login")
    name = save_plan_file(repo)
    r = plans.commit_plan(repo, name)
    assert r["branch"] == "feature/add-login-2"


def test_commit_stays_on_work_branch(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "bugfix/mine")
    name = save_plan_file(repo)
    r = plans.commit_plan(repo, name)
    assert r["branch"] == "bugfix/mine" and not r["created_branch"]


def test_commit_from_detached_head(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    name = save_plan_file(repo, PLAN.replace("type: feature", "type: architecture"))
    assert plans.commit_plan(repo, name)["branch"] == "refactor/add-login"


def test_overlaps(repo: Path) -> None:
    (repo / "src/auth").mkdir(parents=True)
    (repo / "src/auth/login.py").write_text("")
    (repo / "src/app.py").write_text("")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "src")
    save_plan_file(repo, title="One")
    save_plan_file(repo, PLAN.replace('touches: ["src/auth/**"]', 'touches: ["src/**/*.py"]'), title="Two")
    save_plan_file(repo, "---\ntouches: [docs/**]\n---\nSee `src/app.py`.\n", title="Three")
    done = PLAN.replace("type: feature", "type: feature\nstatus: done")
    save_plan_file(repo, done, title="Done")
    r = plans.overlaps(repo)
    pairs = {tuple(sorted(o["plans"])): o["files"] for o in r["overlaps"]}
    assert len(r["open_plans"]) == 3
    assert any(files == ["src/auth/login.py"] for files in pairs.values())
    assert any(files == ["src/app.py"] for files in pairs.values())
    json.dumps(r)


def test_concurrent_saves_never_overwrite(repo: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        names = list(pool.map(lambda _: plans.save_plan(repo, "Race", "feature", "- [ ] a")["file"], range(8)))
    assert len(set(names)) == 8
    assert len(list((repo / ".cadence/plans").glob("*-race*.md"))) == 8


def test_plan_without_frontmatter_and_crlf_file(repo: Path) -> None:
    r = plans.save_plan(repo, None, None, "# Plan: Implicit title\r\n\r\n## Tasks\r\n- [ ] one\r\n")
    assert r["title"] == "Implicit title" and r["tasks"] == 1 and r["type"] == "feature"
    with pytest.raises(CadenceError) as e:
        plans.save_plan(repo, None, None, "no title here")
    assert e.value.code == "TITLE_REQUIRED"
    with pytest.raises(CadenceError) as e:
        plans.save_plan(repo, "x", "epic", "")
    assert e.value.code == "PLAN_INVALID"
