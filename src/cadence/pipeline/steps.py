"""Pipeline operations on a user's repository, shared by the CLI and the MCP server.

Each function returns the JSON-ready data of its command; human rendering lives in the CLI.
Read-only operations never write. Mutations validate everything first, then take the lock,
re-read state, change it and save it atomically.
"""

from __future__ import annotations

from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError
from cadence.pipeline.assembly import assemble_step, step_depth
from cadence.pipeline.project import Project, missing_outputs, output_exists, parse_phases, save_project
from cadence.project.state import load_state, now, statuses

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


# ------------------------------------------------------------------ read-only views

def next_steps(proj: Project, count: int | None = None) -> dict[str, Any]:
    st = proj.statuses()
    eligible = proj.pipeline.eligible(st)
    if count is not None:
        eligible = eligible[:max(0, count)]
    return {"eligible": [{"name": s.name, "phase": s.phase, "order": s.order, "summary": s.summary,
                          "stateless": s.stateless, "command": f"cadence run {s.name}"} for s in eligible]}


def status(proj: Project, phase: str | None = None, compact: bool = False) -> dict[str, Any]:
    st = proj.statuses()
    pl = proj.pipeline
    phases = set(parse_phases(phase)) if phase is not None else None
    steps = []
    for s in pl.steps.values():
        if phases and s.phase not in phases:
            continue
        status_ = pl.status(s.name, st)
        if compact and (not s.enabled or status_ in ("completed", "skipped")):
            continue
        steps.append({"name": s.name, "phase": s.phase, "order": s.order, "status": status_,
                      "enabled": s.enabled, "applicable": s.applicable, "conditional": s.conditional,
                      "stateless": s.stateless, "depth": pl.depth_for(s.name)[0], "reason": s.reason})
    from cadence.pipeline.adoption import stale_completions
    return {"methodology": pl.methodology, "project_type": pl.project_type, "progress": pl.progress(st),
            "steps": steps, "next": [s.name for s in pl.eligible(st)], "stale": stale_completions(proj)}


def info(proj: Project, name: str | None) -> dict[str, Any]:
    if name is None:
        st = proj.statuses()
        cfg = proj.config
        return {"root": str(proj.root), "name": cfg["project"].get("name"), "methodology": proj.pipeline.methodology,
                "project_type": proj.pipeline.project_type, "depth": proj.pipeline.default_depth
                if cfg["methodology"] != "custom" or cfg.get("depth") is None else cfg["depth"],
                "mode": proj.state.get("mode"), "clients": cfg["clients"], "progress": proj.pipeline.progress(st),
                "created": proj.state.get("created")}
    s = proj.step(name)
    st = proj.statuses()
    pl = proj.pipeline
    depth, depth_source = step_depth(proj, s)
    return {"name": s.name, "phase": s.phase, "order": s.order, "description": s.description, "summary": s.summary,
            "stateless": s.stateless, "conditional": s.conditional, "applicable": s.applicable, "enabled": s.enabled,
            "status": "stateless" if s.stateless else pl.status(s.name, st), "depth": depth,
            "depth_source": depth_source,
            "dependencies": [{"name": d, "status": pl.status(d, st) if d in pl.steps else "unknown"}
                             for d in s.dependencies],
            "outputs": s.outputs, "knowledge": s.knowledge, "reads": s.reads, "when": s.when, "reason": s.reason,
            "argument_hint": s.argument_hint, "category": s.category}


def check(proj: Project, name: str) -> dict[str, Any]:
    from cadence.pipeline.detect import applicability_signals
    s = proj.step(name)
    reasons: list[str] = []
    applicable: bool | None = True
    if not s.enabled:
        reasons.append(s.reason or "disabled")
    if s.when:
        from cadence.core.predicate import evaluate
        res = evaluate(s.when, proj.config)
        reasons.append(f"predicate {s.when!r} is " + {True: "true", False: "false", None: "unknown"}[res.value]
                       + (f" (missing: {', '.join(res.missing)})" if res.missing else ""))
        applicable = res.value
    signals = applicability_signals(proj.root, s.name)
    if signals:
        reasons.extend(signals.pop("reasons", []))
        if applicable is not False and "applicable" in signals:
            applicable = signals.pop("applicable")
    elif s.conditional and not s.when:
        applicable = None
        reasons.append("conditional step with no config predicate: the assistant judges it through "
                       "its '## Conditional Evaluation' section when it runs")
    if not reasons:
        reasons.append("a tool: available whenever you need it" if s.category == "tool" else
                       "not conditional and no applicability predicate: it applies to every project that enables it")
    return {"step": s.name, "enabled": s.enabled, "applicable": applicable if s.enabled else False,
            "conditional": s.conditional, "predicate": s.when, "reasons": reasons, "signals": signals}




