"""Quality gate: parse sub-agent reports (every accepted format), fold in loop evidence and the reviewers the
change scope requires, decide. Pure.

Reading rules (docs/workflow.md, "Quality gate"):
* every line is read as text, inside code fences too: a fence can never hide a finding or a verdict;
* a fenced JSON block with a `findings` list is the report's list of findings; a markdown finding that
  matches one of its entries (same title, or same location) is that entry, one that matches none is a
  contradiction: it is kept and the report gets a warning;
* every verdict counts and the most severe wins; a stated verdict milder than its own findings is raised;
* severity tags and verdict words are read after Unicode folding (NFKC, look-alike letters, zero-width
  characters); an unknown severity in a JSON finding is read as critical;
* every report warning makes the gate at least GO-WITH-WARNINGS: a contradiction never resolves to GO.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

MAX_REPORT = 2_000_000  # characters read from one report; a longer one is cut, with a warning
SEVERITIES = ("critical", "high", "medium", "low", "info")
RECOMMENDATIONS = ("GO", "GO-WITH-WARNINGS", "NO-GO")
VERDICTS = ("PASS", "PASS WITH WARNINGS", "FAIL")
SEVERITY_MAP = {
    "critical": "critical", "crit": "critical", "blocking": "critical", "blocker": "critical", "error": "critical",
    "p0": "critical", "urgent": "critical", "severe": "critical", "fatal": "critical", "showstopper": "critical",
    "high": "high", "major": "high", "important": "high", "p1": "high",
    "medium": "medium", "med": "medium", "moderate": "medium", "warning": "medium", "warn": "medium",
    "suggestion": "medium", "p2": "medium",
    "low": "low", "minor": "low", "nitpick": "low", "nit": "low", "trivial": "low", "cosmetic": "low",
    "style": "low", "p3": "low",
    "info": "info", "informational": "info", "praise": "info", "note": "info", "fyi": "info", "positive": "info"}
_STEMS = {"critical": "critical", "block": "critical", "error": "critical", "urgent": "critical", "high": "high",
          "major": "high", "medium": "medium", "moderat": "medium", "warn": "medium", "suggest": "medium",
          "minor": "low", "nitpick": "low", "trivial": "low", "info": "info", "prais": "info"}
_SKELETON = str.maketrans("l1|05", "iioos")
_SKELETONS = {k.translate(_SKELETON): v for k, v in SEVERITY_MAP.items() if len(k) >= 3}
_STEM = re.compile(f"^({'|'.join(_STEMS)})[a-z0-9]{{0,4}}$")
# Latin look-alikes (Cyrillic, Greek) and invisible characters, applied after NFKC.
_CONFUSABLES = str.maketrans("АВСЕНІЈКМОРЅТХУҮԚԜасеіјкорѕхуԁһӏԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρυ",
                             "ABCEHIJKMOPSTXYYQWaceijkopsxydhlqwABEZHIKMNOPTYXoikvpu",
                             "\u00ad\u034f\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*(?:\*\*|__)?\[(?P<tag>[^\]\n]{1,40})\](?:\*\*|__)?(?P<rest>.*)$")
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\*\*|__)?\[(?P<tag>[^\]\n]{1,40})\](?:\*\*|__)?"
                     r"(?P<rest>.*)$")
_VERDICT = re.compile(r"^[ \t>#*_-]*(?:final |overall )?verdict[*_]*[ \t]*(?::|—|–|=|-(?=[ \t]))[ \t]*(?P<v>.*)$")
_VERDICT_ALONE = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]*)?[*_]*(?:final |overall )?verdict[ \t:#*_]*$")
_FIELD = re.compile(r"^[ \t>*-]*(?:\*\*|__)?(?P<key>location|file|description)(?:\*\*|__)?[ \t]*:(?:\*\*|__)?"
                    r"[ \t]*(?P<val>.*)$", re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]{0,3}(?P<f>`{3,}|~{3,})[ \t]*(?P<lang>[^\s`]*)")
_BACKTICK_LOC = re.compile(r"`(?P<loc>[^`\s]+(?:/|\.)[^`\s]*)`")
_PATHLIKE = re.compile(r"^`?[^\s`]*(?:/|\.[A-Za-z0-9]|:\d)[^\s`]*`?$")
_DASH = re.compile(r"[ \t]+[—–][ \t]+")
_WORDS = re.compile(r"[a-z0-9]+")
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"\W+")


def _fold(text: str) -> str:
    """The comparable form of a tag or verdict: NFKC, look-alikes mapped to Latin, accents dropped, lower case."""
    if text.isascii():
        return text.lower()
    t = unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)
    return "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c)).lower()


def read_severity(tag: Any) -> str | None:
    """The severity a tag names, or None when it names none. Several names: the most severe. A word that starts
    with a severity's stem and is at most four letters longer reads as that severity (`CRITICALS`, `WARNINGS`)."""
    return _severity_of(str(tag or "")[:80])


