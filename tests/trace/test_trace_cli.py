"""`cadence trace` on a fixture project with known coverage and planted gaps in four test frameworks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import run_subprocess

FIXTURE = Path(__file__).parent.parent / "fixtures" / "trace" / "shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE, root)
    return root


def gaps(data: dict) -> set[tuple[str, str]]:
    return {(g["kind"], g["id"]) for g in data["gaps"]}


def test_known_coverage_and_every_planted_gap(cli, shop: Path) -> None:
    r = cli("--root", shop, "--json", "trace")
    assert r.code == 0, r  # gaps are data, not an error
    data = r.json["data"]
    rows = {x["id"]: x for x in data["requirements"]}
    assert {k: v["status"] for k, v in rows.items()} == {
        "FR-001": "verified", "FR-002": "verified", "FR-003": "red", "FR-004": "untested", "FR-005": "uncovered",
        "NFR-001": "verified"}
    assert rows["FR-001"]["stories"] == ["US-001"] and rows["FR-001"]["criteria"] == ["AC-001-1", "AC-001-2"]
    assert rows["FR-004"]["tasks"] == ["2026-01-01-feature-export.md#1"]  # a cadence plan's task
    results = {t["name"]: t["result"] for t in data["tests"]}
    assert results["tests/test_login.py::TestSession::test_cookie"] == "passed"            # pytest
    assert results["web/src/cart.test.ts > US-002 cart > adds a book"] == "passed"         # vitest / jest
    assert results["svc/order_test.go::TestPlaceOrder"] == "failed"                        # go test
    assert results["crates/api/tests/latency.rs::p95_latency_budget"] == "passed"          # cargo test
    assert results["tests/test_login.py::test_cart_add"] == "not_in_evidence"
    assert gaps(data) == {
        ("requirement_only_red", "FR-003"), ("requirement_without_story", "FR-004"),
        ("requirement_without_test", "FR-004"), ("requirement_without_story", "FR-005"),
        ("requirement_without_task", "FR-005"), ("requirement_without_test", "FR-005"),
        ("story_without_criteria", "US-003"), ("story_without_tests", "US-003"),
        ("story_without_requirement", "US-004"), ("task_without_trace", "T-003"),
        ("test_without_trace", "crates/api/tests/latency.rs::test_us_004_gift_wrap"),
        ("test_without_trace", "svc/order_test.go::TestHelperParses"),
        ("test_without_trace", "svc/order_test.go::TestGhost"),
        ("test_without_trace", "tests/test_login.py::test_misc_helper"),
        ("test_without_trace", "web/src/cart.test.ts > renders the footer"),
        ("duplicate_id", "FR-003"), ("undefined_id", "FR-099"), ("undefined_id", "US-099")}
    assert data["totals"]["requirements"] == 6 and data["totals"]["tests"] == 13
    assert data["evidence"]["green"] is False and data["evidence"]["exit_code"] == 1


def test_text_output_and_a_real_process_exit_zero(shop: Path) -> None:
    r = run_subprocess("--root", str(shop), "trace", "--limit", "2")
    assert r.code == 0, r
    assert "| FR-001 | US-001 |" in r.out and "FR-003" not in r.out.split("## Gaps")[0]
    assert "more requirements" in r.out and "## Gaps (18)" in r.out


def test_without_evidence_every_test_says_so(cli, shop: Path) -> None:
    (shop / ".cadence" / "loop.json").unlink()
    data = cli("--root", shop, "--json", "trace").json["data"]
    assert {t["result"] for t in data["tests"]} == {"no_evidence"}
    assert data["evidence"] is None
    assert {r["id"]: r["status"] for r in data["requirements"]}["FR-003"] == "tested"


def test_configured_patterns_and_documents(cli, shop: Path) -> None:
    (shop / ".cadence" / "config.yml").write_text(
        "version: 1\ntraceability:\n  patterns:\n    requirement: 'REQ-\\d+'\n  documents:\n"
        "    requirements: docs/reqs.md\n  tests: [tests]\n")
    (shop / "docs" / "reqs.md").write_text("- REQ-1 Login\n- REQ-2 Logout\n")
    (shop / "docs" / "user-stories.md").write_text("### US-001 Login\n- Covers REQ-1\n  - AC-001-1 Given x\n")
    data = cli("--root", shop, "--json", "trace").json["data"]
    assert [r["id"] for r in data["requirements"]] == ["REQ-1", "REQ-2"]
    assert data["requirements"][0]["stories"] == ["US-001"]
    assert {t["file"] for t in data["tests"]} == {"tests/test_login.py"}  # only the configured test tree


def test_bad_configured_pattern_is_a_config_error(cli, shop: Path) -> None:
    (shop / ".cadence" / "config.yml").write_text("version: 1\ntraceability:\n  patterns:\n    story: '(US-'\n"
                                                  "  colours: red\n")
    r = cli("--root", shop, "--json", "trace")
    assert r.code == 1 and r.json["error"]["code"] == "CONFIG_INVALID"
    assert "traceability.patterns.story" in r.json["error"]["message"]
    assert "traceability.colours" in r.json["error"]["message"]


def test_negative_limit_is_a_usage_error(cli, shop: Path) -> None:
    r = cli("--root", shop, "--json", "trace", "--limit", "-1")
    assert r.code == 1 and r.json["error"]["code"] == "USAGE"


def test_test_files_are_read_whole_up_to_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cadence.pipeline import trace
    monkeypatch.setattr(trace, "FILE_MAX", 100)
    monkeypatch.setattr(trace, "CHUNK", 7)  # several reads per file
    body = "def test_us_001():\n    pass\n"
    (tmp_path / "t").mkdir()
    for name, size in (("test_small.py", 30), ("test_limit.py", 100), ("test_over.py", 101), ("test_empty.py", 0)):
        (tmp_path / "t" / name).write_text((body + "#" * size)[:size])
    files = dict(trace.test_files(tmp_path, ["t"]))
    assert sorted(files) == ["t/test_empty.py", "t/test_limit.py", "t/test_small.py"]
    assert len(files["t/test_limit.py"]) == 100 and files["t/test_small.py"] == body + "##"


def test_the_matrix_is_not_left_in_the_young_gc_generations(tmp_path: Path) -> None:
    """Rendering allocates; with the matrix's objects still young, each collection would walk all of them."""
    import gc

    from cadence.pipeline import trace
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "plan.md").write_text("".join(f"- FR-{i:03d} thing {i}\n" for i in range(1, 800)))
    gc.collect()
    trace.compute(tmp_path, [])
    assert gc.isenabled() and gc.get_count()[0] < 100
