"""Assembling a step's prompt for this project: its knowledge (conditions evaluated), the artifacts of the
steps it depends on, the prior version in update mode, decisions, instructions and the project line."""

from __future__ import annotations

import re
from pathlib import Path

from cadence.core.graph import DONE
from cadence.errors import USAGE, CadenceError
from cadence.pipeline.project import LEGACY_NAMES, Project, output_exists, read_output
from cadence.project import fsio, paths

ADOPTION_KNOWLEDGE = "adopting-existing-codebase"


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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
        files, skip = read_output(proj.root, out)
        for legacy in LEGACY_NAMES.get(out, ()) if not files else ():
            files, skip = read_output(proj.root, legacy)
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
                files, skip = read_output(proj.root, rel)
                group += [Artifact(p, c, s.name) for p, c in files]
                skipped += skip
    elif not s.stateless:
        mapped = [o for o in entry.get("outputs") or [] if o not in s.outputs] if entry.get("status") == "completed" \
            else []
        for out in [*s.required_outputs(resolved), *mapped]:  # mapped: an artifact_map file adopted for the step
            if output_exists(proj.root, out):
                update_mode = True
                files, skip = read_output(proj.root, out)
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
