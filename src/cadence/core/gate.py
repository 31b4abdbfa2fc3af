"""Quality gate: parse sub-agent reports (every accepted format), fold in loop evidence, decide. Pure.

A report from which neither a verdict nor a finding can be read is *unparsed* and never a silent GO.
"""

from __future__ import annotations

import json
import re
from typing import Any

SEVERITY_MAP = {"critical": "critical", "blocking": "critical", "blocker": "critical", "error": "critical",
                "high": "high", "major": "high", "medium": "medium", "warning": "medium", "warn": "medium",
                "suggestion": "medium", "moderate": "medium", "low": "low", "nitpick": "low", "nit": "low",
                "minor": "low", "info": "info", "praise": "info", "note": "info"}
SEVERITIES = ("critical", "high", "medium", "low", "info")
RECOMMENDATIONS = ("GO", "GO-WITH-WARNINGS", "NO-GO")
_TAGS = ("CRITICAL|BLOCKING|BLOCKER|ERROR|HIGH|MAJOR|MEDIUM|MODERATE|WARNING|WARN|SUGGESTION|LOW|MINOR|NITPICK|NIT|"
         "INFO|PRAISE|NOTE")
_HEADING = re.compile(rf"^#{{2,6}}[ \t]*(?:\*\*)?\[(?P<tag>{_TAGS})\](?:\*\*)?[ \t:—-]*(?P<title>.*?)[ \t#]*$",
                      re.IGNORECASE)
_BULLET = re.compile(rf"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\*\*)?\[(?P<tag>{_TAGS})\](?:\*\*)?[ \t:—-]*"
                     r"(?P<title>.+?)[ \t]*$", re.IGNORECASE)
_VERDICT = re.compile(r"^[ \t>*_-]*(?:\*\*|__)?verdict(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*(?P<v>.+?)[ \t]*$",
                      re.IGNORECASE)
_FIELD = re.compile(r"^[ \t>*-]*(?:\*\*|__)?(?P<key>location|file|description)(?:\*\*|__)?[ \t]*:(?:\*\*|__)?"
                    r"[ \t]*(?P<val>.*)$", re.IGNORECASE)
_FENCE_OPEN = re.compile(r"^[ \t]*(?P<f>```+|~~~+)[ \t]*(?P<lang>[A-Za-z0-9_+-]*)")
_BACKTICK_LOC = re.compile(r"`(?P<loc>[^`\s]+(?:/|\.)[^`\s]*)`")


def severity(tag: Any) -> str:
    return SEVERITY_MAP.get(str(tag or "").strip().strip("[]*").lower(), "medium")