def run(proj: Project, name: str, depth: int | None = None, instructions: str | None = None,
        arguments: str | None = None, preview: bool = False, force: bool = False, source: str = "cli",
        wait: float | None = None) -> dict[str, Any]:
    s = proj.step(name)
    if not s.stateless and s.category == "pipeline":
        unmet = proj.pipeline.unmet(s.name, proj.statuses())
        if unmet and not force:
            raise CadenceError("STEP_BLOCKED", f"{s.name} is blocked by unfinished steps: {', '.join(unmet)}",
                               "Complete or skip those first, or pass --force to assemble anyway.", PRECONDITION,
                               data={"step": s.name, "missing": unmet})
    if not s.enabled:
        proj.warnings.append(f"{s.name} is {s.reason}; running it anyway")
    elif not s.applicable:
        proj.warnings.append(f"{s.name} is {s.reason}; running it anyway")
    step, result, resolved, _, update_mode = assemble_step(proj, name, depth, instructions, arguments)
    if update_mode:
        _rerun_warnings(proj, s.name, resolved)
    status_ = "stateless" if s.stateless else proj.pipeline.status(s.name, proj.statuses())
    if not preview and not s.stateless:
        from cadence.project.lock import project_lock
        with project_lock(proj.root, f"run {s.name}", wait):
            state = load_state(proj.root)
            entry = state["steps"].setdefault(s.name, {"status": "pending"})
            entry.update({"status": "in_progress", "at": now(), "depth": resolved, "source": source})
            save_project(proj, state)
            proj._state = state
        status_ = "in_progress"
    from cadence.core.assemble import estimate_tokens
    size = len(result.prompt.encode("utf-8"))
    return {"step": step.name, "status": status_, "depth": resolved, "update_mode": update_mode, "mode": result.mode,
            "prompt": result.prompt, "bytes": size, "tokens": estimate_tokens(size), "knowledge": result.knowledge,
            "summarised": result.summarised, "context": result.context, "omitted": result.omitted}


def _rerun_warnings(proj: Project, name: str, depth: int) -> None:
    """Re-running a completed step in update mode: warn when it would be redone shallower than it was
    completed (depth-downgrade) or under another methodology than it was completed with (methodology-changed)."""
    entry = proj.state["steps"].get(name) or {}
    if entry.get("status") != "completed":
        return
    done_depth = entry.get("depth")
    if isinstance(done_depth, int) and depth < done_depth:
        proj.warnings.append(f"depth-downgrade: {name} was completed at depth {done_depth} and now runs at depth "
                             f"{depth}; update mode may drop what the deeper run produced (pass --depth "
                             f"{done_depth} to keep it)")
    done_with = entry.get("methodology") or proj.state.get("methodology")
    if done_with and done_with != proj.pipeline.methodology:
        proj.warnings.append(f"methodology-changed: {name} was completed under {done_with} and now runs under "
                             f"{proj.pipeline.methodology}; its outputs follow the old methodology's expectations")


# ------------------------------------------------------------------ mutations

def _stateful(proj: Project, name: str) -> Any:
    s = proj.step(name)
    if s.stateless:
        raise CadenceError("STEP_STATELESS", f"{s.name} is a stateless {'tool' if s.category == 'tool' else 'step'}: "
                           "it never enters state", f"Just run it: cadence run {s.name}", USAGE)
    return s


def complete(proj: Project, name: str, force: bool = False, source: str = "cli",
             wait: float | None = None) -> dict[str, Any]:
    s = _stateful(proj, name)
    entry = proj.state["steps"].get(s.name, {})
    if entry.get("status") == "in_progress" and entry.get("depth"):
        depth = int(entry["depth"])  # the depth `run` assembled it at
    elif entry.get("rework_depth"):
        depth = int(entry["rework_depth"])  # reopened by `rework --depth N`
    else:
        depth = proj.pipeline.depth_for(s.name)[0]
    missing = missing_outputs(proj.root, s, depth)
    if missing and not force:
        raise CadenceError("OUTPUTS_MISSING", f"{s.name} cannot complete: missing output(s) {', '.join(missing)}",
                           "Produce them (directories need at least one file), or pass --force.", PRECONDITION,
                           data={"step": s.name, "missing": missing})
    from cadence.core.trace import STEPS as TRACE_STEPS
    from cadence.pipeline.adoption import verification_for
    gaps = None
    if s.name in TRACE_STEPS:
        from cadence.pipeline.trace import completion_gaps
        gaps = completion_gaps(proj.root, s.name, proj.warnings)
        if gaps and not force:
            raise CadenceError("TRACE_GAPS", f"{s.name} cannot complete: {gaps['reason']}",
                               "Close the gaps ('cadence trace' lists them), or pass --force to complete anyway "
                               "(recorded as a decision).", PRECONDITION, data=gaps)
    from cadence.project.lock import project_lock
    present = [o for o in s.outputs if output_exists(proj.root, o)]
    verification = "unverified" if missing else verification_for(proj, s, present)
    with project_lock(proj.root, f"complete {s.name}", wait):
        if gaps:
            from cadence.project import decisions as dec
            dec.append(proj.root, s.name, f"Completed {s.name} with traceability gaps (--force): {gaps['reason']}",
                       "traceability", source, now())
            proj.warnings.append(f"completed {s.name} with {gaps['reason']} (--force, recorded as a decision)")
        state = load_state(proj.root)
        state["steps"][s.name] = {"status": "completed", "at": now(), "depth": depth, "source": source,
                                  "methodology": proj.pipeline.methodology, "outputs": present, "reason": None,
                                  "verification": verification}
        save_project(proj, state)
        proj._state = state
    if missing:  # said once the completion is recorded, never before a lock failure
        proj.warnings.append(f"completed {s.name} without: {', '.join(missing)} (--force)")
    return {"step": s.name, "status": "completed", "depth": depth, "missing": missing, "verification": verification,
            "next": [x.name for x in proj.pipeline.eligible(statuses(state))]}


