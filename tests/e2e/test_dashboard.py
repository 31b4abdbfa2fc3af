"""`cadence dashboard`: one self-contained, read-only HTML page; opened in headless Chromium when available."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import run_inprocess as cli
from tests.conftest import tree_snapshot

PLAN = "---\ntitle: Add cart\ntype: feature\n---\n# Add cart\n\n## Tasks\n- [ ] Task 1: Cart model\n- [ ] Task 2: API\n"
HOSTILE = "Use Postgres </script><script>alert(1)</script> & <b>bold</b>"


@pytest.fixture
def busy(project: Path, tmp_path: Path) -> Path:
    """A project with a completed and a skipped step, a decision, an active loop with evidence and a gate."""
    (project / "docs").mkdir()
    (project / "docs/vision.md").write_text("# Vision\n")
    r = cli("--root", str(project), "complete", "create-vision")
    assert r.code == 0, r
    assert cli("--root", str(project), "skip", "review-vision", "--reason", "tiny </script> project").code == 0
    assert cli("--root", str(project), "decisions", "add", HOSTILE, "--step", "create-vision").code == 0
    plan = tmp_path / "plan.md"
    plan.write_text(PLAN)
    r = cli("--root", str(project), "--json", "plan", "save", "--file", str(plan))
    assert r.code == 0, r
    name = r.json["data"]["file"]
    assert cli("--root", str(project), "loop", "start", name, "--test", f"{sys.executable} -c pass").code == 0
    assert cli("--root", str(project), "loop", "verify").code == 0
    assert cli("--root", str(project), "loop", "report", "pass").code == 0
    report = tmp_path / "sec.md"
    report.write_text("VERDICT: PASS WITH WARNINGS\n- [MEDIUM] src/cart.py:10 missing validation\n")
    assert cli("--root", str(project), "gate", "summary", "--report", f"security={report}", "--scope", "low").code == 0
    return project


def test_dashboard_is_self_contained_escaped_and_read_only(busy: Path, tmp_path: Path) -> None:
    before = tree_snapshot(busy)
    out = tmp_path / "dash.html"
    r = cli("--root", str(busy), "--json", "dashboard", "--output", str(out))
    assert r.code == 0, r
    assert tree_snapshot(busy) == before  # nothing in the project changed
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "no network assets"
    assert "@import" not in page and "url(http" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    embedded = re.search(r'<script type="application/json" id="cadence-data">(.*?)</script>', page, re.S)
    assert embedded and "</" not in embedded.group(1)
    data = json.loads(embedded.group(1))
    assert data["decisions"][0]["text"] == HOSTILE
    assert data["progress"]["completed"] == 1 and data["progress"]["skipped"] == 1
    for needle in ("create-vision", "s-completed", "s-skipped", "GO-WITH-WARNINGS", "Cart model", "passed",
                   "cadence run "):
        assert needle in page, needle
    assert r.json["data"]["loop"] and r.json["data"]["gate"]


def test_dashboard_without_loop_or_gate_and_to_stdout(project: Path) -> None:
    r = cli("--root", str(project), "dashboard", "--output", "-")
    assert r.code == 0
    assert "No implementation loop" in r.out and "No quality gate yet" in r.out


def test_dashboard_outside_a_project_is_a_clear_error(repo: Path) -> None:
    r = cli("--root", str(repo), "--json", "dashboard", "--output", "-")
    assert r.code == 2 and r.json["error"]["code"] == "NOT_INITIALIZED"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_dashboard_in_headless_chromium(busy: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if not browser:
        pytest.skip("no Chromium on this machine")
    out = tmp_path / "dash.html"
    assert cli("--root", str(busy), "dashboard", "--output", str(out)).code == 0
    proc = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", "--user-data-dir=" + str(tmp_path / "profile"), "--dump-dom", out.as_uri()],
                          capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert 'id="pipeline"' in dom and "create-vision" in dom and "GO-WITH-WARNINGS" in dom
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not [c for c in console if "rror" in c or "Uncaught" in c], console
    shot = tmp_path / "dash.png"
    subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600",
                    "--user-data-dir=" + str(tmp_path / "profile2"), f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, timeout=90, stdin=subprocess.DEVNULL)
    assert shot.is_file() and shot.stat().st_size > 10_000