@lru_cache(maxsize=1024)
def _severity_of(tag: str) -> str | None:
    words = _WORDS.findall(_fold(tag))[:8]
    found = [SEVERITY_MAP[w] for w in words if w in SEVERITY_MAP]
    if not found and 1 < len(words) <= 12 and all(len(w) == 1 for w in words):
        found = [SEVERITY_MAP.get("".join(words), "")]  # C R I T I C A L
    if not any(found):  # Latin look-alikes inside a word: CRlTICAL, HlGH, INF0
        found = [_SKELETONS.get(w.translate(_SKELETON), "") for w in words]
    if not any(found):
        found = [_STEMS[m.group(1)] for w in words if (m := _STEM.match(w))]
    found = [f for f in found if f]
    return min(found, key=SEVERITIES.index) if found else None


def severity(tag: Any) -> str:
    """A JSON finding's severity: an unknown value is read as critical (the worst plausible reading)."""
    return read_severity(tag) or "critical"


_NOT_SERIOUS = re.compile(r" (?:no|non|zero|0|without|never) (?:open |unresolved |new |remaining )?(?:critical|high|"
                          r"blocking|blockers?|major|severe|p0|p1|fail\w*|issues?|concerns?|findings?|problems?|"
                          r"warnings?)(?= )")
_FAIL = re.compile(r" no ?go | fail| reject| block| unapprov| unaccept| do not merge | (?:not|no|non|never|isn t|"
                   r"didn t|doesn t|does not|did not|cannot|can t) (?:a |yet |quite )?(?:pass|go |approv|ok |accept|"
                   r"lgtm)")
_SERIOUS = re.compile(r" (?:[1-9]\d*|one|two|three|four|five|several|some|many|multiple) (?:open |unresolved )?"
                      r"(?:critical|high|blocking|blockers?|severe|major|p0|p1) | (?:critical|high|blocking|p0|p1) "
                      r"(?:issue|finding|bug|problem|vulnerab|severity)")
_WARN = re.compile(r" warn| condition| but | except| caveat| changes? request| needs? (?:work|changes|fixes) | partial"
                   r"| with (?:[a-z0-9]+ ){0,3}(?:issues?|concerns?|warnings?|comments?|nits?|notes?|suggestions?|"
                   r"findings?|caveats?|conditions?|changes?|reservations?) ")
_PASS = re.compile(r" pass| go | approv| lgtm | ok | accept")


def normalise_verdict(text: Any) -> str | None:
    """PASS / PASS WITH WARNINGS / FAIL, or None when the text names no verdict. Negations (`NOT PASSING`) and
    qualifiers naming open critical or high issues (`PASS (with 2 critical issues)`) are not a pass."""
    if not isinstance(text, str) or not text.strip():
        return None
    t = " " + re.sub(r"[^a-z0-9]+", " ", _fold(text[:400])).strip() + " "
    t = _NOT_SERIOUS.sub(" ", t)
    if _FAIL.search(t) or _SERIOUS.search(t):
        return "FAIL"
    if _WARN.search(t):
        return "PASS WITH WARNINGS"
    return "PASS" if _PASS.search(t) else None


