"""The dashboard's coverage section: each requirement's stories, tasks and tests, and whether a test
naming it ran green in the latest recorded verify (computed by `cadence trace`)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

CSS = (".cov-verified{background:rgba(31,157,85,.15);color:var(--ok)}.cov-red{background:rgba(210,60,60,.15);"
       "color:var(--ko)}.cov-tested,.cov-untested{background:rgba(122,90,248,.15);color:var(--prog)}"
       ".cov-uncovered{background:var(--line);color:var(--muted)}")
LABEL = {"verified": "green", "red": "red only", "tested": "tested, no result", "untested": "no test",
         "uncovered": "uncovered"}


def collect_coverage(root: Path, warnings: list[str]) -> dict[str, Any] | None:
    """Compact coverage data for the page (None when the project defines no requirement IDs)."""
    from cadence.errors import CadenceError
    from cadence.pipeline.trace import compute
    try:
        m = compute(root, [])
    except CadenceError as err:
        warnings.append(f"coverage not shown: {err.message}")
        return None
    if not m["totals"]["requirements"]:
        return None
    rows = [{"id": r["id"], "title": r["title"], "status": r["status"], "stories": len(r["stories"]),
             "tasks": len(r["tasks"]), "tests": len(r["tests"]),
             "green": sum(1 for t in r["tests"] if t["result"] == "passed")} for r in m["requirements"]]
    t = m["totals"]
    return {"requirements": rows, "verified": t["verified"], "with_test": t["with_test"],
            "with_story": t["with_story"], "gaps": t["gaps"], "evidence": m["evidence"]}


def coverage_html(cov: dict[str, Any] | None) -> str:
    def e(v: Any) -> str:
        return html.escape("" if v is None else str(v), quote=True)

    if not cov:
        return ('<p class="muted">No requirement IDs found. Give the PRD <code>FR-001</code>-style IDs and run '
                '<code>cadence trace</code> (docs/traceability.md).</p>')
    ev = cov["evidence"]
    run = (f'latest test run {e(ev["at"])} · {"green" if ev["green"] else "red"}' if ev else "no test run recorded")
    gaps = sum(cov["gaps"].values())
    rows = "".join(
        f'<tr><td><code>{e(r["id"])}</code></td><td>{e(r["title"])}</td><td class="num">{r["stories"]}</td>'
        f'<td class="num">{r["tasks"]}</td><td class="num">{r["green"]}/{r["tests"]}</td>'
        f'<td><span class="pill cov-{e(r["status"])}">{e(LABEL.get(r["status"], r["status"]))}</span></td></tr>'
        for r in cov["requirements"])
    return (f'<p>{cov["verified"]["count"]}/{len(cov["requirements"])} requirements verified green '
            f'({cov["verified"]["percent"]}%) · with a test {cov["with_test"]["percent"]}% · with a story '
            f'{cov["with_story"]["percent"]}% · {gaps} gap(s) · {run} · details: <code>cadence trace</code></p>'
            '<table><thead><tr><th>Requirement</th><th>Title</th><th>Stories</th><th>Tasks</th>'
            f'<th>Green tests</th><th>Coverage</th></tr></thead><tbody>{rows}</tbody></table>')
