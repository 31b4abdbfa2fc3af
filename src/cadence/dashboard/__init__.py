"""`cadence dashboard`: one self-contained HTML page of the project (read-only, no network assets)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from cadence.errors import CadenceError

STATUS_LABEL = {"completed": "done", "skipped": "skipped", "in_progress": "in progress", "pending": "pending",
                "stateless": "tool", "disabled": "not in this methodology"}


def collect(root: Path) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data. Reads only; never writes state."""
    from cadence.core.phases import PHASE_NAMES, PHASE_SLUGS
    from cadence.pipeline.project import open_project
    from cadence.pipeline.steps import info, next_steps, status
    from cadence.project import decisions as dec
    from cadence.project import paths
    warnings: list[str] = []
    if not (root / paths.CONFIG).is_file() and (root / paths.DIR).is_dir():
        return _workflow_only(root, warnings)  # only the workflow commands ran: the loop and the gate exist
    proj = open_project(root, warnings)
    st = status(proj)
    phases: list[dict[str, Any]] = []
    by_phase: dict[str, list[dict[str, Any]]] = {}
    recorded = proj.state.get("steps") or {}
    for s in st["steps"]:
        step = proj.pipeline.steps[s["name"]]
        entry = recorded.get(s["name"]) or {}
        by_phase.setdefault(s["phase"], []).append({**s, "summary": step.summary, "description": step.description,
                                                    "outputs": list(step.outputs), "at": entry.get("at"),
                                                    "note": entry.get("reason")})
    for slug in PHASE_SLUGS:
        steps = by_phase.get(slug) or []
        if not steps:
            continue
        active = [s for s in steps if s["enabled"]]
        done = [s for s in active if s["status"] in ("completed", "skipped")]
        phases.append({"slug": slug, "name": PHASE_NAMES[slug], "steps": steps, "enabled": len(active),
                       "done": len(done), "on_demand": bool(active) and all(s["stateless"] for s in active)})
    loop, gate = _loop_and_gate(root)
    records = dec.read(root, warnings)
    from cadence.dashboard.coverage import collect_coverage
    coverage = collect_coverage(root, warnings)
    return {"project": info(proj, None), "progress": st["progress"], "phases": phases,
            "next": next_steps(proj, 8)["eligible"], "decisions": records[-20:][::-1], "decision_count": len(records),
            "loop": loop, "gate": gate, "coverage": coverage, "warnings": warnings, "initialised": True,
            "generated": _now()}


def _now() -> str:
    from datetime import UTC, datetime
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _workflow_only(root: Path, warnings: list[str]) -> dict[str, Any]:
    loop, gate = _loop_and_gate(root)
    progress = {"percent": 0, "completed": 0, "skipped": 0, "in_progress": 0, "pending": 0, "enabled": 0}
    return {"project": {"root": str(root), "name": root.name, "methodology": None, "project_type": None,
                        "depth": None, "mode": None, "clients": []},
            "progress": progress, "phases": [], "next": [], "decisions": [], "decision_count": 0,
            "loop": loop, "gate": gate, "warnings": warnings, "initialised": False, "generated": _now()}


def _loop_and_gate(root: Path) -> tuple[Any, Any]:
    loop = gate = None
    try:
        from cadence.project.loopfile import load_loop
        loop = load_loop(root)
    except ImportError:
        pass
    except CadenceError as err:
        loop = {"error": err.message}
    try:
        from cadence.workflow.review import load_gate
        gate = load_gate(root)
    except ImportError:
        pass
    except CadenceError as err:
        gate = {"error": err.message}
    return loop, gate


def when(stamp: Any) -> str:
    """An ISO timestamp as people read it: `2026-12-07 02:41 UTC` (anything else as it is)."""
    from datetime import UTC, datetime
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp or "")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.tzinfo is not None else "")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pill(status: str) -> str:
    return f'<span class="pill s-{_e(status)}">{_e(STATUS_LABEL.get(status, status))}</span>'


