"""`cadence validate`: content, config, state and local overrides; every problem with file and field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cadence.errors import CadenceError
from cadence.project import paths

WARNING_CODES = {"KNOWLEDGE_MISSING", "KNOWLEDGE_UNREFERENCED", "INSTRUCTIONS_UNKNOWN_STEP", "OVERRIDE_UNUSED",
                 "STATE_UNKNOWN_STEP", "KNOWLEDGE_STALE", "STEP_FIELD_UNKNOWN"}
CONTENT_RULE_CODES = {"KNOWLEDGE_TOO_SHORT", "KNOWLEDGE_NO_EXAMPLE", "KNOWLEDGE_DEEP_SHORT", "KNOWLEDGE_SUMMARY_LONG",
                      "KNOWLEDGE_SECTION_MISSING"}


def validate_content(cdir: Path | None = None) -> tuple[list[dict[str, str]], dict[str, int]]:
    from cadence.content.loader import (
        build_knowledge_index,
        build_pipeline_index,
        content_dir,
        load_agents,
        load_skills,
    )
    cdir = cdir or content_dir()
    idx = build_pipeline_index(cdir)
    kidx = build_knowledge_index(cdir / "knowledge", str(cdir))
    agents, agent_problems = load_agents(cdir)
    skills, skill_problems = load_skills(cdir)
    problems = idx["problems"] + kidx["problems"] + agent_problems + skill_problems
    entries = kidx["entries"]
    referenced: set[str] = set()

    def ref(name: str, file: str, field: str) -> None:
        referenced.add(name)
        if name not in entries:
            problems.append({"code": "KNOWLEDGE_MISSING", "file": file, "field": field,
                             "message": f"knowledge entry {name!r} does not exist"})

    for rec in [*idx["steps"].values(), *idx["tools"].values()]:
        for k in rec["knowledge"]:
            ref(k, rec["path"], "knowledge-base")
    for ptype, ov in idx["overlays"].items():
        for step, app in ov["knowledge-overrides"].items():
            for k in app.get("append", []):
                ref(k, f"methodology/overlays/{ptype}.yml", f"knowledge-overrides.{step}")
    for pack in skills.values():
        for k in pack["entries"]:
            ref(k, pack["path"], "entries")
    from cadence.pipeline.assembly import ADOPTION_KNOWLEDGE
    referenced.add(ADOPTION_KNOWLEDGE)  # injected into every adoption-mode run (a warning there when absent)
    for agent in agents.values():
        for s in agent["skills"]:
            if s not in skills:
                problems.append({"code": "AGENT_UNKNOWN_SKILL", "file": agent["path"], "field": "skills",
                                 "message": f"skill pack {s!r} does not exist"})
    for name, e in entries.items():
        if name not in referenced:
            problems.append({"code": "KNOWLEDGE_UNREFERENCED", "file": e["path"], "field": "name",
                             "message": "no step, tool, overlay, skill pack or agent references this entry"})
    counts = {"steps": len(idx["steps"]), "tools": len(idx["tools"]), "knowledge": len(entries),
              "agents": len(agents), "skills": len(skills)}
    return problems, counts


def validate(root: Path, strict: bool = False) -> dict[str, Any]:
    problems, counts = validate_content()
    if (root / paths.CONFIG).is_file():
        from cadence.content.loader import pipeline_index
        from cadence.project.config import load_config
        try:
            _, warns = load_config(root, tuple(pipeline_index()["steps"]))
            problems += [{"code": "CONFIG_WARNING", "file": paths.CONFIG, "field": w.split(":")[0], "message": w}
                         for w in warns]
        except CadenceError as err:
            details = (err.data or {}).get("errors") if isinstance(err.data, dict) else None
            for d in details or [err.message]:
                problems.append({"code": err.code, "file": paths.CONFIG, "field": d.split(":")[0], "message": d})
        if (root / paths.STATE).exists():
            from cadence.project.state import load_state
            try:
                state = load_state(root)
                known = set(pipeline_index()["steps"])
                for name in state["steps"]:
                    if name not in known:
                        problems.append({"code": "STATE_UNKNOWN_STEP", "file": paths.STATE, "field": f"steps.{name}",
                                         "message": "a step this cadence version does not know"})
            except CadenceError as err:
                problems.append({"code": err.code, "file": paths.STATE, "field": "(file)", "message": err.message})
        else:
            problems.append({"code": "STATE_MISSING", "file": paths.STATE, "field": "(file)",
                             "message": "the pipeline state is missing; 'cadence doctor --repair' re-derives it"})
        problems += _local_overrides(root)
        kdir = root / paths.KNOWLEDGE
        escaping = _escaping(root, kdir)
        problems += escaping
        if kdir.is_dir() and not escaping:
            from cadence.content.loader import build_knowledge_index
            for p in build_knowledge_index(kdir, str(root))["problems"]:
                if p["code"] in CONTENT_RULE_CODES:
                    continue  # length and shape rules are for the shipped library, not a project's notes
                p["file"] = f"{paths.DIR}/{p['file']}"
                problems.append(p)
    elif (root / paths.STATE).is_file():  # initialised once, config lost: every pipeline command refuses
        problems.append({"code": "CONFIG_MISSING", "file": paths.CONFIG, "field": "(file)",
                         "message": "the project has a pipeline state but no config; 'cadence init --force' "
                         "writes a new one (status, next and run refuse until then)"})
    if strict:
        problems += _stale_knowledge(root)
    for p in problems:
        p["severity"] = "warning" if p["code"] in WARNING_CODES or p["code"] == "CONFIG_WARNING" else "error"
    errors = sum(1 for p in problems if p["severity"] == "error")
    warnings = len(problems) - errors
    valid = errors == 0 and (not strict or warnings == 0)
    return {"valid": valid, "errors": errors, "warnings": warnings, "problems": problems, "counts": counts}


def _escaping(root: Path, directory: Path) -> list[dict[str, str]]:
    """A directory, or entries in it, linked out of the repository: reported, and never read."""
    from cadence.project import fsio
    out = []
    for p in _walk(directory):
        try:
            fsio.real_path(root, p)
        except CadenceError as err:
            out.append({"code": err.code, "file": p.relative_to(root).as_posix(), "field": "(file)",
                        "message": err.message})
            if p == directory:
                break
    return out


def _walk(directory: Path) -> Iterator[Path]:
    yield directory
    if directory.is_dir():
        yield from directory.rglob("*")


def _stale_knowledge(root: Path) -> list[dict[str, str]]:
    """--strict: entries past their review window or pinning an end-of-life version, judged against today."""
    from cadence.pipeline.knowledge import stale, stale_reason
    project = root if (root / paths.CONFIG).is_file() else None
    out = []
    for item in stale(project)["stale"]:
        field = "last-reviewed" if item["review_overdue"] else "pins." + item["eol"][0]["product"]
        out.append({"code": "KNOWLEDGE_STALE", "file": item["path"], "field": field,
                    "message": f"{stale_reason(item)}; 'cadence knowledge stale' lists every such entry"})
    return out


def _local_overrides(root: Path) -> list[dict[str, str]]:
    """Instruction files named after no step or tool, and knowledge overrides nothing can use."""
    from cadence.content.loader import knowledge_path, pipeline_index
    from cadence.errors import did_you_mean
    idx = pipeline_index()
    names = [*idx["steps"], *idx["tools"]]
    out: list[dict[str, str]] = []
    idir = root / paths.INSTRUCTIONS
    for f in sorted(idir.glob("*.md")) if idir.is_dir() else []:
        if f.stem != "global" and f.stem not in names:
            hint = did_you_mean(f.stem, names)
            out.append({"code": "INSTRUCTIONS_UNKNOWN_STEP", "file": f"{paths.INSTRUCTIONS}/{f.name}",
                        "field": "(file)",
                        "message": f"no step or tool is named {f.stem!r}, so these instructions are never used"
                        + (f". {hint}" if hint else "")})
    kdir = root / paths.KNOWLEDGE
    referenced = {k for rec in [*idx["steps"].values(), *idx["tools"].values()] for k in rec["knowledge"]}
    referenced |= {k for ov in idx["overlays"].values() for app in ov["knowledge-overrides"].values()
                   for k in app.get("append", [])}
    for f in sorted(kdir.glob("*.md")) if kdir.is_dir() else []:
        if f.stem not in referenced and knowledge_path(f.stem) is None:
            out.append({"code": "OVERRIDE_UNUSED", "file": f"{paths.KNOWLEDGE}/{f.name}", "field": "(file)",
                        "message": f"{f.stem!r} is not a library entry and no step references it, so it is never "
                        "injected (overrides replace library entries by name)"})
    return out
