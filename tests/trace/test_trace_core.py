"""core/trace: IDs, document entities, test extraction per framework, evidence, the matrix and its gaps."""

from __future__ import annotations

import gc
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.core import testrefs, trace
from cadence.core.testrefs import extract_tests
from cadence.core.trace import Evidence, compute, document_entities, uncovered
from cadence.core.traceids import DEFAULT_PATTERNS, Ids

IDS = Ids(DEFAULT_PATTERNS)


def names(tests: list) -> dict[str, list[str]]:
    return {t.name: [i for _, i in t.verifies] for t in tests}


def test_id_tokens_respect_boundaries_and_identifiers_map_underscores() -> None:
    assert IDS.find("FR-001, NFR-002 and AC-003-4; US-005 T-006 XFR-007 FR-0089x") == [
        ("requirement", "FR-001"), ("requirement", "NFR-002"), ("criterion", "AC-003-4"), ("story", "US-005"),
        ("task", "T-006")]
    assert IDS.in_identifier("test_fr_001_and_ac_002_3_works") == [("requirement", "FR-001"),
                                                                   ("criterion", "AC-002-3")]
    assert IDS.scan("**FR-001**: login, see US-002") == ([("requirement", "FR-001"), ("story", "US-002")],
                                                         ("requirement", "FR-001"))
    assert IDS.scan("see FR-001")[1] is None


def test_id_patterns_with_capture_groups_find_the_same_tokens() -> None:
    grouped = Ids({**DEFAULT_PATTERNS, "requirement": r"(N?)FR-(\d{3,})", "task": r"T-(\d{3,})"})
    text = "FR-001, NFR-002 and AC-003-4; US-005 T-006 XFR-007 FR-0089x"
    assert grouped.find(text) == IDS.find(text) == [
        ("requirement", "FR-001"), ("requirement", "NFR-002"), ("criterion", "AC-003-4"), ("story", "US-005"),
        ("task", "T-006")]


def test_definitions_only_count_in_their_home_document() -> None:
    stories = ("## Epic\n### US-001 Log in\n- Requirements: FR-001\n- Acceptance criteria:\n"
               "  - AC-001-1 Given x, then y.\n  - AC-001-2 Given z (see NFR-001).\n\n## Coverage\n"
               "| Requirement | Stories |\n|---|---|\n| FR-001 | US-001 |\n")
    ents, loose = document_entities(stories, "s.md", ("story", "criterion"), IDS)
    assert [(e.kind, e.id, e.parent) for e in ents] == [("story", "US-001", None), ("criterion", "AC-001-1", "US-001"),
                                                        ("criterion", "AC-001-2", "US-001")]
    assert ("requirement", "FR-001") in ents[0].refs and ("requirement", "NFR-001") in ents[0].refs
    assert loose == [("requirement", "FR-001", 11), ("story", "US-001", 11)]


PYTEST = '''"""Module docstring FR-900 names no test."""
import pytest


@pytest.mark.req("FR-001")
def test_marked():
    pass


def test_docstring():
    """Checks US-002 end to end."""


def test_fr_003_in_the_name():
    pass


class TestGroup:
    """AC-004-1"""

    # also T-005
    async def test_inner(self):
        pass


def test_nothing():
    pass
'''

VITEST = '''import { describe, it, test } from "vitest";

describe("US-010 checkout", () => {
  it("charges the card", () => {});
  describe('AC-010-2 declined', () => {
    test.each([1, 2])("retries %i", () => {});
  });
});

// Verifies FR-011
it("standalone", () => {});
test(`plain title`, () => {});
'''

GO = '''package x

import "testing"

// TestLogin verifies FR-020 and US-021.
func TestLogin(t *testing.T) {
	t.Run("AC-021-1 bad password", func(t *testing.T) {})
}

func TestFR_022_Named(t *testing.T) {}

func helper() {}

func TestBare(t *testing.T) {}
'''

