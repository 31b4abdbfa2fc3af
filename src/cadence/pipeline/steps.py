"""Pipeline operations on a user's repository, shared by the CLI and the MCP server.

Each function returns the JSON-ready data of its command; human rendering lives in the CLI.
Read-only operations never write. Mutations validate everything first, then take the lock,
re-read state, change it and save it atomically.
"""

from __future__ import annotations

import re
from pathlib import Path

from cadence.core.graph import DONE
from cadence.errors import CONFLICT, PRECONDITION, USAGE, CadenceError, did_you_mean
from cadence.project import fsio, paths
from cadence.project.state import OUTPUT_ALIASES, load_state, now, save_state, statuses

MAX_DIR_FILES = 200
ADOPTION_KNOWLEDGE = "adopting-existing-codebase"
LEGACY_NAMES = {new: [old for old, n in OUTPUT_ALIASES.items() if n == new] for new in set(OUTPUT_ALIASES.values())}


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Project:
    """An opened project: content index, validated config, resolved pipeline, state (read lazily)."""

    def __init__(self, root: Path, index: dict[str, Any], config: dict[str, Any], pipeline: Any,
                 warnings: list[str]) -> None:
        self.root = root
        self.index = index
        self.config = config
        self.pipeline = pipeline
        self.warnings = warnings
        self._state: dict[str, Any] | None = None

    @property
    def state(self) -> dict[str, Any]:
        if self._state is None:
            self._state = load_state(self.root)
        return self._state

    def statuses(self) -> dict[str, str]:
        return statuses(self.state)

    def step(self, name: str, tools: bool = True) -> Any:
        step = self.pipeline.steps.get(name) or (self.pipeline.tools.get(name) if tools else None)
        if step is None:
            near = step_suggestions(self.pipeline, name[:200])
            shown = name if len(name) <= 80 else name[:80] + "…"
            mean = f"Did you mean {' or '.join(repr(n) for n in near)}? " if near else ""
            raise CadenceError("UNKNOWN_STEP", f"unknown step {shown!r}",
                               mean + "Run 'cadence status' for the steps, 'cadence list --section tools' for the "
                               "tools.", USAGE)
        return step


def open_project(root: Path, warnings: list[str] | None = None) -> Project:
    from cadence.content.loader import pipeline_index
    from cadence.core.graph import CycleError
    from cadence.core.resolve import resolve
    from cadence.project.config import load_config
    warnings = warnings if warnings is not None else []
    paths.require_project(root)
    index = pipeline_index()
    config, cfg_warnings = load_config(root, tuple(index["steps"]))
    warnings.extend(cfg_warnings)
    try:
        pipeline = resolve(index, config)
    except CycleError as exc:
        raise CadenceError("DEPENDENCY_CYCLE", str(exc), "Remove one of these dependencies (content or overlay).",
                           USAGE) from None
    return Project(root, index, config, pipeline, warnings)


def _save(proj: Project, state: dict[str, Any]) -> None:
    """Save under the caller's lock; the state records the methodology the config now names."""
    state["methodology"] = proj.config.get("methodology", state.get("methodology"))
    save_state(proj.root, state)


# ------------------------------------------------------------------ outputs on disk

def output_exists(root: Path, rel: str) -> bool:
    try:
        p = paths.contained(root, rel.rstrip("/") or ".", "output")
    except CadenceError:
        return False
    if rel.endswith("/"):  # a directory counts when it holds a real file (not only a .gitkeep)
        return p.is_dir() and any(f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
                                  for f in p.rglob("*"))
    return p.is_file()


def missing_outputs(root: Path, step: Any, depth: int) -> list[str]:
    return [o for o in step.required_outputs(depth) if not output_exists(root, o)]


