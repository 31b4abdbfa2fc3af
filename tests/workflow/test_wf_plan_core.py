"""Plan parsing (pure): frontmatter LF/CRLF, first-match sections, tasks and ACs, slugs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfhelpers import PLAN

from cadence.core import plan as core


def test_parse_lf_plan() -> None:
    p = core.parse_plan(PLAN)
    assert p["title"] == "Add login"
    assert p["issues"] == [12]
    assert p["touches"] == ["src/auth/**"]
    assert [t["description"] for t in p["tasks"]] == ["Implement user model", "Add endpoint"]
    assert p["tasks"][0]["acceptance"] == ["schema has name and email", "email is validated"]


def test_crlf_plan_keeps_frontmatter_and_tasks() -> None:  # [FIX] CRLF lost frontmatter and every task
    p = core.parse_plan(PLAN.replace("\n", "\r\n"))
    assert p["frontmatter"]["title"] == "Add login"
    assert len(p["tasks"]) == 2
    assert p["tasks"][1]["acceptance"] == ["POST /login returns 200"]


def test_first_matching_section_wins() -> None:  # [FIX] "Task Dependencies" / "Decision Log" overrode
    p = core.parse_plan(PLAN)
    assert "not a task" not in [t["description"] for t in p["tasks"]]
    assert core.section(p["body"], "Key Decisions") == "- Sessions in cookies"
    body = "## Tasks\n- [ ] one\n## Tasks\n- [ ] two\n"
    assert [t["description"] for t in core.parse_tasks(body)] == ["one"]


def test_block_style_issues_and_quoted_title() -> None:  # [FIX] block lists ignored, '"' corrupted plans
    text = '---\ntitle: "Fix \\"quoted\\" thing"\ntype: bugfix\nissues:\n  - 4\n  - "#5"\n  - x\n---\nbody\n'
    p = core.parse_plan(text)
    assert p["title"] == 'Fix "quoted" thing'
    assert p["issues"] == [4, 5]


def test_tasks_without_tasks_section_use_whole_document() -> None:
    body = ("# Plan\n\n- [ ] Task 3: alpha\n    * ac: lower-case ac\n- [x] done already\n"
            "  - [ ] indented sub\n* [ ] beta\n")
    tasks = core.parse_tasks(body)
    assert [t["description"] for t in tasks] == ["alpha", "beta"]
    assert tasks[0]["acceptance"] == ["lower-case ac"]


def test_unindented_line_ends_ac_collection_and_fences_ignored() -> None:
    body = "## Tasks\n- [ ] a\nprose\n  - AC: not for a\n```\n- [ ] in fence\n```\n- [ ] b\n"
    tasks = core.parse_tasks(body)
    assert [t["description"] for t in tasks] == ["a", "b"]
    assert tasks[0]["acceptance"] == []


def test_invalid_frontmatter_is_a_plan_error() -> None:
    with pytest.raises(core.PlanError):
        core.parse_plan("---\ntitle: [unclosed\n---\n")
    with pytest.raises(core.PlanError):
        core.parse_plan("---\ntitle: x\n")
    with pytest.raises(core.PlanError):
        core.parse_plan("---\n- a list\n---\n")


@pytest.mark.parametrize("title,slug", [
    ("Add Login Form", "add-login-form"), ("Héllo Wörld!", "hello-world"), ("  --x--  ", "x"),
    ("!!!", "untitled"), ("a" * 80, "a" * 50), ("word " * 20, ("word-" * 10).rstrip("-")),
])
def test_slugify(title: str, slug: str) -> None:
    assert core.slugify(title) == slug
    assert len(core.slugify(title)) <= 50


def test_branch_prefix_map() -> None:
    assert core.BRANCH_PREFIX == {"feature": "feature", "spike": "feature", "bugfix": "bugfix",
                                  "refactor": "refactor", "architecture": "refactor", "docs": "docs"}


def test_pr_body_from_plan_sections() -> None:
    body = core.build_pr_body("p.md", core.parse_plan(PLAN))
    assert "## Summary" in body and "## Tasks" in body and "## Key Decisions" in body
    assert "ignored" not in body


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(title=_text, issues=st.lists(st.integers(1, 10_000), max_size=5), crlf=st.booleans())
def test_frontmatter_round_trip(title: str, issues: list[int], crlf: bool) -> None:
    fm = {"title": title, "type": "feature", "issues": issues, "status": "draft"}
    text = core.render_plan(fm, "# Plan\n\n## Tasks\n- [ ] one\n")
    if crlf:
        text = text.replace("\n", "\r\n")
    p = core.parse_plan(text)
    assert p["frontmatter"]["title"] == title
    assert p["issues"] == list(dict.fromkeys(issues))
    assert len(p["tasks"]) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_crashes(text: str) -> None:
    try:
        p = core.parse_plan(text)
    except core.PlanError:
        return
    for t in p["tasks"]:
        assert isinstance(t["description"], str) and isinstance(t["acceptance"], list)


@settings(max_examples=100, deadline=None)
@given(descs=st.lists(st.text(alphabet="abcdefgh ijk", min_size=1, max_size=20).filter(str.strip), min_size=1,
                      max_size=8))
def test_generated_tasks_are_found(descs: list[str]) -> None:
    body = "## Tasks\n" + "".join(f"- [ ] Task {i}: {d}\n  - AC: ac {i}\n" for i, d in enumerate(descs, 1))
    tasks = core.parse_tasks(body)
    assert [t["description"] for t in tasks] == [d.strip() for d in descs]
    assert all(t["acceptance"] == [f"ac {i}"] for i, t in enumerate(tasks, 1))
