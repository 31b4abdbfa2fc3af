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
