"""Docs (decision / feature / flow, INDEX.md) and sessions (validated IDs, retention)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence.errors import CadenceError
from cadence.workflow import docs, sessions


def test_docs_init_save_list_index(repo: Path) -> None:
    r = docs.init_docs(repo)
    assert "docs/decisions/" in r["created"] and (repo / "docs/INDEX.md").exists()
    d = docs.save_doc(repo, "decision", 'Use "Postgres"', "We chose it.", ["db"], ["src/db.py"])
    assert d["file"].startswith("docs/decisions/") and d["warnings"] == []
    f = docs.save_doc(repo, "feature", "Login", "No diagram here.")
    assert f["warnings"] and "mermaid" in f["warnings"][0]
    flow = docs.save_doc(repo, "flow", "Checkout", "```mermaid\nsequenceDiagram\n  A->>B: x\n```\n")
    assert flow["warnings"] == []
    again = docs.save_doc(repo, "flow", "Checkout", "```mermaid\ngraph TD\n```")
    assert again["file"] != flow["file"] and again["file"].endswith("-2.md")  # [FIX] silent overwrite
    items = docs.list_docs(repo)
    assert {i["type"] for i in items} == {"decision", "feature", "flow"}
    decision = next(i for i in items if i["type"] == "decision")
    assert decision["title"] == 'Use "Postgres"' and decision["status"] == "accepted" and decision["tags"] == ["db"]
    index = (repo / "docs/INDEX.md").read_text()
    assert "## Decisions (1)" in index and "## Flows (2)" in index and '[Use "Postgres"](decisions/' in index
    assert docs.build_index(repo)["counts"] == {"decision": 1, "feature": 1, "flow": 2}
    with pytest.raises(CadenceError):
        docs.save_doc(repo, "essay", "x", "y")


def test_sessions_save_list_show_retention(repo: Path) -> None:
    cfg = repo / ".cadence/config.yml"
    cfg.write_text(cfg.read_text().replace("retention: 50", "retention: 3"))
    ids = [sessions.save_session(repo, f"summary {i}", ["d1"], ["a.py"])["id"] for i in range(5)]
    listed = sessions.list_sessions(repo, 10)
    assert len(listed) == 3
    assert [s["id"] for s in listed] == sorted([s["id"] for s in listed], reverse=True)  # [FIX] sortable IDs
    shown = sessions.show_session(repo, listed[0]["id"])
    assert "## Key Decisions" in shown["content"] and shown["frontmatter"]["branch"] == "main"
    assert set(ids) >= {s["id"] for s in listed}


@pytest.mark.parametrize("sid", ["../../etc/passwd", "../config.yml", "/etc/passwd", "$(touch pwned)", "a\nb", ""])
def test_session_ids_validated(repo: Path, sid: str) -> None:  # [FIX] session_load traversal
    with pytest.raises(CadenceError) as e:
        sessions.show_session(repo, sid)
    assert e.value.code == "INVALID_SESSION_ID" and e.value.exit_code == 1


def test_session_plan_name_validated(repo: Path) -> None:
    with pytest.raises(CadenceError):
        sessions.save_session(repo, "s", plan="../../x")
    with pytest.raises(CadenceError):
        sessions.save_session(repo, "  ")
