"""The gate against a real repository: the scope's reviewers, --allow-missing as a decision, a typed gate.json
(`gate show`, `finish`, `dashboard`), and the MCP tool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_inprocess

from cadence.errors import CadenceError
from cadence.workflow.review import gate_summary


def cadence(repo: Path, *args: str) -> tuple[int, dict]:
    r = run_inprocess("--root", str(repo), "--json", *args)
    return r.code, json.loads(r.out or r.err)


def decisions(repo: Path) -> list[dict]:
    f = repo / ".cadence/decisions.jsonl"
    return [json.loads(line) for line in f.read_text().splitlines() if line.strip()] if f.exists() else []


def standard_change(repo: Path) -> None:
    """Source, test and README changes: scope standard (testing, security, audit, docs-writer)."""
    (repo / "src").mkdir(exist_ok=True)
    (repo / "src/app.py").write_text("def f():\n    return 1\n")
    (repo / "tests").mkdir(exist_ok=True)
    (repo / "tests/test_app.py").write_text("def test_f():\n    pass\n")
    (repo / "README.md").write_text("# demo\n\nUpdated.\n")


def test_single_docs_report_on_a_standard_change_names_the_missing(repo: Path, tmp_path: Path) -> None:  # M1
    standard_change(repo)
    assert cadence(repo, "scope")[1]["data"]["scope"] == "standard"
    docs = tmp_path / "docs.md"
    docs.write_text("README updated.\nVerdict: PASS\n")
    code, doc = cadence(repo, "gate", "summary", "--report", f"docs-writer={docs}")
    d = doc["data"]
    assert code == 0 and d["recommendation"] == "GO-WITH-WARNINGS"
    assert d["missing"] == ["testing", "security", "audit"] and d["scope"] == "standard"
    assert "missing: @testing, @security, @audit" in d["pr_section"]
    saved = json.loads((repo / ".cadence/gate.json").read_text())
    assert saved["missing"] == ["testing", "security", "audit"]
    text = run_inprocess("--root", str(repo), "gate", "show").out
    assert "missing: @testing, @security, @audit" in text


def test_missing_reviewer_at_scope_high_is_no_go_and_finish_refuses(repo: Path, tmp_path: Path) -> None:
    git_branch(repo)
    (repo / "src/auth").mkdir(parents=True)
    (repo / "src/auth/login.py").write_text("x = 1\n")
    t = tmp_path / "t.md"
    t.write_text("Verdict: PASS\n")
    code, doc = cadence(repo, "gate", "summary", "--report", f"testing={t}")
    assert code == 0 and doc["data"]["recommendation"] == "NO-GO" and doc["data"]["scope"] == "high"
    missing = doc["data"]["missing"]
    assert "security" in missing and "testing" not in missing
    assert [b["agent"] for b in doc["data"]["blockers"]] == missing
    code, doc = cadence(repo, "finish", "--no-push", "--message", "x")
    assert code == 2 and doc["error"]["code"] == "GATE_NO_GO" and "no report" in doc["error"]["message"]


def git_branch(repo: Path) -> None:
    from wfhelpers import git
    git(repo, "checkout", "-q", "-b", "feature/x")


def test_allow_missing_records_a_decision(repo: Path, tmp_path: Path) -> None:
    standard_change(repo)
    reports = []
    for agent in ("testing", "docs-writer"):
        f = tmp_path / f"{agent}.md"
        f.write_text("Verdict: PASS\n")
        reports += ["--report", f"{agent}={f}"]
    args = ["gate", "summary", *reports, "--allow-missing", "security", "--allow-missing", "@audit",
            "--reason", "pure refactor, reviewed in pairing"]
    code, doc = cadence(repo, *args)
    d = doc["data"]
    assert code == 0 and d["recommendation"] == "GO" and d["missing"] == []
    assert [a["agent"] for a in d["allowed_missing"]] == ["security", "audit"]
    [rec] = decisions(repo)
    assert rec["category"] == "gate" and "@security, @audit" in rec["text"] and "pure refactor" in rec["text"]
    assert d["allowed_missing"][0]["decision"] == rec["id"]
    assert "allowed without a report: @security" in d["pr_section"]
    cadence(repo, *args)  # the same exception again is the same decision
    assert decisions(repo) == [rec]


@pytest.mark.parametrize(("extra", "code"), [
    (["--allow-missing", "security"], "USAGE"),                         # no reason
    (["--reason", "because"], "USAGE"),                                 # no agent
    (["--allow-missing", "testing", "--reason", "r"], "NOT_MISSING"),   # it reported
    (["--allow-missing", "devops", "--reason", "r"], "NOT_MISSING"),    # standard does not require it
    (["--allow-missing", "../x", "--reason", "r"], "INVALID_AGENT"),
    (["--scope", "hgih"], "INVALID_SCOPE"),
])
def test_allow_missing_usage_errors(repo: Path, tmp_path: Path, extra: list[str], code: str) -> None:
    standard_change(repo)
    t = tmp_path / "t.md"
    t.write_text("Verdict: PASS\n")
    before = decisions(repo)
    rc, doc = cadence(repo, "gate", "summary", "--report", f"testing={t}", *extra)
    assert rc == 1 and doc["error"]["code"] == code and doc["error"]["hint"] is not None
    assert decisions(repo) == before


def test_scope_given_sets_the_required_reviewers(repo: Path) -> None:
    d = gate_summary(repo, [("testing", "Verdict: PASS")], "low")
    assert d["recommendation"] == "GO" and d["required"] == ["testing"] and d["missing"] == []
    d = gate_summary(repo, [("testing", "Verdict: PASS")], "standard")
    assert d["missing"] == ["security", "audit", "docs-writer"] and d["recommendation"] == "GO-WITH-WARNINGS"


def test_report_size_bound(repo: Path) -> None:
    from cadence.core.gate import MAX_REPORT
    with pytest.raises(CadenceError) as e:
        gate_summary(repo, [("testing", "x" * (MAX_REPORT + 1))], "low")
    assert e.value.code == "REPORT_TOO_LARGE" and e.value.exit_code == 1


BAD_GATES = [
    ("blockers", lambda g: g.update(blockers=["a"]), "blockers[0]"),
    ("reports", lambda g: g.update(reports=["junk"]), "reports[0]"),
    ("findings", lambda g: g["reports"][0].update(findings=[7]), "reports[0].findings[0]"),
    ("severity", lambda g: g["reports"][0]["findings"][0].update(severity=[]), "reports[0].findings[0].severity"),
    ("warnings", lambda g: g.update(warnings=[1]), "warnings"),
    ("top level", lambda g: g.clear(), "recommendation"),
]


@pytest.mark.parametrize(("label", "mutate", "path"), BAD_GATES, ids=[b[0] for b in BAD_GATES])
def test_wrongly_typed_gate_json_is_gate_corrupt_everywhere(repo: Path, tmp_path: Path, label: str, mutate,
                                                           path: str) -> None:  # hostile D8 (gate.json)
    git_branch(repo)
    gate_summary(repo, [("testing", "- [LOW] tiny\nVerdict: PASS")], "low")
    g = json.loads((repo / ".cadence/gate.json").read_text())
    mutate(g)
    (repo / ".cadence/gate.json").write_text(json.dumps(g))
    for args in (["gate", "show"], ["finish", "--no-push", "--message", "x"]):
        code, doc = cadence(repo, *args)
        assert code == 3, (args, doc)
        assert doc["error"]["code"] == "GATE_CORRUPT" and path in doc["error"]["message"]
        assert "delete .cadence/gate.json" in doc["error"]["hint"].lower()
    out = tmp_path / "dash.html"
    r = run_inprocess("--root", str(repo), "--json", "dashboard", "--output", str(out))
    assert r.code == 0, r
    assert "corrupt" in out.read_text()


def test_mcp_tool_takes_allow_missing_and_reason(repo: Path) -> None:
    from cadence.mcp.tools import TOOLS, validate
    tool = TOOLS["quality_gate_summary"]
    args = validate(tool, {"reports": [{"agent": "testing", "report": "Verdict: PASS"}], "scope": "standard",
                           "allow_missing": ["security", "audit", "docs-writer"], "reason": "hotfix, reviewed live"})
    d = tool.handler(repo, args)
    assert d["recommendation"] == "GO" and d["missing"] == []
    rec = decisions(repo)[-1]
    assert rec["by"] == "mcp" and rec["category"] == "gate"
    d = tool.handler(repo, validate(tool, {"reports": [{"agent": "testing", "report": "Verdict: PASS"}],
                                           "scope": "high"}))
    assert d["recommendation"] == "NO-GO" and "security" in d["missing"]
    with pytest.raises(CadenceError):
        validate(tool, {"reports": [{"agent": "testing", "report": "x"}], "scope": "huge"})