def _clean(s: Any, ticks: bool = False) -> str:
    out = _SPACE.sub(" ", str(s or "")[:4000]).strip()
    return out.strip("`").strip() if ticks else out


def _key(title: str) -> str:
    return _NON_WORD.sub(" ", title.casefold()).strip()


def _json_blocks(lines: list[str], warnings: list[str]) -> list[dict[str, Any]]:
    """Every fenced block that holds a JSON object with `verdict` or `findings`. A ```json fence is read up to
    the next bare closing fence (or the end of the report), even when an unclosed fence precedes it."""
    fences = {k: m for k, line in enumerate(lines) if ("``" in line or "~~" in line) and (m := _FENCE.match(line))}
    close: dict[int, int | None] = {}
    nxt: dict[str, int | None] = {"`": None, "~": None}
    for k in sorted(fences, reverse=True):  # the next bare fence of the same character after each fence
        m = fences[k]
        close[k] = nxt[m.group("f")[0]]
        if not m.group("lang") and not lines[k][m.end():].strip():
            nxt[m.group("f")[0]] = k
    starts = {k for k, m in fences.items() if m.group("lang").lower() == "json"}
    resume = 0
    for k in sorted(fences):  # fences paired in order, as a markdown renderer would; an unclosed one is text
        if k < resume:
            continue
        if fences[k].group("lang").lower() in ("", "jsonc", "json5"):
            starts.add(k)
        resume = (close[k] or k) + 1
    blocks: list[dict[str, Any]] = []
    budget = 2 * MAX_REPORT
    decoder = json.JSONDecoder()
    for i in sorted(starts):
        if i + 1 >= len(lines) or not lines[i + 1].lstrip().startswith("{"):
            continue
        body = "\n".join(lines[i + 1:close[i] or len(lines)])
        budget -= len(body)
        if budget < 0:
            warnings.append("too many JSON blocks; the later ones were not read")
            break
        try:
            data, _ = decoder.raw_decode(body.strip())
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and ("verdict" in data or "findings" in data):
            blocks.append(data)
    return blocks


def _finding(sev: str, title: str, location: str = "", description: str = "") -> dict[str, str]:
    return {"severity": sev, "title": title or "(no title)", "location": location, "description": description}


def _pathlike(text: str) -> bool:
    return len(text) <= 300 and bool(_PATHLIKE.match(text.strip()))


def _bullet_finding(sev: str, rest: str) -> dict[str, str]:
    """`- [SEV] title — path:line — description` (the testing agent's format), or `- [SEV] free text` whose
    first backticked path is the location."""
    rest = rest[:4000].strip().lstrip(":—–-").strip()
    parts = _DASH.split(rest, maxsplit=2)
    if len(parts) > 1 and _pathlike(parts[1]):
        return _finding(sev, _clean(parts[0]), _clean(parts[1], True), _clean(" — ".join(parts[2:])))
    loc = _BACKTICK_LOC.search(parts[0])
    return _finding(sev, _clean(parts[0]), loc.group("loc") if loc else "", _clean(" — ".join(parts[1:])))


