"""The validation steps get the computed matrix in their prompt, and `complete` stops on uncovered requirements."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent.parent / "fixtures" / "trace" / "shop"
OUTPUTS = ["docs/validation/traceability-matrix.md", "docs/validation/traceability-matrix/review-summary.md",
           "docs/validation/traceability-matrix/codex-review.json",
           "docs/validation/traceability-matrix/gemini-review.json"]


@pytest.fixture
def shop(project: Path) -> Path:
    for part in ("docs", "tests", "web", "svc", "crates"):
        shutil.copytree(FIXTURE / part, project / part)
    for rel in OUTPUTS:
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text("{}\n")
    return project


def test_the_prompt_carries_the_computed_matrix(cli, shop: Path) -> None:
    r = cli("--root", shop, "--json", "run", "traceability-matrix", "--force", "--preview")
    assert r.code == 0, r
    prompt = r.json["data"]["prompt"]
    assert "## Artifact: cadence trace (computed)" in prompt
    assert "| FR-003 | US-003 | — | T-002 | TestPlaceOrder (no_evidence) | tested |" in prompt
    assert "duplicate_id: FR-003" in prompt
    other = cli("--root", shop, "--json", "run", "create-prd", "--preview").json["data"]["prompt"]
    assert "cadence trace (computed)" not in other


def test_complete_needs_force_with_uncovered_requirements_and_records_a_decision(cli, shop: Path) -> None:
    r = cli("--root", shop, "--json", "complete", "traceability-matrix")
    assert r.code == 2, r
    err = r.json["error"]
    assert err["code"] == "TRACE_GAPS"
    assert "FR-004" in err["message"] and "FR-005" in err["message"] and "FR-001" not in err["message"]
    state = json.loads((shop / ".cadence" / "state.json").read_text())
    assert state["steps"].get("traceability-matrix", {}).get("status") != "completed"
    r = cli("--root", shop, "--json", "complete", "traceability-matrix", "--force")
    assert r.code == 0, r
    assert any("recorded as a decision" in w for w in r.json["warnings"])
    decisions = [json.loads(x) for x in (shop / ".cadence" / "decisions.jsonl").read_text().splitlines() if x]
    assert decisions[-1]["step"] == "traceability-matrix" and "FR-004" in decisions[-1]["text"]


def test_complete_passes_when_every_requirement_is_traced(cli, shop: Path) -> None:
    (shop / "docs" / "plan.md").write_text("| ID | Requirement |\n|---|---|\n| FR-001 | Log in |\n")
    r = cli("--root", shop, "--json", "complete", "traceability-matrix")
    assert r.code == 0, r


def test_complete_warns_when_no_requirement_is_defined(cli, shop: Path) -> None:
    (shop / "docs" / "plan.md").write_text("# PRD\n\nRequirements without IDs.\n")
    r = cli("--root", shop, "--json", "complete", "traceability-matrix")
    assert r.code == 0, r
    assert any("no requirement IDs found in docs/plan.md" in w for w in r.json["warnings"])