def _loop_html(loop: dict[str, Any] | None) -> str:
    if not loop:
        return '<p class="muted">No implementation loop. Start one with <code>cadence loop start PLAN</code>.</p>'
    if "error" in loop:
        return f'<p class="bad">{_e(loop["error"])}</p>'
    tasks = loop.get("tasks") or []
    done = sum(1 for t in tasks if t.get("status") in ("passed", "skipped"))
    rows = []
    for t in tasks:
        ev = (t.get("evidence") or [])[-3:]
        evs = " ".join(f'<span class="ev {"ok" if e.get("exit_code") == 0 else "ko"}" title="{_e(e.get("command"))}">'
                       f'{_e(e.get("kind"))} · exit {_e(e.get("exit_code"))} · {_e(e.get("duration_s"))}s</span>'
                       for e in ev)
        live = not loop.get("aborted") and not loop.get("completed_at")
        current = ' class="current"' if live and loop.get("current") == t.get("index") else ""
        rows.append(f'<tr{current}><td class="num">{int(t.get("index", 0)) + 1}</td><td>{_e(t.get("description"))}</td>'
                    f'<td>{_pill(str(t.get("status")))}</td><td class="num">{_e(t.get("retries", 0))}</td>'
                    f'<td>{evs or "<span class=muted>no evidence yet</span>"}</td></tr>')
    pct = round(100 * done / len(tasks)) if tasks else 0
    state = "aborted" if loop.get("aborted") else "finished" if loop.get("completed_at") else "active"
    return (f'<p>Plan <code>{_e(loop.get("plan"))}</code> · {state} · {done}/{len(tasks)} tasks · verify '
            f'{_e(loop.get("verify"))}</p><div class="bar small"><span style="width:{pct}%"></span></div>'
            '<table><thead><tr><th>#</th><th>Task</th><th>Status</th><th>Retries</th><th>Evidence</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _gate_html(gate: dict[str, Any] | None) -> str:
    if not gate:
        return '<p class="muted">No quality gate yet. Run <code>cadence gate summary --report AGENT=FILE</code>.</p>'
    if "error" in gate:
        return f'<p class="bad">{_e(gate["error"])}</p>'
    rec = str(gate.get("recommendation"))
    cls = {"GO": "ok", "GO-WITH-WARNINGS": "warn", "NO-GO": "ko"}.get(rec, "")
    rows = "".join(f'<tr><td>@{_e(r.get("agent"))}</td><td>'
                   + (_e(r["verdict"]) if r.get("verdict") else '<span class="muted">no verdict line</span>')
                   + '</td>'
                   f'<td class="num">{len(r.get("findings") or [])}</td></tr>' for r in gate.get("reports") or [])
    blockers = "".join(f'<li><b>{_e(b.get("severity"))}</b> @{_e(b.get("agent"))}: {_e(b.get("title"))} '
                       f'<span class="muted">{_e(b.get("location"))}</span></li>' for b in gate.get("blockers") or [])
    warns = "".join(f"<li>{_e(w)}</li>" for w in gate.get("warnings") or [])
    return (f'<p><span class="verdict {cls}">{_e(rec)}</span> scope <b>{_e(gate.get("scope"))}</b> · '
            f'<span title="{_e(gate.get("timestamp"))}">{_e(when(gate.get("timestamp")))}</span></p>'
            + (f'<table><thead><tr><th>Agent</th><th>Verdict</th><th>Findings</th></tr></thead><tbody>{rows}'
               '</tbody></table>' if rows else "")
            + (f'<h4>Blockers</h4><ul>{blockers}</ul>' if blockers else "")
            + (f'<h4>Warnings</h4><ul>{warns}</ul>' if warns else ""))


CSS = """
:root{--bg:#f6f7f9;--card:#fff;--fg:#1d232b;--muted:#6b7380;--line:#e3e6ea;--accent:#3b6ef5;
--ok:#1f9d55;--warn:#c98a00;--ko:#d23c3c;--prog:#7a5af8}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1f25;--fg:#e6e9ee;--muted:#98a1ad;--line:#2a3139}}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--fg)}
header{padding:28px 32px 18px;border-bottom:1px solid var(--line);background:var(--card)}
h1{margin:0 0 4px;font-size:22px}h2{font-size:15px;margin:0 0 12px;text-transform:uppercase;letter-spacing:.04em;
color:var(--muted)}h4{margin:12px 0 4px}
main{padding:24px 32px;display:grid;gap:20px;grid-template-columns:1fr 1fr;max-width:1400px}
@media (max-width:900px){main{grid-template-columns:1fr}}td code{white-space:nowrap}
.note{display:inline-block;font-size:12px;color:var(--warn)}
section.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px}
section.wide{grid-column:1/-1}.muted{color:var(--muted)}.bad{color:var(--ko)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);padding:1px 5px;border-radius:4px}
.meta span{margin-right:14px}.stats{display:flex;gap:22px;margin-top:14px;flex-wrap:wrap}
.stat b{display:block;font-size:22px}.stat{color:var(--muted)}
.bar{height:10px;background:var(--line);border-radius:6px;overflow:hidden;margin-top:12px}
.bar span{display:block;height:100%;background:linear-gradient(90deg,var(--accent),var(--prog))}
.bar.small{height:6px}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);
vertical-align:top}th{font-weight:600;color:var(--muted);font-size:12px}td.num{text-align:right;width:3em}
tr.current td{background:rgba(59,110,245,.08)}tr.off td{opacity:.45}
.pill{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;white-space:nowrap;
background:var(--line);color:var(--fg)}
.s-disabled{background:transparent;color:var(--muted);border:1px dashed var(--line)}
.s-completed,.s-passed{background:rgba(31,157,85,.15);color:var(--ok)}.s-skipped{background:var(--line);color:var(--muted)}
.s-in_progress,.s-active{background:rgba(122,90,248,.15);color:var(--prog)}.s-failed{background:rgba(210,60,60,.15);
color:var(--ko)}.s-stateless{background:rgba(59,110,245,.12);color:var(--accent)}
.verdict{font-weight:700;padding:3px 10px;border-radius:6px}.verdict.ok{background:rgba(31,157,85,.15);color:var(--ok)}
.verdict.warn{background:rgba(201,138,0,.15);color:var(--warn)}.verdict.ko{background:rgba(210,60,60,.15);color:var(--ko)}
.ev{display:inline-block;font-size:12px;margin:0 4px 2px 0;padding:0 6px;border-radius:4px}
.ev.ok{background:rgba(31,157,85,.15)}.ev.ko{background:rgba(210,60,60,.15)}
details{border-top:1px solid var(--line);padding:8px 0}details:first-of-type{border-top:0}
summary{cursor:pointer;display:flex;gap:12px;align-items:center;font-weight:600}
summary .bar{flex:1;margin:0;max-width:220px}summary .count{color:var(--muted);font-weight:400;min-width:5em}
ol.next{padding-left:20px;margin:0}ol.next li{margin:4px 0}
ul.dec{list-style:none;padding:0;margin:0}ul.dec li{padding:6px 0;border-bottom:1px solid var(--line)}
footer{padding:10px 32px 30px;color:var(--muted);font-size:12px}
#filter{margin-bottom:10px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);
color:var(--fg);width:260px}
"""

JS = """
(function(){var f=document.getElementById('filter');if(!f)return;f.addEventListener('input',function(){
var q=f.value.toLowerCase();document.querySelectorAll('tr.step').forEach(function(r){
r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
document.querySelectorAll('details.phase').forEach(function(d){if(q)d.open=true;});});})();
"""


def render_html(data: dict[str, Any]) -> str:
    p = data["project"]
    prog = data["progress"]
    name = p.get("name") or Path(p.get("root", "")).name
    phases_html = []
    for ph in data["phases"]:
        pct = round(100 * ph["done"] / ph["enabled"]) if ph["enabled"] else 0
        if not ph["enabled"]:
            count = '<span class="count">none enabled</span>'
        elif ph.get("on_demand"):
            count = f'<span class="count">{ph["enabled"]} on demand</span>'
        else:
            count = (f'<span class="count">{ph["done"]}/{ph["enabled"]}</span><span class="bar small"><span '
                     f'style="width:{pct}%"></span></span>')
        rows = []
        for s in ph["steps"]:
            off = "" if s["enabled"] else " off"
            status = s["status"] if s["enabled"] else "disabled"
            rows.append(f'<tr class="step{off}" data-status="{_e(status)}"><td><code>{_e(s["name"])}</code></td>'
                        f'<td>{_pill(status)}</td><td class="num">{_e(s["depth"])}</td>'
                        f'<td>{_e(s["summary"])}'
                        + (f' <span class="muted">({_e(s["reason"])})</span>' if s.get("reason") else "")
                        + (f' <span class="note">{_e(s["note"])}</span>' if s.get("note") else "")
                        + "</td></tr>")
        open_ = " open" if 0 < ph["done"] < ph["enabled"] or any(s["status"] == "in_progress" for s in ph["steps"]) \
            else ""
        phases_html.append(
            f'<details class="phase" id="phase-{_e(ph["slug"])}"{open_}><summary>{_e(ph["name"])}'
            f'{count}</summary><table><thead><tr><th>Step</th><th>Status</th>'
            f'<th>Depth</th><th>What it does</th></tr></thead><tbody>{"".join(rows)}</tbody></table></details>')
    if not data.get("initialised", True):
        phases_html = ['<p class="muted">The pipeline is not set up in this repository (only the workflow '
                       'commands have run). <code>cadence init</code> adds it beside the plans, loop and gate.</p>']
    descs = {s["name"]: s["description"] for ph in data["phases"] for s in ph["steps"]}
    nxt = "".join(f'<li><code>{_e(n["command"])}</code><br><span class="muted">{_e(descs.get(n["name"], ""))}'
                  '</span></li>' for n in data["next"]) \
        or '<li class="muted">Nothing eligible: the pipeline is done or blocked.</li>'
    decs = "".join(f'<li><b>{_e(d.get("id"))}</b> {_e(d.get("text"))} <span class="muted">'
                   f'{_e(d.get("step") or "")} · {_e(str(d.get("at", ""))[:10])}</span></li>'
                   for d in data["decisions"]) or '<li class="muted">No decisions recorded yet.</li>'
    from cadence.dashboard.coverage import CSS as COVERAGE_CSS
    from cadence.dashboard.coverage import coverage_html
    payload = json.dumps(data, ensure_ascii=False, default=str).replace("</", "<\\/").replace("<!--", "<\\!--")
    warn = "".join(f'<p class="bad">{_e(w)}</p>' for w in data.get("warnings") or [])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>cadence · {_e(name)}</title><style>{CSS}{COVERAGE_CSS}</style></head><body>
<header><h1>{_e(name)}</h1><div class="meta muted"><span>methodology <b>{_e(p.get("methodology"))}</b></span>
<span>type <b>{_e(p.get("project_type") or "—")}</b></span><span>depth <b>{_e(p.get("depth"))}</b></span>
<span>mode <b>{_e(p.get("mode"))}</b></span>
<span>clients <b>{_e(", ".join(p.get("clients") or []) or "—")}</b></span></div>
<div class="bar" role="progressbar" aria-valuenow="{prog["percent"]}" aria-valuemin="0" aria-valuemax="100">
<span style="width:{prog["percent"]}%"></span></div>
<div class="stats"><div class="stat"><b id="percent">{prog["percent"]}%</b>complete</div>
<div class="stat"><b>{prog["completed"]}</b>completed</div><div class="stat"><b>{prog["skipped"]}</b>skipped</div>
<div class="stat"><b>{prog["in_progress"]}</b>in progress</div><div class="stat"><b>{prog["pending"]}</b>pending</div>
<div class="stat"><b>{prog["enabled"]}</b>steps enabled</div></div>{warn}</header>
<main>
<section class="card" id="next"><h2>Next</h2><ol class="next">{nxt}</ol></section>
<section class="card" id="gate"><h2>Last quality gate</h2>{_gate_html(data["gate"])}</section>
<section class="card wide" id="loop"><h2>Implementation loop</h2>{_loop_html(data["loop"])}</section>
<section class="card wide" id="pipeline"><h2>Pipeline</h2>
<input id="filter" type="search" placeholder="Filter steps…" aria-label="Filter steps">{"".join(phases_html)}</section>
<section class="card wide" id="coverage"><h2>Requirement coverage</h2>{coverage_html(data.get("coverage"))}</section>
<section class="card wide" id="decisions"><h2>Decisions ({data["decision_count"]})</h2>
<ul class="dec">{decs}</ul></section>
</main>
<footer>Generated by cadence on {_e(data["generated"])} · read-only snapshot of {_e(p.get("root"))}</footer>
<script type="application/json" id="cadence-data">{payload}</script>
<script>{JS}</script>
</body></html>
"""
