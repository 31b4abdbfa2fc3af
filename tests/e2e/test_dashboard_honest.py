"""The dashboard tells the truth: empty phases are not full, disabled is not skipped, times are readable,
and a repository where only the workflow ran still gets its loop and gate."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.conftest import run_inprocess as cli

PLAN = "---\ntitle: Add cart\ntype: feature\n---\n# Add cart\n\n## Tasks\n- [ ] Task 1: Cart model\n"


def _page(root: Path, tmp_path: Path) -> str:
    out = tmp_path / "dash.html"
    r = cli("--root", str(root), "dashboard", "--output", str(out))
    assert r.code == 0, r
    return out.read_text()


def test_empty_phases_disabled_steps_and_on_demand_phases(repo: Path, tmp_path: Path) -> None:
    assert cli("--root", str(repo), "init", "--no-input", "--methodology", "mvp").code == 0
    page = _page(repo, tmp_path)
    empty = re.search(r'id="phase-([a-z-]+)"[^>]*><summary>[^<]*<span class="count">none enabled</span></summary>',
                      page)
    assert empty, "an mvp project has phases with no enabled step"
    assert 'style="width:100%"' not in page  # nothing is complete in a fresh project
    assert ">not in this methodology</span>" in page
    assert 'data-status="skipped"' not in page  # nothing was skipped by the user
    assert "on demand</span>" in page  # the build phase holds tools, not progress


def test_gate_time_is_readable_and_a_report_without_verdict_says_so(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "sec.md"
    report.write_text("Looked at it.\n- [MEDIUM] src/cart.py:10 missing validation\n")
    cli("--root", str(project), "gate", "summary", "--report", f"security={report}", "--scope", "low")
    page = _page(project, tmp_path)
    gate = page[page.index('id="gate"'):page.index('id="loop"')]
    assert "no verdict line" in gate
    assert re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d UTC</span>", gate), gate
    assert not re.search(r">\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", gate)


def test_workflow_only_repository_shows_loop_and_gate(repo: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(PLAN)
    r = cli("--root", str(repo), "--json", "plan", "save", "--file", str(plan))
    assert r.code == 0, r
    assert cli("--root", str(repo), "loop", "start", r.json["data"]["file"], "--test",
               f"{sys.executable} -c pass").code == 0
    assert not (repo / ".cadence/config.yml").exists()
    page = _page(repo, tmp_path)
    assert "Add cart" in page or "Cart model" in page
    assert "The pipeline is not set up" in page and "cadence init" in page