def skip(proj: Project, names: list[str], reason: str, force: bool = False, source: str = "cli",
         wait: float | None = None) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise CadenceError("REASON_REQUIRED", "skipping needs a reason", 'Pass --reason "why it does not apply".',
                           USAGE)
    steps = [_stateful(proj, n) for n in dict.fromkeys(names)]
    from cadence.project.lock import project_lock
    with project_lock(proj.root, "skip " + " ".join(s.name for s in steps), wait):
        state = load_state(proj.root)
        done = [s.name for s in steps if state["steps"].get(s.name, {}).get("status") == "completed"]
        if done and not force:
            raise CadenceError("STEP_COMPLETED", f"already completed: {', '.join(done)}",
                               "Pass --force to mark completed steps skipped.", CONFLICT)
        for s in steps:
            state["steps"][s.name] = {"status": "skipped", "at": now(), "source": source, "reason": reason.strip()}
        save_project(proj, state)
        proj._state = state
    results = [{"step": s.name, "status": "skipped"} for s in steps]
    return {"step": results[0]["step"], "status": "skipped", "reason": reason.strip(), "steps": results,
            "next": [x.name for x in proj.pipeline.eligible(statuses(state))]}


def reset(proj: Project, name: str | None, all_steps: bool = False, wait: float | None = None) -> dict[str, Any]:
    from cadence.project.lock import project_lock
    if name is None and not all_steps:
        raise CadenceError("USAGE", "name a step, or pass --all --yes to reset every step",
                           "Example: cadence reset tech-stack", USAGE)
    s = _stateful(proj, name) if name is not None else None
    with project_lock(proj.root, f"reset {name or '--all'}", wait):
        state = load_state(proj.root)
        targets = [s.name] if s else list(state["steps"])
        for t in targets:
            state["steps"][t] = {"status": "pending"}
        save_project(proj, state)
        proj._state = state
    if s:
        return {"step": s.name, "status": "pending"}
    return {"step": None, "status": "pending", "steps": targets}


def rework(proj: Project, phase_spec: str, depth: int | None = None, wait: float | None = None) -> dict[str, Any]:
    phases = parse_phases(phase_spec)
    if depth is not None and not 1 <= depth <= 5:
        raise CadenceError("INVALID_DEPTH", f"depth {depth} is out of range", "Use --depth 1 to 5.", USAGE)
    from cadence.project.lock import project_lock
    with project_lock(proj.root, f"rework {phase_spec}", wait):
        state = load_state(proj.root)
        reopened = []
        for s in proj.pipeline.steps.values():
            entry = state["steps"].get(s.name, {})
            if s.phase in phases and entry.get("status") == "completed":
                state["steps"][s.name] = {"status": "pending", **({"rework_depth": depth} if depth else {})}
                reopened.append(s.name)
                if depth and isinstance(entry.get("depth"), int) and depth < entry["depth"]:
                    proj.warnings.append(f"depth-downgrade: {s.name} was completed at depth {entry['depth']}; "
                                         f"the rework at depth {depth} may drop what the deeper run produced")
        save_project(proj, state)
        proj._state = state
    return {"phases": phases, "steps": reopened, "depth": depth,
            "next": [x.name for x in proj.pipeline.eligible(statuses(state))]}


def add_decision(proj: Project, text: str, step: str | None, category: str | None, by: str = "cli",
                 wait: float | None = None) -> dict[str, Any]:
    from cadence.project import decisions as dec
    from cadence.project.lock import project_lock
    if not text or not text.strip():
        raise CadenceError("USAGE", "a decision needs its text",
                           'Example: cadence decisions add --step tech-stack "Use PostgreSQL 17"', USAGE)
    if len(text) > 4000:
        raise CadenceError("USAGE", "decision text is longer than 4000 characters", "Summarise it; link a doc.", USAGE)
    if step is not None:
        proj.step(step)
    with project_lock(proj.root, "decisions add", wait):
        return dec.append(proj.root, step, " ".join(text.split()), category, by, now())
