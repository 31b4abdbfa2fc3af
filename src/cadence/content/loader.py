"""Load the content library into plain, validated data, cached by a fingerprint of its files.

Two indexes, so a command reads only what it needs:
* the pipeline index — steps, tools, presets, overlays (every command that resolves the graph);
* the knowledge index — every entry's metadata (list / search / validate only). `run` looks an
  entry up by path (`knowledge/<category>/<name>.md`), so its cost does not grow with the base.

Every problem found names the file and the field. `CADENCE_CONTENT_DIR` points the loader at
another library explicitly (tests, benchmarks, content development); nothing else overrides it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cadence import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STEP_SECTIONS = ("Purpose", "Inputs", "Expected Outputs", "Quality Criteria", "Methodology Scaling",
                 "Mode Detection", "Update Mode Specifics")
STATELESS_SECTIONS = ("Purpose", "Instructions")
DEPTH_TAG = re.compile(r"^\s*[-*] \((mvp|deep|depth [1-5]\+)\)")


def content_dir() -> Path:
    explicit = os.environ.get("CADENCE_CONTENT_DIR")
    if explicit:
        return Path(explicit)
    return Path(__file__).parent


def _fingerprint(cdir: Path, subdirs: tuple[str, ...]) -> str:
    parts: list[str] = [str(cdir)]
    for sub in subdirs:
        base = cdir / sub
        stack = [base] if base.is_dir() else []
        while stack:
            d = stack.pop()
            try:
                entries = sorted(os.scandir(d), key=lambda e: e.name)
            except OSError:
                continue
            for e in entries:
                if e.is_dir():
                    stack.append(Path(e.path))
                elif e.name.endswith((".md", ".yml", ".yaml")):
                    st = e.stat()
                    parts.append(f"{e.path}|{st.st_size}|{st.st_mtime_ns}")
    return "\n".join(parts)


def _problem(problems: list[dict[str, str]], code: str, file: str, field: str, message: str) -> None:
    problems.append({"code": code, "file": file, "field": field, "message": message})


def _walk(base: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.is_file() and p.suffix in suffixes)


def _read_doc(path: Path, rel: str, problems: list[dict[str, str]]) -> tuple[dict[str, Any] | None, str]:
    from cadence import yamlio
    from cadence.core.frontmatter import FrontmatterError, split
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _problem(problems, "FILE_UNREADABLE", rel, "(file)", str(exc))
        return None, ""
    try:
        fm_text, body = split(text)
    except FrontmatterError as exc:
        _problem(problems, "FRONTMATTER_INVALID", rel, "(frontmatter)", str(exc))
        return None, ""
    try:
        data = yamlio.load(fm_text) if fm_text.strip() else {}
    except yamlio.YamlError as exc:
        _problem(problems, "FRONTMATTER_YAML", rel, "(frontmatter)", str(exc))
        return None, ""
    if not isinstance(data, dict):
        _problem(problems, "FRONTMATTER_INVALID", rel, "(frontmatter)", "frontmatter must be a mapping")
        return None, ""
    return data, body


def _validate(model: Any, data: Any, rel: str, problems: list[dict[str, str]], code: str) -> Any | None:
    from pydantic import ValidationError

    from cadence.content.models import describe_errors
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for field, msg in describe_errors(exc):
            _problem(problems, code, rel, field, msg)
        return None


# ---------------------------------------------------------------- pipeline index

def pipeline_index(cdir: Path | None = None) -> dict[str, Any]:
    cdir = cdir or content_dir()
    ck = cache.key("pipeline", _fingerprint(cdir, ("pipeline", "tools", "methodology")))
    hit = cache.get(ck)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    index = build_pipeline_index(cdir)
    cache.put(ck, index)
    return index


def build_pipeline_index(cdir: Path) -> dict[str, Any]:
    from cadence.content.models import Overlay, Preset, StepMeta
    from cadence.core.frontmatter import sections
    from cadence.core.phases import PHASE_INDEX, order_in_phase

    problems: list[dict[str, str]] = []
    steps: dict[str, dict[str, Any]] = {}
    tools: dict[str, dict[str, Any]] = {}
    for kind, base in (("pipeline", cdir / "pipeline"), ("tool", cdir / "tools")):
        for path in _walk(base, (".md",)):
            rel = path.relative_to(cdir).as_posix()
            data, body = _read_doc(path, rel, problems)
            if data is None:
                continue
            unknown = sorted(set(data) - {*StepMeta.model_fields, *(f.alias for f in StepMeta.model_fields.values())})
            for key in unknown:  # kept with a warning: dropping the step would make its dependents look broken
                _problem(problems, "STEP_FIELD_UNKNOWN", rel, str(key), "unknown field (ignored)")
            meta = _validate(StepMeta, {k: v for k, v in data.items() if k not in unknown}, rel, problems,
                             "STEP_FIELD_INVALID")
            if meta is None:
                continue
            if meta.name != path.stem:
                _problem(problems, "STEP_NAME_MISMATCH", rel, "name", f"name {meta.name!r} must equal the file "
                         f"name {path.stem!r}")
            record = {
                "name": meta.name, "description": meta.description, "summary": meta.summary or meta.description,
                "phase": meta.phase, "order": meta.order, "dependencies": meta.dependencies,
                "outputs": meta.outputs, "conditional": meta.conditional, "when": meta.when,
                "knowledge": meta.knowledge_base, "reads": meta.reads,
                "stateless": meta.stateless or kind == "tool" or meta.phase == "build",
                "category": "tool" if kind == "tool" else "pipeline", "argument_hint": meta.argument_hint,
                "path": rel,
            }
            if kind == "pipeline":
                if meta.phase is None or meta.order is None:
                    _problem(problems, "STEP_FIELD_INVALID", rel, "phase" if meta.phase is None else "order",
                             "pipeline steps need a phase and an order")
                    continue
                if not order_in_phase(meta.phase, meta.order):
                    n = PHASE_INDEX[meta.phase]
                    _problem(problems, "STEP_ORDER_RANGE", rel, "order", f"order {meta.order} is outside phase "
                             f"{meta.phase}'s range {n * 100}-{n * 100 + 99}")
                if not record["stateless"] and not meta.outputs:
                    _problem(problems, "STEP_FIELD_INVALID", rel, "outputs", "a stateful step must declare outputs")
            _check_body(record, body, rel, problems, sections)
            target = steps if kind == "pipeline" else tools
            if meta.name in steps or meta.name in tools:
                _problem(problems, "STEP_DUPLICATE", rel, "name", f"duplicate step or tool name {meta.name!r}")
                continue
            target[meta.name] = record

    for name, st in steps.items():
        for dep in st["dependencies"]:
            if dep not in steps:
                _problem(problems, "STEP_UNKNOWN_DEPENDENCY", st["path"], "dependencies", f"unknown step {dep!r}")
            elif PHASE_INDEX[steps[dep]["phase"]] > PHASE_INDEX[st["phase"]]:
                _problem(problems, "STEP_DEPENDENCY_PHASE", st["path"], "dependencies",
                         f"{dep!r} is in a later phase ({steps[dep]['phase']})")
            if dep == name:
                _problem(problems, "STEP_SELF_DEPENDENCY", st["path"], "dependencies", "a step cannot depend on itself")
        for r in st["reads"]:
            if r not in steps:
                _problem(problems, "STEP_UNKNOWN_READ", st["path"], "reads", f"unknown step {r!r}")

    from cadence.core.graph import CycleError, topo_order
    try:
        topo_order({n: s["dependencies"] for n, s in steps.items()}, {n: s["order"] for n, s in steps.items()})
    except CycleError as exc:
        _problem(problems, "STEP_CYCLE", "pipeline/", "dependencies", str(exc))

    presets: dict[str, Any] = {}
    for path in _walk(cdir / "methodology", (".yml", ".yaml")):
        rel = path.relative_to(cdir).as_posix()
        if "overlays" in path.parts:
            continue
        data = _read_yaml(path, rel, problems)
        preset = _validate(Preset, data, rel, problems, "PRESET_INVALID") if data is not None else None
        if preset is None:
            continue
        for step in steps:
            if step not in preset.steps:
                _problem(problems, "PRESET_MISSING_STEP", rel, f"steps.{step}", f"preset does not list step {step!r}")
        for step in preset.steps:
            if step not in steps:
                _problem(problems, "PRESET_UNKNOWN_STEP", rel, f"steps.{step}", f"unknown step {step!r}")
        presets[preset.name] = {"name": preset.name, "title": preset.title, "description": preset.description,
                                "default_depth": preset.default_depth,
                                "steps": {k: v.model_dump(exclude_none=True) for k, v in preset.steps.items()}}
    overlays: dict[str, Any] = {}
    for path in _walk(cdir / "methodology" / "overlays", (".yml", ".yaml")):
        rel = path.relative_to(cdir).as_posix()
        data = _read_yaml(path, rel, problems)
        ov = _validate(Overlay, data, rel, problems, "OVERLAY_INVALID") if data is not None else None
        if ov is None:
            continue
        for section_name, mapping in (("step-overrides", ov.step_overrides), ("knowledge-overrides",
                                      ov.knowledge_overrides), ("reads-overrides", ov.reads_overrides),
                                      ("dependency-overrides", ov.dependency_overrides)):
            for step in mapping:
                if step not in steps and step not in tools:
                    _problem(problems, "OVERLAY_UNKNOWN_STEP", rel, f"{section_name}.{step}", f"unknown step {step!r}")
        for sect in (ov.reads_overrides, ov.dependency_overrides):
            for step, ra in sect.items():
                for s in [*ra.replace.values(), *ra.append]:
                    if s not in steps:
                        _problem(problems, "OVERLAY_UNKNOWN_STEP", rel, step, f"unknown step {s!r}")
        overlays[ov.project_type] = ov.model_dump(by_alias=True)
    return {"steps": steps, "tools": tools, "presets": presets, "overlays": overlays, "problems": problems}


def _read_yaml(path: Path, rel: str, problems: list[dict[str, str]]) -> Any | None:
    from cadence import yamlio
    try:
        return yamlio.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _problem(problems, "FILE_UNREADABLE", rel, "(file)", str(exc))
    except yamlio.YamlError as exc:
        _problem(problems, "YAML_INVALID", rel, "(file)", str(exc))
    return None


def _check_body(record: dict[str, Any], body: str, rel: str, problems: list[dict[str, str]], sections: Any) -> None:
    found = {h for h, _ in sections(body)}
    content = dict(sections(body))
    if record["stateless"]:
        required: tuple[str, ...] = STATELESS_SECTIONS
    else:
        required = STEP_SECTIONS + (("Conditional Evaluation",) if record["conditional"] else ())
    for name in required:
        if name not in found:
            _problem(problems, "STEP_SECTION_MISSING", rel, f"## {name}", f"missing required section '## {name}'")
    if record["argument_hint"] and "$ARGUMENTS" not in body:
        _problem(problems, "STEP_ARGUMENTS_UNUSED", rel, "argument-hint", "declares an argument-hint but the body "
                 "never uses $ARGUMENTS")
    if not record["stateless"]:
        scaling = content.get("Methodology Scaling", "")
        for label in ("**mvp**", "**deep**"):
            if label not in scaling:
                _problem(problems, "STEP_SCALING_INCOMPLETE", rel, "## Methodology Scaling", f"missing {label} line")
        for d in range(1, 6):
            if not re.search(rf"^\s*[-*] Depth {d}:", scaling, re.M):
                _problem(problems, "STEP_SCALING_INCOMPLETE", rel, "## Methodology Scaling",
                         f"missing 'Depth {d}:' line")
        criteria = content.get("Quality Criteria", "")
        if criteria and not any(DEPTH_TAG.match(line) for line in criteria.splitlines()):
            _problem(problems, "STEP_CRITERIA_UNTAGGED", rel, "## Quality Criteria", "no depth-tagged criterion")


# ---------------------------------------------------------------- knowledge

def knowledge_path(name: str, cdir: Path | None = None) -> Path | None:
    """`knowledge/<category>/<name>.md` for a shipped entry, without reading the rest of the base."""
    cdir = cdir or content_dir()
    base = cdir / "knowledge"
    try:
        categories = sorted(e.name for e in os.scandir(base) if e.is_dir())
    except OSError:
        return None
    for cat in categories:
        p = base / cat / f"{name}.md"
        if p.is_file():
            return p
    return None


def knowledge_index(cdir: Path | None = None) -> dict[str, Any]:
    cdir = cdir or content_dir()
    ck = cache.key("knowledge", _fingerprint(cdir, ("knowledge",)))
    hit = cache.get(ck)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    index = build_knowledge_index(cdir / "knowledge", str(cdir))
    cache.put(ck, index)
    return index


def build_knowledge_index(base: Path, label_root: str) -> dict[str, Any]:
    from cadence.content.models import KnowledgeMeta
    problems: list[dict[str, str]] = []
    entries: dict[str, dict[str, Any]] = {}
    for path in _walk(base, (".md",)):
        rel = path.relative_to(base.parent).as_posix()
        data, body = _read_doc(path, rel, problems)
        if data is None:
            continue
        meta = _validate(KnowledgeMeta, data, rel, problems, "KNOWLEDGE_FIELD_INVALID")
        if meta is None:
            continue
        if meta.name != path.stem:
            _problem(problems, "KNOWLEDGE_NAME_MISMATCH", rel, "name", f"name {meta.name!r} must equal the file name")
        if meta.name in entries:
            _problem(problems, "KNOWLEDGE_DUPLICATE", rel, "name", f"duplicate entry name {meta.name!r}")
            continue
        check_knowledge_body(body, rel, problems, len(path.read_text(encoding="utf-8").splitlines()))
        entries[meta.name] = {"name": meta.name, "description": meta.description, "topics": meta.topics,
                              "applies_to": meta.applies_to, "category": path.parent.name, "path": rel,
                              "last_reviewed": meta.last_reviewed.isoformat() if meta.last_reviewed else None,
                              "volatility": meta.volatility, "pins": meta.pins}
    return {"entries": entries, "problems": problems}


def check_knowledge_body(body: str, rel: str, problems: list[dict[str, str]], total_lines: int) -> None:
    from cadence.core.frontmatter import section
    lines = body.strip("\n").split("\n")
    summary = section(body, "Summary")
    deep = section(body, "Deep Guidance")
    if summary is None:
        _problem(problems, "KNOWLEDGE_SECTION_MISSING", rel, "## Summary", "missing '## Summary'")
    elif len(summary.strip().splitlines()) > 30:
        _problem(problems, "KNOWLEDGE_SUMMARY_LONG", rel, "## Summary",
                 f"Summary has {len(summary.strip().splitlines())} lines (at most 30)")
    if deep is None:
        _problem(problems, "KNOWLEDGE_SECTION_MISSING", rel, "## Deep Guidance", "missing '## Deep Guidance'")
    elif len(deep.splitlines()) * 2 < len(lines):
        _problem(problems, "KNOWLEDGE_DEEP_SHORT", rel, "## Deep Guidance", "Deep Guidance must be most of the entry")
    if total_lines < 100:
        _problem(problems, "KNOWLEDGE_TOO_SHORT", rel, "(file)", f"{total_lines} lines; an entry has at least 100")
    if "```" not in body and not re.search(r"^\|.*\|\s*$", body, re.M):
        _problem(problems, "KNOWLEDGE_NO_EXAMPLE", rel, "(body)", "no code block, configuration or table example")


def read_body(path: Path) -> str:
    from cadence.core.frontmatter import split
    return split(path.read_text(encoding="utf-8"))[1].strip("\n")


# ---------------------------------------------------------------- agents and skill packs

def load_agents(cdir: Path | None = None) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    from cadence.content.models import AgentMeta
    cdir = cdir or content_dir()
    problems: list[dict[str, str]] = []
    agents: dict[str, dict[str, Any]] = {}
    for path in _walk(cdir / "agents", (".md",)):
        rel = path.relative_to(cdir).as_posix()
        data, body = _read_doc(path, rel, problems)
        meta = _validate(AgentMeta, data, rel, problems, "AGENT_FIELD_INVALID") if data is not None else None
        if meta is None:
            continue
        if meta.name != path.stem:
            _problem(problems, "AGENT_NAME_MISMATCH", rel, "name", "name must equal the file name")
        agents[meta.name] = {**meta.model_dump(), "body": body.strip("\n"), "path": rel}
    for name, a in agents.items():
        for target in a["launches"]:
            if target not in agents:
                _problem(problems, "AGENT_UNKNOWN_LAUNCH", a["path"], "launches", f"unknown agent {target!r}")
            elif a["permissions"].get("edit", "allow") == "deny" and \
                    agents[target]["permissions"].get("edit", "allow") != "deny":
                _problem(problems, "AGENT_BOUNDARY", a["path"], "launches",
                         f"read-only agent {name!r} may not launch {target!r}, which can edit")
    return agents, problems


def load_skills(cdir: Path | None = None) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    from cadence.content.models import SkillPack
    cdir = cdir or content_dir()
    problems: list[dict[str, str]] = []
    packs: dict[str, dict[str, Any]] = {}
    for path in _walk(cdir / "skills", (".yml", ".yaml")):
        rel = path.relative_to(cdir).as_posix()
        data = _read_yaml(path, rel, problems)
        pack = _validate(SkillPack, data, rel, problems, "SKILL_FIELD_INVALID") if data is not None else None
        if pack is None:
            continue
        if pack.name != path.stem:
            _problem(problems, "SKILL_NAME_MISMATCH", rel, "name", "name must equal the file name")
        packs[pack.name] = {**pack.model_dump(), "path": rel}
    return packs, problems
