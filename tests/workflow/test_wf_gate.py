"""Quality gate: every report format, one finding one entry, hostile reports, the scope's reviewers, gate.json."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence.core.gate import MAX_REPORT, RECOMMENDATIONS, gate_problem, parse_report, severity, summarize

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
**Verdict**: FAIL
"""
BULLETS = """## Test results
- [BLOCKING] test_login fails: AssertionError in `tests/test_login.py:12`
- [SUGGESTION] add edge cases
"""


def rec(*reports: tuple[str, str], **kw: object) -> str:
    return str(summarize(list(reports), **kw)["recommendation"])  # type: ignore[arg-type]


def test_json_block() -> None:
    r = parse_report("perf", JSON_REPORT)
    assert r["parsed"] and r["verdict"] == "PASS WITH WARNINGS" and r["warnings"] == []
    assert r["findings"] == [{"severity": "medium", "title": "N+1 query", "location": "src/db.py:10",
                              "description": "loop of queries"}]


def test_headings_with_fields_not_borrowed_from_next() -> None:  # [FIX] borrowed Location/Description
    r = parse_report("security", HEADINGS)
    assert r["verdict"] == "FAIL"
    high, nit = r["findings"]
    assert high == {"severity": "high", "title": "SQL injection", "location": "src/db.py:42",
                    "description": "user input in query"}
    assert nit["severity"] == "low" and nit["location"] == "" and nit["description"] == ""


def test_testing_agent_bullets_block() -> None:  # [FIX] bullets were ignored → GO
    r = parse_report("testing", BULLETS)
    assert [f["severity"] for f in r["findings"]] == ["critical", "medium"]
    assert r["findings"][0]["location"] == "tests/test_login.py:12"
    assert rec(("testing", BULLETS)) == "NO-GO"


def test_bullet_title_location_description() -> None:  # the testing agent's `- [SEV] title — path:line — text`
    r = parse_report("testing", "- [MEDIUM] Timeout path untested — src/pay.py:131 — the retry branch has no test\n"
                                "- [LOW] Slow test — the suite takes 4 s\n")
    assert r["findings"] == [
        {"severity": "medium", "title": "Timeout path untested", "location": "src/pay.py:131",
         "description": "the retry branch has no test"},
        {"severity": "low", "title": "Slow test", "location": "", "description": "the suite takes 4 s"}]


def test_free_text_is_unparsed_never_go() -> None:  # [FIX] free text gave GO
    res = summarize([("audit", "Looks fine overall, though there is a HIGH risk and a CRITICAL one.")])
    assert res["reports"][0]["parsed"] is False
    assert res["recommendation"] == "GO-WITH-WARNINGS"
    assert any("unparsed" in w for w in res["warnings"])
    assert "unparsed" in res["pr_section"]


# ------------------------------------------------------------------ one finding, one entry (content §4.1)

SAME_TWICE = """### Findings
- [CRITICAL] Partial refunds double-count — src/refunds.py:102 — second refund rejected
- [MEDIUM] Timeout path untested — src/refunds.py:131 — no test
- [INFO] Event test added — tests/test_refunds.py:140 — AC 3 covered

```json
{"verdict": "FAIL", "findings": [
  {"severity": "CRITICAL", "title": "Partial refunds double-count", "location": "src/refunds.py:102"},
  {"severity": "MEDIUM", "title": "Provider timeout untested", "location": "src/refunds.py:131", "description": "d"},
  {"severity": "INFO", "title": "Event test added", "location": "tests/test_refunds.py:140", "description": "d"}]}
```
"""


def test_markdown_and_json_describe_the_same_findings_once() -> None:
    r = parse_report("testing", SAME_TWICE)
    assert len(r["findings"]) == 3 and r["warnings"] == []  # matched by title, or by location
    assert [f["title"] for f in r["findings"]] == ["Partial refunds double-count", "Provider timeout untested",
                                                   "Event test added"]
    res = summarize([("testing", SAME_TWICE)])
    assert len(res["blockers"]) == 1 and "1 critical, 1 medium, 1 info" in res["pr_section"]


def test_critical_in_text_but_not_in_json_is_kept_with_a_warning() -> None:
    text = "- [CRITICAL] AWS key in settings.py\n```json\n{\"verdict\": \"PASS\", \"findings\": []}\n```\n"
    r = parse_report("security", text)
    assert [f["severity"] for f in r["findings"]] == ["critical"] and r["verdict"] == "FAIL"
    assert any("not in the JSON block" in w for w in r["warnings"])
    assert rec(("security", text)) == "NO-GO"