def _expand(root: Path, rel: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Read an output: a file, or every file under a directory (sorted). Returns (files, skipped)."""
    try:
        p = paths.contained(root, rel.rstrip("/"), "output")
    except CadenceError:
        return [], []
    files: list[Path]
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".")
                       for part in f.relative_to(p).parts))
    elif p.is_file():
        files = [p]
    else:
        return [], []
    out, skipped = [], []
    base = root.resolve()
    for i, f in enumerate(files):
        relf = f.resolve().relative_to(base).as_posix() if base in f.resolve().parents else None
        if relf is None:
            continue
        if i >= MAX_DIR_FILES:
            skipped.append(relf)
            continue
        try:
            out.append((relf, fsio.read_text(root, f)))
        except (OSError, UnicodeDecodeError, CadenceError):
            skipped.append(relf)
    return out, skipped


# ------------------------------------------------------------------ names

def parse_phases(spec: str) -> list[str]:
    """`--phase` for status and rework: phase slugs, or UNKNOWN_PHASE with a did-you-mean (a backwards range
    such as '3-1' is an error too, never silently read as '1-3')."""
    from cadence.core.phases import PHASE_SLUGS, BackwardsRange, parse_phase_range
    try:
        return parse_phase_range(spec)
    except BackwardsRange as exc:
        raise CadenceError("UNKNOWN_PHASE", f"phase range {exc.part!r} runs backwards",
                           f"Did you mean {exc.turned!r}? A range goes from the earlier phase to the later one.",
                           USAGE) from None
    except ValueError as exc:
        bad = str(exc)
        raise CadenceError("UNKNOWN_PHASE", f"unknown phase {bad!r}" + (f" in {spec!r}" if bad != spec else ""),
                           (did_you_mean(bad, list(PHASE_SLUGS)) + " Use a phase name or number, or a range like "
                            "'pre-architecture' or '1-7'. Phases: " + ", ".join(PHASE_SLUGS)).strip(),
                           USAGE) from None


def step_suggestions(pipeline: Any, word: str) -> list[str]:
    """Steps a mistyped name may mean, the first kind that matches: the steps that write an output of that
    name (`tdd-standards` → tdd), steps with the word as a part of their name (`prd` → create-prd, review-prd,
    innovate-prd), near spellings."""
    from cadence.errors import suggest
    known = list(pipeline.steps) + list(pipeline.tools)
    stem = word.strip().lower().removesuffix(".md").rstrip("/").rsplit("/", 1)[-1]
    by_output = [n for n in known for o in pipeline.get(n).outputs
                 if o.rstrip("/").rsplit("/", 1)[-1].removesuffix(".md").removesuffix(".json") == stem]
    by_part = [n for n in known if stem and stem in n.split("-")]
    return list(dict.fromkeys(by_output or by_part or suggest(stem, known)))[:4]


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


# ------------------------------------------------------------------ run

def _knowledge_for(proj: Project, step: Any, depth: int, mode: str = "fresh") -> list[Any]:
    """The step's knowledge entries whose `when:` condition is not false for this run (knowledge.md); an
    adoption-mode run also gets the entry on adopting an existing codebase, first."""
    from cadence.content.loader import knowledge_path
    from cadence.core.assemble import Knowledge
    from cadence.core.frontmatter import FrontmatterError, split
    from cadence.core.predicate import PredicateError, evaluate
    facts = {**proj.config, "run": {"depth": depth, "step": step.name, "category": step.category,
                                    "stateless": step.stateless, "knowledge": list(step.knowledge),
                                    "mode": mode}}
    names: list[str] = list(dict.fromkeys([ADOPTION_KNOWLEDGE, *step.knowledge])) if mode == "adoption" \
        else step.knowledge
    out = []
    for name in names:
        override = _inside(proj, proj.root / paths.KNOWLEDGE / f"{name}.md")
        path, source = (override, "override") if override is not None else (knowledge_path(name), "library")
        if path is None:
            proj.warnings.append(f"knowledge entry {name!r} is not in the library yet; assembled without it")
            continue
        try:
            fm, body = split(fsio.read_text(proj.root if override is not None else None, path))
        except (OSError, UnicodeDecodeError, FrontmatterError, CadenceError) as exc:
            proj.warnings.append(f"knowledge entry {name!r} ({path}) is unreadable ({exc}); assembled without it")
            continue
        when = _fm_scalar(fm, "when")
        try:
            if when and evaluate(when, facts).value is False:
                continue
        except PredicateError as exc:
            proj.warnings.append(f"knowledge entry {name!r} has an invalid when: ({exc}); injected anyway")
        out.append(Knowledge(name, _fm_scalar(fm, "description"), body, source))
    return out


def _fm_scalar(fm: str, key: str) -> str:
    m = re.search(rf"^{key}:[ \t]*(.*)$", fm, re.M)
    if not m:
        return ""
    v = m.group(1).strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
    return v


def _inside(proj: Project, path: Path) -> Path | None:
    """`path` when it is a file that resolves inside the project (a symlink out of the repository, e.g. to
    ~/.ssh, is refused with a warning and never read into a prompt); None when absent."""
    if not path.is_file():
        return None
    try:
        return paths.contained(proj.root, path.relative_to(proj.root), "file")
    except CadenceError:
        proj.warnings.append(f"{path.relative_to(proj.root).as_posix()} points outside the project; ignored")
        return None


def _read_optional(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return fsio.read_text(None, path)  # already resolved inside the project by _inside
    except (OSError, UnicodeDecodeError):
        return None


def step_depth(proj: Project, step: Any, cli_depth: int | None = None) -> tuple[int, str]:
    """The depth `run` assembles `step` at and where it comes from: --depth, then a pending `rework --depth`,
    then the config and preset rules."""
    entry = proj.state["steps"].get(step.name, {}) if not step.stateless else {}
    if cli_depth is None and entry.get("rework_depth"):
        return int(entry["rework_depth"]), "rework --depth"
    return proj.pipeline.depth_for(step.name, cli_depth)  # type: ignore[no-any-return]


def assemble_step(proj: Project, name: str, depth: int | None = None, instructions: str | None = None,
                  arguments: str | None = None) -> tuple[Any, Any, int, str, bool]:
    from cadence.content.loader import content_dir, read_body
    from cadence.core.assemble import Artifact, AssemblyInput, assemble
    from cadence.project import decisions as dec
    s = proj.step(name)
    if depth is not None and not 1 <= depth <= 5:
        raise CadenceError("INVALID_DEPTH", f"depth {depth} is out of range", "Use --depth 1 to 5.", USAGE)
    resolved, source = step_depth(proj, s, depth)
    try:
        body = read_body(content_dir() / s.path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CadenceError("ASSEMBLY_FAILED", f"cannot read the step file {s.path}: {exc}",
                           "Reinstall cadence; run 'cadence validate'.", 5) from None
    pl = proj.pipeline
    st = proj.statuses()
    artifacts: list[Artifact] = []
    skipped: list[str] = []
    for src, out in context_outputs(pl, s.name, body):
        status_ = pl.status(src, st)
        note = "" if status_ in DONE else f"still {status_.replace('_', ' ')}: may be unfinished"
        files, skip = _expand(proj.root, out)
        for legacy in LEGACY_NAMES.get(out, ()) if not files else ():
            files, skip = _expand(proj.root, legacy)
        artifacts += [Artifact(p, c, src, note) for p, c in files]
        skipped += skip
    from cadence.core.trace import STEPS as TRACE_STEPS
    if s.name in TRACE_STEPS:
        from cadence.pipeline.trace import context_text
        artifacts.insert(0, Artifact("cadence trace (computed)", context_text(proj.root, proj.warnings), "",
                                     "computed from the documents, the test tree and the loop evidence"))
    sources = pl.context_steps(s.name)
    existing: list[Artifact] = []
    repository: list[Artifact] = []
    update_mode = False
    entry = proj.state["steps"].get(s.name, {}) if not s.stateless else {}
    adoption = not s.stateless and proj.state.get("mode") == "brownfield" and entry.get("status") != "completed"
    if adoption:  # the files the repository already has for this step: the prior version, and the incumbents
        from cadence.pipeline.adoption import step_evidence
        prior, incumbents = step_evidence(proj, s)
        for group, rels in ((existing, prior), (repository, incumbents)):
            for rel in rels:
                files, skip = _expand(proj.root, rel)
                group += [Artifact(p, c, s.name) for p, c in files]
                skipped += skip
    elif not s.stateless:
        mapped = [o for o in entry.get("outputs") or [] if o not in s.outputs] if entry.get("status") == "completed" \
            else []
        for out in [*s.required_outputs(resolved), *mapped]:  # mapped: an artifact_map file adopted for the step
            if output_exists(proj.root, out):
                update_mode = True
                files, skip = _expand(proj.root, out)
                existing += [Artifact(p, c, s.name) for p, c in files]
                skipped += skip
    relevant = set(sources) | {s.name}
    decisions = [f"{d.get('id')} ({d.get('step')}): {d.get('text')}" for d in dec.read(proj.root, proj.warnings)
                 if d.get("step") in relevant]
    instr_dir = proj.root / paths.INSTRUCTIONS
    layers = (_read_optional(_inside(proj, instr_dir / "global.md")),
              _read_optional(_inside(proj, instr_dir / f"{s.name}.md")))
    for fname, text in zip(("global.md", f"{s.name}.md"), layers, strict=True):
        if text is not None and not text.strip():
            proj.warnings.append(f"{paths.INSTRUCTIONS}/{fname} is empty: no instructions taken from it")
    if instructions is not None and not instructions.strip():
        proj.warnings.append("--instructions is empty: no inline instructions")
    prog = pl.progress(st)
    inp = AssemblyInput(step=s.name, body=body, methodology=pl.methodology, depth=resolved, depth_source=source,
                        completed=prog["completed"], total=prog["enabled"], skipped=prog["skipped"],
                        knowledge=_knowledge_for(proj, s, resolved, "adoption" if adoption else
                                                 "update" if update_mode else "fresh"),
                        artifacts=artifacts, existing=existing, decisions=decisions,
                        instructions=(*layers, instructions),
                        arguments=arguments, update_mode=update_mode, stateless=s.stateless,
                        budget=int(proj.config["pipeline"]["context-budget"]), project=project_line(proj),
                        adoption=adoption, repository=repository)
    result = assemble(inp)
    result.mode = "stateless" if s.stateless else "adoption" if adoption else "update" if update_mode else "fresh"
    result.omitted.extend(p for p in skipped if p not in result.omitted)
    return s, result, resolved, source, update_mode


def context_outputs(pl: Any, name: str, body: str) -> list[tuple[str, str]]:
    """(step, output) pairs for `name`'s Project Context, in priority order: the outputs of the context steps
    (dependencies, with what a review dependency reviewed ahead of it; then `reads`), and among them first
    the files the step's `## Inputs` names in backticks; then every other output of an earlier step that
    `## Inputs` names. A step that is still pending still feeds its files (decisions.md)."""
    from cadence.core.frontmatter import section
    named = [n.rstrip("/") for n in re.findall(r"`([^`\s]+)`", section(body, "Inputs") or "")]
    pairs = [(src, out) for src in pl.context_steps(name) for out in pl.steps[src].outputs]
    earlier = sorted(pl.ancestors(name) - {src for src, _ in pairs}, key=lambda n: list(pl.steps).index(n))
    pairs += [(src, out) for src in earlier if pl.steps[src].enabled for out in pl.steps[src].outputs
              if out.rstrip("/") in named]
    rank = {n: i for i, n in enumerate(named)}
    return sorted(pairs, key=lambda p: rank.get(p[1].rstrip("/"), len(rank)))


def project_line(proj: Project) -> str:
    """What the assistant must know about the project to apply type-specific guidance: its name,
    type with every setting, traits and greenfield/brownfield mode."""
    cfg = proj.config.get("project") or {}
    parts = [str(cfg["name"])] if cfg.get("name") else []
    ptype = cfg.get("type")
    if ptype:
        settings = ", ".join(f"{k}: {', '.join(map(str, v)) or 'none' if isinstance(v, list) else _setting(v)}"
                             for k, v in (cfg.get(ptype) or {}).items())
        parts.append(f"type {ptype}" + (f" ({settings})" if settings else ""))
    else:
        parts.append("no project type (generic pipeline)")
    if cfg.get("traits"):
        parts.append("traits: " + ", ".join(cfg["traits"]))
    mode = proj.state.get("mode") if proj._state is not None or (proj.root / paths.STATE).is_file() else None
    if mode:
        parts.append(str(mode))
    return " · ".join(parts)


def _setting(v: Any) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


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
            _save(proj, state)
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
        _save(proj, state)
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
        _save(proj, state)
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
        _save(proj, state)
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
        _save(proj, state)
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
