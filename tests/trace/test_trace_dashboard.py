"""The dashboard's coverage section and the PR body's covered requirements."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURE = Path(__file__).parent.parent / "fixtures" / "trace" / "shop"


def test_dashboard_shows_coverage_per_requirement(cli, project: Path, tmp_path: Path) -> None:
    for part in ("docs", "tests", "svc"):
        shutil.copytree(FIXTURE / part, project / part)
    shutil.copy(FIXTURE / ".cadence" / "loop.json", project / ".cadence" / "loop.json")
    out = tmp_path / "d.html"
    r = cli("--root", project, "--json", "dashboard", "--output", out)
    assert r.code == 0, r
    page = out.read_text()
    section = page.split('id="coverage"', 1)[1].split("</section>", 1)[0]
    assert "<code>FR-003</code>" in section and 'cov-red">red only' in section
    assert "<code>FR-001</code>" in section and 'cov-verified">green' in section
    assert 'cov-uncovered">uncovered' in section  # FR-005


def test_dashboard_without_requirement_ids_says_how_to_add_them(cli, project: Path) -> None:
    r = cli("--root", project, "dashboard", "--output", "-")
    assert r.code == 0 and "No requirement IDs found" in r.out


def test_pr_body_lists_the_requirements_the_changed_tests_cover(project: Path) -> None:
    from tests.conftest import git

    from cadence.workflow.finish import build_body
    (project / "docs").mkdir()
    (project / "docs" / "plan.md").write_text("| ID | Requirement |\n|---|---|\n| FR-001 | Log in |\n"
                                              "| FR-002 | Log out |\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_old.py").write_text("def test_fr_002_logout():\n    pass\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "base")
    git(project, "switch", "-qc", "feature/login")
    (project / "tests" / "test_login.py").write_text('def test_login():\n    """Verifies FR-001."""\n')
    git(project, "add", "-A")
    git(project, "commit", "-qm", "login")
    warnings: list[str] = []
    body, _, _ = build_body(project, project, "feature/login", "main", None, [], warnings)
    section = body.split("## Requirements covered", 1)[1]
    assert "**FR-001** Log in: `test_login` (no_evidence)" in section
    assert "FR-002" not in section  # its test did not change on this branch
    git(project, "switch", "-q", "main")
    body, _, _ = build_body(project, project, "main", "main", None, [], warnings)
    assert "## Requirements covered" not in body