def test_severity_disagreement_keeps_the_more_severe_reading() -> None:
    text = ("### [HIGH] Token logged\n**Location**: `app/log.py:3`\n"
            '```json\n{"verdict": "PASS", "findings": [{"severity": "LOW", "title": "Token logged", '
            '"location": "app/log.py:3"}]}\n```\n')
    r = parse_report("security", text)
    assert [(f["severity"], f["title"]) for f in r["findings"]] == [("high", "Token logged")]
    assert any("high in the text but low in the JSON" in w for w in r["warnings"])
    assert rec(("security", text)) == "NO-GO"


def test_low_in_text_not_in_json_is_a_contradiction_never_go() -> None:
    text = "- [LOW] naming\n```json\n{\"verdict\": \"PASS\", \"findings\": []}\n```\n"
    assert len(parse_report("audit", text)["findings"]) == 1
    assert rec(("audit", text)) == "GO-WITH-WARNINGS"


def test_all_formats_in_one_report_are_counted_once() -> None:
    text = HEADINGS + BULLETS + ('```json\n{"verdict": "FAIL", "findings": '
                                 '[{"severity": "HIGH", "title": "SQL injection"}]}\n```\n')
    r = parse_report("security", text)
    assert r["verdict"] == "FAIL"
    titles = [f["title"] for f in r["findings"]]
    assert titles.count("SQL injection") == 1 and len(titles) == 4


# ------------------------------------------------------------------ severities

@pytest.mark.parametrize("tag,sev", [
    ("CRITICAL", "critical"), ("BLOCKING", "critical"), ("ERROR", "critical"), ("HIGH", "high"),
    ("MEDIUM", "medium"), ("WARNING", "medium"), ("SUGGESTION", "medium"), ("LOW", "low"), ("NITPICK", "low"),
    ("INFO", "info"), ("PRAISE", "info"), ("praise", "info"),
    ("P0", "critical"), ("P1", "high"), ("P2", "medium"), ("P3", "low"), ("p0", "critical"),
    ("Critical!!", "critical"), ("CRІTICAL", "critical"), ("ＨＩＧＨ", "high"), ("HI\u200bGH", "high"),
    ("CRITICALS", "critical"), ("Warnings", "medium"), ("C R I T I C A L", "critical"), ("Ηigh", "high"),
    ("HIGH / security", "high"), ("LOW/CRITICAL", "critical"), ("CRlTICAL", "critical"), ("HlGH", "high"),
    ("INF0", "info")])
def test_severity_mapping(tag: str, sev: str) -> None:
    assert severity(tag) == sev
    assert parse_report("x", f"### [{tag}] t\n")["findings"][0]["severity"] == sev
    assert parse_report("x", f"- [{tag}] t\n")["findings"][0]["severity"] == sev


def test_unknown_json_severity_is_read_as_critical_with_a_warning() -> None:
    text = '```json\n{"verdict": "PASS", "findings": [{"severity": "zzz-ish?", "title": "t"}]}\n```'
    r = parse_report("x", text)
    assert r["findings"][0]["severity"] == "critical"
    assert any("unknown severity" in w for w in r["warnings"])
    assert severity("zzz") == "critical"


@pytest.mark.parametrize("line", ["- [x] done", "- [ ] to do", "- [link](https://example.com)", "### [Unreleased]"])
def test_brackets_that_are_not_severities_are_not_findings(line: str) -> None:
    assert parse_report("x", line + "\nVerdict: PASS\n")["findings"] == []


# ------------------------------------------------------------------ hostile reports (issue 10, D5 and D18)

HOSTILE = [  # every example of findings/2026-12-hostile.md D5 and D18
    ("several verdicts", "Verdict: PASS\n\nVerdict: FAIL\n", "several verdicts"),
    ("json pass beside markdown fail", 'Verdict: FAIL\n```json\n{"verdict": "PASS", "findings": []}\n```\n',
     "several verdicts"),
    ("not passing", "Verdict: NOT PASSING\n", None),
    ("no pass", "Verdict: NO PASS\n", None),
    ("pass with critical issues", "Verdict: PASS (with 2 critical issues)\n", None),
    ("unclosed fence", "Verdict: PASS\n\n```\n- [CRITICAL] hard-coded AWS key\n", "contradicts"),
    ("indented code", "    Verdict: PASS\n\nVerdict: FAIL\n", "several verdicts"),
    ("heading verdict", "## Verdict: FAIL\n", None),
    ("final verdict", "Final verdict: FAIL\n", None),
    ("verdict heading, value below", "## Verdict\n\nFAIL\n", None),
    ("P0", '```json\n{"verdict": "PASS", "findings": [{"severity": "P0", "title": "t"}]}\n```\n', "contradicts"),
    ("Critical!!", '```json\n{"findings": [{"severity": "Critical!!", "title": "t"}]}\n```\n', None),
    ("cyrillic I", "Verdict: PASS\n- [CRІTICAL] key in repo\n", "contradicts"),
    ("greek and zero-width", "Verdict: PASS\n### [ΗI\u200bGH] leak\n", "contradicts"),
    ("lookalike verdict word", "Vеrdict: FAIL\n", None),
    ("json fence after unclosed fence", 'Verdict: PASS\n```python\nx = 1\n```json\n{"verdict": "FAIL"}\n```\n',
     "several verdicts"),
    ("markdown-wrapped report", "```markdown\n### [HIGH] leak\nVerdict: PASS\n```\n", "contradicts"),
]


