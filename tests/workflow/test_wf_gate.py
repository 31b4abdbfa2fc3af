"""Quality gate: every report format, severity mapping, unparsed reports, loop evidence."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.core.gate import parse_report, severity, summarize

JSON_REPORT = """Review done.

```json
{"verdict": "PASS WITH WARNINGS", "findings": [
  {"severity": "WARNING", "title": "N+1 query", "location": "src/db.py:10", "description": "loop of queries"}]}
```
"""
HEADINGS = """## Findings
### [HIGH] SQL injection
**Location**: `src/db.py:42`
**Description**: user input in query
#### [NITPICK] naming
**Verdict**: PASS WITH WARNINGS
"""
BULLETS = """## Test results
- [BLOCKING] test_login fails: AssertionError in `tests/test_login.py:12`
- [SUGGESTION] add edge cases
"""


def test_json_block() -> None:
    r = parse_report("perf", JSON_REPORT)
    assert r["parsed"] and r["verdict"] == "PASS WITH WARNINGS"
    assert r["findings"] == [{"severity": "medium", "title": "N+1 query", "location": "src/db.py:10",
                              "description": "loop of queries"}]


def test_headings_with_fields_not_borrowed_from_next() -> None:  # [FIX] borrowed Location/Description
    r = parse_report("security", HEADINGS)
    assert r["verdict"] == "PASS WITH WARNINGS"
    high, nit = r["findings"]
    assert high == {"severity": "high", "title": "SQL injection", "location": "src/db.py:42",
                    "description": "user input in query"}
    assert nit["severity"] == "low" and nit["location"] == "" and nit["description"] == ""


def test_testing_agent_bullets_block() -> None:  # [FIX] bullets were ignored → GO
    r = parse_report("testing", BULLETS)
    assert [f["severity"] for f in r["findings"]] == ["critical", "medium"]
    assert r["findings"][0]["location"] == "tests/test_login.py:12"
    assert summarize([("testing", BULLETS)])["recommendation"] == "NO-GO"


def test_free_text_is_unparsed_never_go() -> None:  # [FIX] free text gave GO
    res = summarize([("audit", "Looks fine overall, though there is a HIGH risk and a CRITICAL one.")])
    assert res["reports"][0]["parsed"] is False
    assert res["recommendation"] == "GO-WITH-WARNINGS"
    assert any("unparsed" in w for w in res["warnings"])
    assert "unparsed" in res["pr_section"]


def test_all_formats_in_one_report_are_merged_and_deduplicated() -> None:
    text = HEADINGS + BULLETS + ('```json\n{"verdict": "FAIL", "findings": '
                                 '[{"severity": "HIGH", "title": "SQL injection"}]}\n```\n')
    r = parse_report("security", text)
    assert r["verdict"] == "FAIL"
    titles = [f["title"] for f in r["findings"]]
    assert titles.count("SQL injection") == 1
    assert len(titles) == 4


@pytest.mark.parametrize("tag,sev", [
    ("CRITICAL", "critical"), ("BLOCKING", "critical"), ("ERROR", "critical"), ("HIGH", "high"),
    ("MEDIUM", "medium"), ("WARNING", "medium"), ("SUGGESTION", "medium"), ("LOW", "low"), ("NITPICK", "low"),
    ("INFO", "info"), ("PRAISE", "info"), ("praise", "info")])
def test_severity_mapping(tag: str, sev: str) -> None:
    assert severity(tag) == sev
    assert parse_report("x", f"### [{tag}] t\n")["findings"][0]["severity"] == sev
    assert parse_report("x", f"- [{tag}] t\n")["findings"][0]["severity"] == sev


@pytest.mark.parametrize("reports,rec", [
    ([("a", "**Verdict**: PASS")], "GO"),
    ([("a", "Verdict: PASS"), ("b", "- [LOW] tiny")], "GO"),
    ([("a", "**Verdict**: PASS"), ("b", "- [INFO] nice")], "GO"),
    ([("a", "**Verdict**: PASS WITH WARNINGS")], "GO-WITH-WARNINGS"),
    ([("a", "- [MEDIUM] something")], "GO-WITH-WARNINGS"),
    ([("a", "**Verdict**: FAIL")], "NO-GO"),
    ([("a", "### [HIGH] bad")], "NO-GO"),
    ([("a", "**Verdict**: PASS"), ("b", "")], "GO-WITH-WARNINGS"),
])
def test_recommendations(reports: list[tuple[str, str]], rec: str) -> None:
    assert summarize(reports)["recommendation"] == rec


def _loop(statuses: list[str], verified: bool | None = True, exit_code: int = 0) -> dict:
    tasks = []
    for i, s in enumerate(statuses):
        tasks.append({"index": i, "description": f"t{i}", "status": s, "verified": verified if s == "passed" else None,
                      "evidence": [{"at": f"2026-01-01T00:00:0{i}", "kind": "test", "exit_code": exit_code,
                                    "counts": None}]})
    return {"plan": "p.md", "tasks": tasks}


def test_loop_evidence_joins_gate() -> None:
    ok = [("a", "**Verdict**: PASS")]
    assert summarize(ok, loop=_loop(["passed", "passed"]))["recommendation"] == "GO"
    assert summarize(ok, loop=_loop(["passed"], verified=False))["recommendation"] == "GO-WITH-WARNINGS"
    assert summarize(ok, loop=_loop(["passed"], exit_code=1))["recommendation"] == "GO-WITH-WARNINGS"
    res = summarize(ok, loop=_loop(["passed", "failed"]))
    assert res["recommendation"] == "NO-GO"
    assert res["blockers"][0]["agent"] == "loop"


def test_result_shape_and_pr_section() -> None:
    res = summarize([("testing", BULLETS), ("security", HEADINGS)], "high", None, "2026-01-01T00:00:00+00:00")
    assert set(res) >= {"recommendation", "reports", "blockers", "pr_section", "scope", "timestamp"}
    for r in res["reports"]:
        assert set(r) == {"agent", "verdict", "parsed", "findings"}
        for f in r["findings"]:
            assert set(f) == {"severity", "title", "location", "description"}
    assert res["pr_section"].startswith("## Quality Gate")
    assert "NO-GO" in res["pr_section"]
    json.dumps(res)


_line = st.one_of(
    st.text(max_size=60),
    st.builds(lambda t, x: f"### [{t}] {x}", st.sampled_from(["HIGH", "LOW", "INFO", "BLOCKING"]),
              st.text(max_size=20)),
    st.builds(lambda t, x: f"- [{t}] {x}", st.sampled_from(["MEDIUM", "CRITICAL", "NIT"]), st.text(max_size=20)),
    st.builds(lambda v: f"**Verdict**: {v}", st.sampled_from(["PASS", "FAIL", "PASS WITH WARNINGS", "???"])),
    st.just("```json"), st.just("```"), st.just('{"verdict": "PASS", "findings": []}'),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_line, max_size=30))
def test_report_parser_total(lines: list[str]) -> None:
    text = "\n".join(lines)
    r = parse_report("x", text)
    assert r["parsed"] == (r["verdict"] not in ("UNPARSED",))
    for f in r["findings"]:
        assert f["severity"] in ("critical", "high", "medium", "low", "info")
        assert f["title"]
    res = summarize([("x", text)])
    assert res["recommendation"] in ("GO", "GO-WITH-WARNINGS", "NO-GO")
    if any(f["severity"] in ("critical", "high") for f in r["findings"]):
        assert res["recommendation"] == "NO-GO"
    if not r["parsed"]:
        assert res["recommendation"] != "GO"