def _markdown(lines: list[str]) -> tuple[list[dict[str, str]], list[str]]:
    """Findings (headings and bullets) and verdict texts from every line."""
    findings: list[dict[str, str]] = []
    verdicts: list[str] = []
    current: dict[str, str] | None = None
    verdict_next = False
    for line in lines:
        if not line.isascii():
            line = unicodedata.normalize("NFKC", line[:8000])
        elif current is None and not verdict_next and "[" not in line and "#" not in line \
                and "erdict" not in line.lower():
            continue  # cannot hold a finding, a verdict or a field
        h = _HEADING.match(line)
        sev = read_severity(h.group("tag")) if h else None
        if verdict_next and line.strip():  # the line under a `## Verdict` heading, when it names a verdict
            verdict_next = False
            if not sev and normalise_verdict(line) is not None:
                verdicts.append(line)
                continue
        if h and sev:
            current = _finding(sev, _clean(h.group("rest").strip().lstrip(":—–-").rstrip(" \t#")))
            findings.append(current)
            continue
        head = line.lstrip(" \t>#*_-")
        folded = _fold(head[:400]) if "erdict" in _fold(head[:40]) else ""
        if folded and _VERDICT_ALONE.match(folded):
            verdict_next, current = True, None
            continue
        v = _VERDICT.match(folded) if folded else None
        if v:
            verdicts.append(v.group("v"))
            continue
        if line.lstrip().startswith("#"):
            current = None  # any other heading ends the finding: fields are never borrowed from the next one
            continue
        b = _BULLET.match(line)
        sev = read_severity(b.group("tag")) if b else None
        if b and sev:
            current = None
            findings.append(_bullet_finding(sev, b.group("rest")))
            continue
        if current is not None:
            fm = _FIELD.match(line[:4000])
            if fm:
                field = "location" if fm.group("key").lower() in ("location", "file") else "description"
                if not current[field]:
                    current[field] = _clean(fm.group("val"), field == "location")
    return findings, verdicts


def _json_findings(blocks: list[dict[str, Any]], warnings: list[str]) -> list[dict[str, str]] | None:
    """The findings of the JSON blocks, or None when no block holds a `findings` list."""
    out: list[dict[str, str]] | None = None
    for data in blocks:
        items = data.get("findings")
        if items is None:
            continue
        if not isinstance(items, list):
            warnings.append("the JSON block's `findings` is not a list; it was not read")
            continue
        out = out if out is not None else []
        for f in items:
            if isinstance(f, dict):
                raw = f.get("severity")
                sev = read_severity(raw)
                title = _clean(f.get("title") or f.get("description"))
                if sev is None:
                    sev = "medium" if raw in (None, "") else "critical"
                    warnings.append(f"finding {title[:60]!r}: " + ("no severity, read as medium" if raw in (None, "")
                                    else f"unknown severity {_clean(raw)[:30]!r}, read as critical"))
                out.append(_finding(sev, title, _clean(f.get("location") or f.get("file"), True),
                                    _clean(f.get("description"))))
            elif isinstance(f, str) and f.strip():
                b = _BULLET.match("- " + f.strip()[:4000])
                sev = read_severity(b.group("tag")) if b else None
                out.append(_bullet_finding(sev, b.group("rest")) if b and sev else _finding("medium", _clean(f)))
    return out


def _merge(json_found: list[dict[str, str]], md_found: list[dict[str, str]],
           warnings: list[str]) -> list[dict[str, str]]:
    """One finding, one entry: a markdown finding is the JSON entry with its title, else the one at its location
    (same severity first); the more severe reading wins. Unmatched markdown findings are kept, with a warning."""
    merged = [dict(f) for f in json_found]
    by_title: dict[str, list[int]] = {}
    by_loc: dict[str, list[int]] = {}
    for k, g in enumerate(merged):
        by_title.setdefault(_key(g["title"]), []).append(k)
        if g["location"]:
            by_loc.setdefault(g["location"], []).append(k)
    taken: set[int] = set()
    extra: list[dict[str, str]] = []
    for f in md_found:
        free = [k for k in by_title.get(_key(f["title"]), []) if k not in taken]
        if not free and f["location"]:
            at = [k for k in by_loc.get(f["location"], []) if k not in taken]
            free = [k for k in at if merged[k]["severity"] == f["severity"]] or at
        if not free:
            extra.append(f)
            continue
        taken.add(free[0])
        g = merged[free[0]]
        if SEVERITIES.index(f["severity"]) < SEVERITIES.index(g["severity"]):
            warnings.append(f"{g['title'][:60]!r} is {f['severity']} in the text but {g['severity']} in the JSON "
                            f"block; read as {f['severity']}")
            g["severity"] = f["severity"]
    if extra:
        warnings.append(f"{len(extra)} finding(s) in the text are not in the JSON block; kept: "
                        + "; ".join(f"[{f['severity'].upper()}] {f['title'][:60]}" for f in extra[:5]))
    return merged + extra