@pytest.mark.parametrize(("label", "text", "warning"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_reports_never_go(label: str, text: str, warning: str | None) -> None:
    res = summarize([("security", text)])
    assert res["recommendation"] == "NO-GO", (label, res)
    assert res["reports"][0]["verdict"] in ("FAIL", None)
    if warning:
        assert any(warning in w for w in res["warnings"]), res["warnings"]


@pytest.mark.parametrize(("verdict", "reading"), [
    ("PASS", "PASS"), ("**PASS** ✅", "PASS"), ("Approved", "PASS"), ("LGTM", "PASS"), ("GO", "PASS"),
    ("PASS, no critical issues", "PASS"), ("PASS (0 critical, 0 high)", "PASS"), ("PASS (non-blocking nits)", "PASS"),
    ("PASS (a high-risk change, reviewed)", "PASS"), ("PASS (high severity issue open)", "FAIL"),
    ("PASS WITH WARNINGS", "PASS WITH WARNINGS"), ("Pass with 2 medium issues", "PASS WITH WARNINGS"),
    ("conditional pass", "PASS WITH WARNINGS"), ("changes requested", "PASS WITH WARNINGS"),
    ("FAIL", "FAIL"), ("NO-GO", "FAIL"), ("not passing", "FAIL"), ("does not pass", "FAIL"), ("No pass", "FAIL"),
    ("PASS (with 2 critical issues)", "FAIL"), ("pass — 1 high finding open", "FAIL"), ("Rejected", "FAIL"),
    ("not approved", "FAIL"), ("PASS | PASS WITH WARNINGS | FAIL", "FAIL")])
def test_verdict_reading(verdict: str, reading: str) -> None:
    assert parse_report("x", f"**Verdict**: {verdict}\n")["verdict"] == reading


def test_verdict_heading_above_the_json_block() -> None:
    r = parse_report("x", '## Verdict\n\n```json\n{"verdict": "PASS", "findings": []}\n```\n')
    assert r["verdict"] == "PASS" and r["warnings"] == []


def test_unreadable_verdict_is_a_warning() -> None:
    res = summarize([("x", "Verdict: ???\n- [LOW] nit\n")])
    assert res["recommendation"] == "GO-WITH-WARNINGS"
    assert any("could not be read" in w for w in res["warnings"])


def test_report_with_findings_but_no_verdict_line_is_shown_as_such() -> None:  # newcomer p4
    from cadence.core.gate import render_text
    res = summarize([("audit", "- [MEDIUM] a\n- [LOW] b\n")])
    assert res["reports"][0]["verdict"] is None and res["reports"][0]["parsed"] is True
    assert "@audit: no verdict line (2 findings read)" in render_text(res)
    assert "| audit | no verdict line (2 findings read) |" in res["pr_section"]
    assert "UNKNOWN" not in render_text(res) + res["pr_section"]


@pytest.mark.parametrize("reports,expected", [
    ([("a", "**Verdict**: PASS")], "GO"),
    ([("a", "Verdict: PASS"), ("b", "- [LOW] tiny")], "GO"),
    ([("a", "**Verdict**: PASS"), ("b", "- [INFO] nice")], "GO"),
    ([("a", "**Verdict**: PASS WITH WARNINGS")], "GO-WITH-WARNINGS"),
    ([("a", "- [MEDIUM] something")], "GO-WITH-WARNINGS"),
    ([("a", "**Verdict**: FAIL")], "NO-GO"),
    ([("a", "### [HIGH] bad")], "NO-GO"),
    ([("a", "**Verdict**: PASS"), ("b", "")], "GO-WITH-WARNINGS"),
])
def test_recommendations(reports: list[tuple[str, str]], expected: str) -> None:
    assert rec(*reports) == expected


# ------------------------------------------------------------------ the reviewers the scope requires (newcomer M1)

def test_missing_reviewers_are_named_and_never_go() -> None:
    docs = ("docs-writer", "README updated.\nVerdict: PASS\n")
    res = summarize([docs], "standard", required=["testing", "security", "audit", "docs-writer"])
    assert res["recommendation"] == "GO-WITH-WARNINGS"
    assert res["missing"] == ["testing", "security", "audit"]
    from cadence.core.gate import render_text
    for text in (render_text(res), res["pr_section"]):
        assert text.count("missing: @testing, @security, @audit (required at scope standard, no report)") == 1


def test_missing_reviewer_at_scope_high_is_no_go() -> None:
    res = summarize([("testing", "Verdict: PASS")], "high", required=["testing", "security"])
    assert res["recommendation"] == "NO-GO"
    assert res["blockers"] == [{"agent": "security", "severity": "high", "title": "no report (required at scope high)",
                                "location": ""}]


def test_allowed_missing_reviewer_is_not_counted() -> None:
    allowed = [{"agent": "security", "reason": "no entry point changed", "decision": "D-001"}]
    res = summarize([("testing", "Verdict: PASS")], "high", required=["testing", "security"], allowed=allowed)
    assert res["recommendation"] == "GO" and res["missing"] == [] and res["allowed_missing"] == allowed
    assert "@security (D-001: no entry point changed)" in res["pr_section"]


# ------------------------------------------------------------------ loop evidence, result shape

def _loop(statuses: list[str], verified: bool | None = True, exit_code: int = 0) -> dict:
    tasks = []
    for i, s in enumerate(statuses):
        tasks.append({"index": i, "description": f"t{i}", "status": s, "verified": verified if s == "passed" else None,
                      "evidence": [{"at": f"2026-01-01T00:00:0{i}", "kind": "test", "exit_code": exit_code,
                                    "counts": None}]})
    return {"plan": "p.md", "tasks": tasks}


def test_loop_evidence_joins_gate() -> None:
    ok = ("a", "**Verdict**: PASS")
    assert rec(ok, loop=_loop(["passed", "passed"])) == "GO"
    assert rec(ok, loop=_loop(["passed"], verified=False)) == "GO-WITH-WARNINGS"
    assert rec(ok, loop=_loop(["passed"], exit_code=1)) == "GO-WITH-WARNINGS"
    res = summarize([ok], loop=_loop(["passed", "failed"]))
    assert res["recommendation"] == "NO-GO"
    assert res["blockers"][0]["agent"] == "loop"


def test_result_shape_and_pr_section() -> None:
    res = summarize([("testing", BULLETS), ("security", HEADINGS)], "high", None, "2026-01-01T00:00:00+00:00")
    assert set(res) >= {"recommendation", "reports", "blockers", "pr_section", "scope", "timestamp", "missing",
                        "required", "allowed_missing"}
    for r in res["reports"]:
        assert set(r) == {"agent", "verdict", "parsed", "findings"}
        for f in r["findings"]:
            assert set(f) == {"severity", "title", "location", "description"}
    assert res["pr_section"].startswith("## Quality Gate")
    assert "NO-GO" in res["pr_section"]
    assert gate_problem(json.loads(json.dumps(res))) is None


@pytest.mark.parametrize(("mutate", "path"), [
    (lambda g: g.update(blockers=["a"]), "blockers[0] must be an object"),
    (lambda g: g.update(reports=[1]), "reports[0] must be an object"),
    (lambda g: g["reports"][0].update(findings="x"), "reports[0].findings must be a list"),
    (lambda g: g["reports"][0]["findings"].append({"severity": "HUGE", "title": "t"}),
     "reports[0].findings[1].severity"),
    (lambda g: g["reports"][0].update(parsed="yes"), "reports[0].parsed"),
    (lambda g: g["blockers"][0].update(title=5), "blockers[0].title must be a string"),
    (lambda g: g.update(warnings=[{}]), "warnings must be a list of strings"),
    (lambda g: g.update(missing="testing"), "missing must be a list of strings"),
    (lambda g: g.update(recommendation="MAYBE"), "recommendation must be one of"),
    (lambda g: g.update(pr_section=None), "pr_section must be a string"),
    (lambda g: g.update(loop=[]), "loop must be an object or null"),
])
def test_gate_problem_names_the_field(mutate, path: str) -> None:
    res = json.loads(json.dumps(summarize([("testing", "- [HIGH] x")])))
    mutate(res)
    assert path in str(gate_problem(res))


# ------------------------------------------------------------------ properties: total, bounded, monotone

_tag = st.sampled_from(["HIGH", "LOW", "INFO", "BLOCKING", "MEDIUM", "CRITICAL", "NIT", "P0", "P3", "x", " ",
                        "CRІTICAL", "Critical!!"])
_line = st.one_of(
    st.text(max_size=60),
    st.builds(lambda t, x: f"### [{t}] {x}", _tag, st.text(max_size=20)),
    st.builds(lambda t, x: f"- [{t}] {x}", _tag, st.text(max_size=20)),
    st.builds(lambda v: f"**Verdict**: {v}", st.sampled_from(["PASS", "FAIL", "PASS WITH WARNINGS", "???",
                                                                 "NOT PASSING", "PASS (with 1 critical issue)"])),
    st.sampled_from(["```json", "```", "~~~", "    ```", "```markdown", "## Verdict", "FAIL", "PASS", "{", "}",
                     '{"verdict": "PASS", "findings": []}',
                     '{"verdict": "PASS", "findings": [{"severity": "LOW", "title": "t"}]}',
                     '{"findings": [{"severity": "HIGH", "title": "t", "location": "a.py:1"}]}']),
)
CRITICALS = [
    "- [CRITICAL] hard-coded key",
    "### [CRITICAL] hard-coded key\n**Location**: `a.py:1`",
    "1. **[BLOCKING]** hard-coded key",
    "- [P0] hard-coded key — a.py:1 — key in source",
    '```json\n{"verdict": "FAIL", "findings": [{"severity": "CRITICAL", "title": "hard-coded key"}]}\n```',
    "Verdict: FAIL",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line, max_size=30), st.sampled_from(CRITICALS), st.sampled_from(["\n", "\n\n", "\r\n"]))
def test_appending_a_critical_finding_never_improves_the_verdict(lines: list[str], critical: str, sep: str) -> None:
    text = "\n".join(lines)
    before = RECOMMENDATIONS.index(rec(("x", text)))
    after = summarize([("x", text + sep + critical + "\n")])
    assert RECOMMENDATIONS.index(after["recommendation"]) >= before
    assert after["recommendation"] == "NO-GO"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(CRITICALS))