CARGO = '''#[cfg(test)]
mod tests {
    /// Verifies FR-030.
    #[test]
    fn login_works() {}

    // AC-031-1
    #[tokio::test]
    async fn declined() {}

    #[test]
    #[should_panic]
    fn test_us_032_panics() {}

    fn not_a_test() {}
}
'''


def test_pytest_names_docstrings_markers_comments_and_classes() -> None:
    got = names(extract_tests("tests/test_a.py", PYTEST, IDS))
    assert got == {"tests/test_a.py::test_marked": ["FR-001"], "tests/test_a.py::test_docstring": ["US-002"],
                   "tests/test_a.py::test_fr_003_in_the_name": ["FR-003"],
                   "tests/test_a.py::TestGroup::test_inner": ["AC-004-1", "T-005"],
                   "tests/test_a.py::test_nothing": []}


def test_vitest_jest_titles_describe_blocks_and_comments() -> None:
    got = names(extract_tests("web/a.test.ts", VITEST, IDS))
    assert got == {"web/a.test.ts > US-010 checkout > charges the card": ["US-010"],
                   "web/a.test.ts > US-010 checkout > AC-010-2 declined > retries %i": ["US-010", "AC-010-2"],
                   "web/a.test.ts > standalone": ["FR-011"], "web/a.test.ts > plain title": []}


def test_go_comments_names_and_subtests() -> None:
    got = names(extract_tests("pkg/a_test.go", GO, IDS))
    assert got == {"pkg/a_test.go::TestLogin": ["FR-020", "US-021", "AC-021-1"],
                   "pkg/a_test.go::TestFR_022_Named": ["FR-022"], "pkg/a_test.go::TestBare": []}


def test_cargo_doc_comments_attributes_and_names() -> None:
    got = names(extract_tests("src/lib.rs", CARGO, IDS))
    assert got == {"src/lib.rs::login_works": ["FR-030"], "src/lib.rs::declined": ["AC-031-1"],
                   "src/lib.rs::test_us_032_panics": ["US-032"]}


def test_cargo_reads_long_attribute_blocks_in_linear_time() -> None:
    """A run of attribute lines with no fn after it is read once, not once per line (it took seconds)."""
    text = "#[test]\n" * 5000 + "let x = 1;\n" + "#[test]\n// US-033\n" * 2000 + "fn last_one() {}\n"
    start = time.perf_counter()
    got = names(extract_tests("src/lib.rs", text, IDS))
    assert time.perf_counter() - start < 1.0
    assert got == {"src/lib.rs::last_one": ["US-033"] * 2000}


def test_files_that_are_not_tests_are_not_read() -> None:
    for path in ("src/app.py", "web/app.ts", "pkg/a.go", "README.md"):
        assert extract_tests(path, "def test_x(): pass\nit('x', () => {})\nfunc TestX(t *testing.T) {}", IDS) == []


def test_evidence_per_test_passed_failed_unnamed_and_none() -> None:
    tests = {t.short: t for t in extract_tests("t/test_a.py", "def test_a(): pass\ndef test_ab(): pass\n"
                                               "def test_c(): pass\n", IDS)}
    ev = Evidence({"at": "x", "kind": "test", "exit_code": 1, "counts": {"failed": 1},
                   "tail": "t/test_a.py::test_ab PASSED\nFAILED t/test_a.py::test_c - boom\n"})
    assert ev.result(tests["test_ab"]) == "passed"
    assert ev.result(tests["test_c"]) == "failed"
    assert ev.result(tests["test_a"]) == "not_in_evidence"  # `test_ab` does not name `test_a`
    assert Evidence(None).result(tests["test_a"]) == "no_evidence"


def _named_result(short: str, tail: str) -> str:
    """The rule, line by line: a line that names the test as a whole word (not inside a file name) and
    reports a failure makes it failed, else one that reports a pass makes it passed."""
    word = re.compile(rf"(?<![\w/.]){re.escape(short)}(?![\w.])")
    seen = "not_in_evidence"
    for line in tail.split("\n"):
        if word.search(line):
            if trace._FAIL.search(line):
                return "failed"
            if trace._PASS.search(line):
                seen = "passed"
    return seen


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["test_a", "test_ab", "a", "works 1", "é_1", "x.y", "", "ok"]),
       st.lists(st.sampled_from(["test_a", "test_ab", "works 1", "é_1", "x.y", "a", " ", "/", ".", "::", "-",
                                 "\n", "PASSED", "FAILED", "ok", "✓", "tests/"]), max_size=30).map("".join))