def normalise_verdict(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    t = re.sub(r"[*_`]", "", text).strip().upper()
    if re.search(r"\bNO[- ]?GO\b|\bFAIL|\bREJECT|\bBLOCK", t):
        return "FAIL"
    if re.search(r"WARN|CONDITION|WITH (?:MINOR )?(?:ISSUES|CONCERNS)|CHANGES REQUESTED", t):
        return "PASS WITH WARNINGS"
    if re.search(r"\bPASS|\bGO\b|\bAPPROVE|\bLGTM\b|\bOK\b", t):
        return "PASS"
    return None


def _clean(s: Any, ticks: bool = False) -> str:
    out = re.sub(r"\s+", " ", str(s or "")).strip()
    return out.strip("`").strip() if ticks else out


def _json_blocks(text: str) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    """Parsed ```json blocks and the line spans of every fenced block."""
    lines = text.split("\n")
    blocks: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group("f"), m.group("lang").lower()
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        spans.append((i, j))
        if lang in ("json", "jsonc", ""):
            try:
                data = json.loads("\n".join(lines[i + 1:j]))
            except ValueError:
                data = None
            if isinstance(data, dict) and ("verdict" in data or "findings" in data):
                blocks.append(data)
        i = j + 1
    return blocks, spans


def parse_report(agent: str, text: str) -> dict[str, Any]:
    """{"agent", "verdict", "parsed", "findings": [{"severity", "title", "location", "description"}]}."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    findings: list[dict[str, str]] = []
    verdict: str | None = None
    raw_verdict: str | None = None
    blocks, spans = _json_blocks(text)
    for data in blocks:
        v = data.get("verdict")
        if isinstance(v, str) and v.strip():
            raw_verdict = v.strip()
            verdict = normalise_verdict(v) or verdict
        for f in data.get("findings") or []:
            if isinstance(f, dict):
                findings.append({"severity": severity(f.get("severity")), "title": _clean(f.get("title")),
                                 "location": _clean(f.get("location") or f.get("file"), True),
                                 "description": _clean(f.get("description"))})
            elif isinstance(f, str) and f.strip():
                findings.append({"severity": "medium", "title": _clean(f), "location": "", "description": ""})
    in_fence = [False] * (len(text.split("\n")) + 1)
    for a, b in spans:
        for k in range(a, min(b + 1, len(in_fence))):
            in_fence[k] = True
    lines = text.split("\n")
    current: dict[str, str] | None = None
    md_verdict: str | None = None
    for idx, line in enumerate(lines):
        if in_fence[idx]:
            continue
        h = _HEADING.match(line)
        if h:
            current = {"severity": severity(h.group("tag")), "title": _clean(h.group("title")), "location": "",
                       "description": ""}
            findings.append(current)
            continue
        if line.lstrip().startswith("#"):
            current = None  # any other heading ends the finding: fields are never borrowed from the next one
            continue
        bm = _BULLET.match(line)
        if bm:
            title = _clean(bm.group("title"))
            loc = _BACKTICK_LOC.search(bm.group("title"))
            current = None
            findings.append({"severity": severity(bm.group("tag")), "title": title,
                             "location": loc.group("loc") if loc else "", "description": ""})
            continue
        v = _VERDICT.match(line)
        if v and md_verdict is None:
            md_verdict = v.group("v")
            continue
        if current is not None:
            fm = _FIELD.match(line)
            if fm:
                field = "location" if fm.group("key").lower() in ("location", "file") else "description"
                if not current[field]:
                    current[field] = _clean(fm.group("val"), field == "location")
    if verdict is None and md_verdict is not None:
        raw_verdict = raw_verdict or _clean(md_verdict)
        verdict = normalise_verdict(md_verdict)
    unique: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for finding in findings:
        ident = (finding["severity"], finding["title"].lower())
        if not finding["title"] or ident in seen:
            continue
        seen.add(ident)
        unique.append(finding)
    parsed = verdict is not None or bool(unique)
    return {"agent": agent, "verdict": verdict or ("UNPARSED" if not parsed else "UNKNOWN"), "parsed": parsed,
            "raw_verdict": raw_verdict, "findings": unique}


def _counts(findings: list[dict[str, str]]) -> str:
    c = {s: 0 for s in SEVERITIES}
    for f in findings:
        c[f["severity"]] = c.get(f["severity"], 0) + 1
    parts = [f"{n} {s}" for s, n in c.items() if n]
    return ", ".join(parts) if parts else "no findings"


def loop_facts(loop: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the gate needs from the loop state: failed / unverified tasks and the last verify."""
    if not loop:
        return None
    tasks = loop.get("tasks") or []
    failed = [t for t in tasks if t.get("status") == "failed"]
    unverified = [t for t in tasks if t.get("status") == "passed" and t.get("verified") is False]
    last: dict[str, Any] | None = None
    for t in tasks:
        for e in t.get("evidence") or []:
            if last is None or str(e.get("at")) >= str(last.get("at")):
                last = e
    last_run = [e for t in tasks for e in (t.get("evidence") or []) if last and e.get("at") == last.get("at")]
    red = bool(last_run) and any(e.get("exit_code") != 0 or (e.get("counts") or {}).get("failed") for e in last_run)
    pending = [t for t in tasks if t.get("status") in ("pending", "in_progress")]
    return {"plan": loop.get("plan"), "failed": [{"index": t.get("index"), "description": t.get("description")}
                                                 for t in failed],
            "unverified": [{"index": t.get("index"), "description": t.get("description")} for t in unverified],
            "last_verify_red": red, "last_verify_at": last.get("at") if last else None,
            "pending": len(pending), "total": len(tasks)}


def summarize(reports: list[tuple[str, str]], scope: str | None = None, loop: dict[str, Any] | None = None,
              now: str = "") -> dict[str, Any]:
    """Aggregate reports (agent, text) and the loop's evidence into the gate result."""
    parsed = [parse_report(a, t) for a, t in reports]
    facts = loop_facts(loop)
    blockers: list[dict[str, str]] = []
    warnings: list[str] = []
    level = 0  # 0 GO, 1 GO-WITH-WARNINGS, 2 NO-GO
    for r in parsed:
        for f in r["findings"]:
            if f["severity"] in ("critical", "high"):
                level = 2
                blockers.append({"agent": r["agent"], "severity": f["severity"], "title": f["title"],
                                 "location": f["location"]})
            elif f["severity"] == "medium":
                level = max(level, 1)
        if r["verdict"] == "FAIL":
            level = 2
            if not any(b["agent"] == r["agent"] for b in blockers):
                blockers.append({"agent": r["agent"], "severity": "critical", "title": "verdict FAIL",
                                 "location": ""})
        elif r["verdict"] == "PASS WITH WARNINGS":
            level = max(level, 1)
        if not r["parsed"]:
            level = max(level, 1)
            warnings.append(f"@{r['agent']}: no verdict or finding could be read (unparsed report)")
    if facts:
        for t in facts["failed"]:
            level = 2
            blockers.append({"agent": "loop", "severity": "high", "title": f"task #{t['index'] + 1} failed: "
                             f"{t['description']}", "location": ""})
        if facts["unverified"]:
            level = max(level, 1)
            warnings.append(f"loop: {len(facts['unverified'])} task(s) passed without verification evidence")
        if facts["last_verify_red"]:
            level = max(level, 1)
            warnings.append("loop: the last verify run was red")
    rec = RECOMMENDATIONS[level]
    result = {"timestamp": now, "scope": scope or "unknown", "recommendation": rec,
              "reports": [{"agent": r["agent"], "verdict": r["verdict"], "parsed": r["parsed"],
                           "findings": r["findings"]} for r in parsed],
              "blockers": blockers, "warnings": warnings, "loop": facts}
    result["pr_section"] = pr_section(result)
    return result


def pr_section(result: dict[str, Any]) -> str:
    lines = ["## Quality Gate", "", f"**Recommendation: {result['recommendation']}** (scope: {result['scope']})", "",
             "| Agent | Verdict | Findings |", "|---|---|---|"]
    for r in result["reports"]:
        verdict = r["verdict"] if r["parsed"] else "unparsed"
        lines.append(f"| {r['agent']} | {verdict} | {_counts(r['findings'])} |")
    if result["blockers"]:
        lines += ["", "**Blockers**", ""]
        lines += [f"- [{b['severity'].upper()}] @{b['agent']}: {b['title']}"
                  + (f" (`{b['location']}`)" if b.get("location") else "") for b in result["blockers"]]
    if result.get("warnings"):
        lines += ["", "**Warnings**", ""] + [f"- {w}" for w in result["warnings"]]
    facts = result.get("loop")
    if facts:
        lines += ["", f"Loop: {facts['total'] - facts['pending'] - len(facts['failed'])}/{facts['total']} tasks done, "
                  f"{len(facts['failed'])} failed, {len(facts['unverified'])} unverified"
                  + ("; last verify red" if facts["last_verify_red"] else "")]
    return "\n".join(lines) + "\n"


def validate_gate(data: Any) -> bool:
    return (isinstance(data, dict) and data.get("recommendation") in RECOMMENDATIONS
            and isinstance(data.get("reports"), list) and isinstance(data.get("pr_section"), str))


def render_text(result: dict[str, Any]) -> str:
    lines = [f"Recommendation: {result['recommendation']}", f"Scope: {result['scope']}", ""]
    for r in result["reports"]:
        verdict = r["verdict"] if r["parsed"] else "UNPARSED (no verdict or finding could be read)"
        lines.append(f"@{r['agent']}: {verdict} — {_counts(r['findings'])}")
    allf = sorted(((SEVERITIES.index(f["severity"]), r["agent"], f) for r in result["reports"] for f in r["findings"]),
                  key=lambda x: x[0])
    if allf:
        lines += ["", "Findings:"]
        for _, agent, f in allf:
            lines.append(f"  [{f['severity'].upper()}] @{agent}: {f['title']}"
                         + (f" ({f['location']})" if f["location"] else ""))
            if f["description"]:
                lines.append(f"      {f['description'][:200]}")
    if result["blockers"]:
        lines += ["", "Blockers (must fix before merge):"]
        lines += [f"  [{b['severity'].upper()}] @{b['agent']}: {b['title']}" for b in result["blockers"]]
    if result.get("warnings"):
        lines += ["", "Warnings:"] + [f"  {w}" for w in result["warnings"]]
    return "\n".join(lines)