def _unique(findings: list[dict[str, str]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for f in findings:
        ident = (f["severity"], _key(f["title"]), f["location"])
        if ident not in seen:
            seen.add(ident)
            out.append(f)
    return out


def _implied(findings: list[dict[str, str]]) -> str:
    sev = {f["severity"] for f in findings}
    return "FAIL" if sev & {"critical", "high"} else "PASS WITH WARNINGS" if "medium" in sev else "PASS"


def parse_report(agent: str, text: str) -> dict[str, Any]:
    """{"agent", "verdict" (PASS | PASS WITH WARNINGS | FAIL | None), "parsed", "findings": [{"severity", "title",
    "location", "description"}], "warnings": [...]}. Never raises; linear in the report's size."""
    warnings: list[str] = []
    text = str(text or "")
    if len(text) > MAX_REPORT:
        warnings.append(f"report longer than {MAX_REPORT:,} characters; only the first {MAX_REPORT:,} were read")
        text = text[:MAX_REPORT]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = _json_blocks(lines, warnings)
    md_found, md_verdicts = _markdown(lines)
    json_found = _json_findings(blocks, warnings)
    findings = _unique(_merge(json_found, _unique(md_found), warnings) if json_found is not None else md_found)
    stated: list[str] = []
    for raw in [d["verdict"] for d in blocks if "verdict" in d] + md_verdicts:
        v = normalise_verdict(raw)
        if v is None:
            warnings.append(f"verdict {_clean(raw)[:60]!r} could not be read")
        else:
            stated.append(v)
    verdict = max(stated, key=VERDICTS.index) if stated else None
    if len(set(stated)) > 1:
        warnings.append(f"several verdicts ({', '.join(sorted(set(stated), key=VERDICTS.index))}); "
                        f"the most severe, {verdict}, counts")
    if verdict is not None and VERDICTS.index(_implied(findings)) > VERDICTS.index(verdict):
        implied = _implied(findings)
        warnings.append(f"verdict {verdict} contradicts its own findings; read as {implied}")
        verdict = implied
    parsed = verdict is not None or bool(findings)
    return {"agent": agent, "verdict": verdict if parsed else "UNPARSED", "parsed": parsed, "findings": findings,
            "warnings": warnings}


def _counts(findings: list[dict[str, str]]) -> str:
    c = {s: 0 for s in SEVERITIES}
    for f in findings:
        c[f["severity"]] = c.get(f["severity"], 0) + 1
    parts = [f"{n} {s}" for s, n in c.items() if n]
    return ", ".join(parts) if parts else "no findings"


def verdict_label(report: dict[str, Any]) -> str:
    """How a report's verdict is shown to a person."""
    if not report["parsed"]:
        return "unparsed (no verdict or finding could be read)"
    if report["verdict"] is None:
        return f"no verdict line ({len(report['findings'])} findings read)"
    return str(report["verdict"])


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
              now: str = "", required: list[str] | tuple[str, ...] = (),
              allowed: list[dict[str, Any]] | tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    """Aggregate reports (agent, text), the reviewers the scope requires (`allowed`: the human's exceptions,
    {"agent", "reason", "decision"}) and the loop's evidence into the gate result."""
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
        if r["warnings"]:
            level = max(level, 1)
            warnings += [f"@{r['agent']}: {w}" for w in r["warnings"]]
    reported = {r["agent"].lower() for r in parsed}
    excused = {str(a["agent"]) for a in allowed}
    missing = [a for a in required if a not in reported and a not in excused]
    if missing and scope == "high":
        level = 2
        blockers += [{"agent": a, "severity": "high", "title": "no report (required at scope high)", "location": ""}
                     for a in missing]
    elif missing:
        level = max(level, 1)  # listed as `missing` (and by name in the text and the PR section)
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
    result = {"timestamp": now, "scope": scope or "unknown", "recommendation": RECOMMENDATIONS[level],
              "reports": [{"agent": r["agent"], "verdict": r["verdict"], "parsed": r["parsed"],
                           "findings": r["findings"]} for r in parsed],
              "required": list(required), "missing": missing, "allowed_missing": [dict(a) for a in allowed],
              "blockers": blockers, "warnings": warnings, "loop": facts}
    result["pr_section"] = pr_section(result)
    return result


def _missing_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    if result.get("missing"):
        lines.append(f"missing: {', '.join('@' + a for a in result['missing'])} "
                     f"(required at scope {result['scope']}, no report)")
    lines += [f"allowed without a report: @{a['agent']} ({a.get('decision') or 'decision'}: {a['reason']})"
              for a in result.get("allowed_missing") or []]
    return lines


def pr_section(result: dict[str, Any]) -> str:
    lines = ["## Quality Gate", "", f"**Recommendation: {result['recommendation']}** (scope: {result['scope']})", "",
             "| Agent | Verdict | Findings |", "|---|---|---|"]
    for r in result["reports"]:
        lines.append(f"| {r['agent']} | {verdict_label(r)} | {_counts(r['findings'])} |")
    extra = _missing_lines(result)
    if extra:
        lines += ["", "**Reviewers**", ""] + [f"- {x}" for x in extra]
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


def gate_problem(data: Any) -> str | None:
    """Why a stored gate result cannot be used (the path of the first wrongly typed field), or None."""
    if not isinstance(data, dict):
        return "the top level must be an object"
    if data.get("recommendation") not in RECOMMENDATIONS:
        return "recommendation must be one of " + ", ".join(RECOMMENDATIONS)
    for key in ("pr_section", "timestamp", "scope"):
        if not isinstance(data.get(key), str):
            return f"{key} must be a string"
    for key in ("warnings", "missing", "required"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            return f"{key} must be a list of strings"
    shapes = {"reports": ("agent",), "blockers": ("agent", "severity", "title"), "allowed_missing": ("agent", "reason")}
    for key, fields in shapes.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            return f"{key} must be a list"
        for k, item in enumerate(items):
            if not isinstance(item, dict):
                return f"{key}[{k}] must be an object"
            for field in (*fields, "location"):
                if not isinstance(item.get(field, ""), str):
                    return f"{key}[{k}].{field} must be a string"
    for k, r in enumerate(data["reports"]):
        if not isinstance(r.get("verdict"), str | None):
            return f"reports[{k}].verdict must be a string or null"
        if not isinstance(r.get("parsed"), bool):
            return f"reports[{k}].parsed must be true or false"
        if not isinstance(r.get("findings"), list):
            return f"reports[{k}].findings must be a list"
        for m, f in enumerate(r["findings"]):
            if not isinstance(f, dict):
                return f"reports[{k}].findings[{m}] must be an object"
            if f.get("severity") not in SEVERITIES:
                return f"reports[{k}].findings[{m}].severity must be one of " + ", ".join(SEVERITIES)
            for field in ("title", "location", "description"):
                if not isinstance(f.get(field), str):
                    return f"reports[{k}].findings[{m}].{field} must be a string"
    if data.get("loop") is not None and not isinstance(data["loop"], dict):
        return "loop must be an object or null"
    return None


def render_text(result: dict[str, Any]) -> str:
    lines = [f"Recommendation: {result['recommendation']}", f"Scope: {result['scope']}"]
    lines += _missing_lines(result) + [""]
    for r in result["reports"]:
        lines.append(f"@{r['agent']}: {verdict_label(r)} — {_counts(r['findings'])}")
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