def test_evidence_results_follow_the_naming_rule(short: str, tail: str) -> None:
    ev = Evidence({"at": "x", "kind": "test", "exit_code": 0, "counts": {}, "tail": tail})
    assert ev.result(testrefs.Test(f"t::{short}", short, "t", 1, "pytest", [])) == _named_result(short, tail)


def _doc(text: str, path: str) -> tuple[str, str]:
    return path, text


def test_matrix_links_through_criteria_stories_and_tasks() -> None:
    docs = {"requirements": _doc("| ID | Req |\n|---|---|\n| FR-001 | Login |\n| FR-002 | Logout |\n", "p.md"),
            "stories": _doc("### US-001 Login\n- Requirements: FR-001\n  - AC-001-1 Given x\n", "s.md"),
            "tasks": _doc("### T-001: Build login\n- Stories: US-001\n- Depends on: T-002\n"
                          "### T-002: Build logout\n- Requirements: FR-002\n", "t.md")}
    tests = [("tests/test_x.py", "def test_ac_001_1():\n    pass\n\ndef test_t_002_logout():\n    pass\n")]
    loop = {"tasks": [{"evidence": [{"at": "1", "kind": "test", "exit_code": 0, "counts": {"failed": 0},
                                     "tail": "tests/test_x.py::test_ac_001_1 PASSED"}]}]}
    m = compute(docs, [], tests, loop)
    rows = {r["id"]: r for r in m["requirements"]}
    assert rows["FR-001"]["stories"] == ["US-001"] and rows["FR-001"]["criteria"] == ["AC-001-1"]
    assert rows["FR-001"]["tasks"] == ["T-001"]  # T-001 depends on T-002 but does not realise FR-002
    assert rows["FR-001"]["status"] == "verified"
    assert rows["FR-002"]["tasks"] == ["T-002"] and rows["FR-002"]["status"] == "tested"
    assert uncovered(m) == ["FR-002"]  # no story
    assert m["evidence"]["green"] is True


def test_compute_leaves_no_garbage_cycles() -> None:
    """Everything compute builds is freed when the matrix is: no cycle keeps the entities alive until a
    full collection (at the benchmark's size, the one at exit took 0.1 s)."""
    docs = {"requirements": _doc("- FR-001 Login\n", "p.md"), "stories": _doc("### US-001\n- FR-001\n", "s.md"),
            "tasks": _doc("### T-001\n- US-001\n", "t.md")}
    gc.collect()
    gc.disable()
    try:
        compute(docs, [], [("tests/test_x.py", "def test_us_001():\n    pass\n")], None)
        assert gc.collect() == 0
    finally:
        gc.enable()


ALPHABET = list("FRNUSACT-0123456789 |#*-\n`[]().:_") + ["FR-001", "US-001", "AC-001-1", "T-001", "\n### ",
                                                         "\n- ", "\n  - ", "\n| ", "\n```\n"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=120).map("".join),
       st.lists(st.sampled_from(ALPHABET), max_size=120).map("".join))
def test_any_documents_give_a_consistent_matrix(prd: str, stories: str) -> None:
    m = compute({"requirements": ("p.md", prd), "stories": ("s.md", stories), "tasks": None}, [],
                [("t/test_x.py", "def test_fr_001():\n    pass\n")], None)
    ids = [r["id"] for r in m["requirements"]]
    assert len(ids) == len(set(ids)) == m["totals"]["requirements"]
    defined = set(ids) | {s["id"] for s in m["stories"]}
    for g in m["gaps"]:
        if g["kind"] == "undefined_id":
            assert g["id"] not in defined
    for r in m["requirements"]:
        assert set(r["stories"]) <= {s["id"] for s in m["stories"]}