def test_appending_a_critical_finding_to_arbitrary_text_gives_no_go(text: str, critical: str) -> None:
    before = RECOMMENDATIONS.index(rec(("x", text)))
    after = RECOMMENDATIONS.index(rec(("x", text + "\n" + critical + "\n")))
    assert after >= before and after == 2


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=30))
def test_report_parser_total(lines: list[str]) -> None:
    text = "\n".join(lines)
    r = parse_report("x", text)
    assert r["parsed"] == (r["verdict"] != "UNPARSED")
    for f in r["findings"]:
        assert f["severity"] in ("critical", "high", "medium", "low", "info")
        assert f["title"]
    res = summarize([("x", text)])
    assert gate_problem(json.loads(json.dumps(res))) is None
    if any(f["severity"] in ("critical", "high") for f in r["findings"]):
        assert res["recommendation"] == "NO-GO"
    if not r["parsed"] or r["warnings"]:
        assert res["recommendation"] != "GO"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_parser_never_raises_on_arbitrary_text(text: str) -> None:
    r = parse_report("x", text)
    assert r["verdict"] in ("PASS", "PASS WITH WARNINGS", "FAIL", "UNPARSED", None)


@pytest.mark.parametrize("text", [
    "#" * 300_000, "[" * 300_000, "- [HIGH] " + "a" * 300_000, "- [HIGH] `" + "a/" * 150_000,
    "- [HIGH] x — " + "a." * 150_000 + " — y", "```json\n" * 50_000, "```\n" * 100_000,
    "```json\n" + "[" * 100_000, "Verdict: " + "not " * 100_000, "- [abcdefgh] t\n" * 30_000,
    "### [HIGH] t\n**Location**: " + "*" * 300_000, " " * 300_000 + "x"])
def test_parser_is_bounded_in_time(text: str) -> None:
    start = time.monotonic()
    res = summarize([("x", text)])
    assert time.monotonic() - start < 5, "parser too slow"
    assert res["recommendation"] in RECOMMENDATIONS


def test_oversized_report_is_cut_with_a_warning() -> None:
    r = parse_report("x", "Verdict: PASS\n" + "a" * MAX_REPORT)
    assert any("longer than" in w for w in r["warnings"])
    assert rec(("x", "Verdict: PASS\n" + "a" * MAX_REPORT)) == "GO-WITH-WARNINGS"
