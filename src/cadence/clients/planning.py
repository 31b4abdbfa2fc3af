"""What an install would write: the render context for a project (its steps, knowledge, skill packs,
models and MCP command) and every client's artifacts, checked for conflicting paths."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from cadence.clients import ORDER, renderer
from cadence.clients.base import Block, File, Keys, RenderContext
from cadence.clients.manifest import scope_base
from cadence.errors import ASSEMBLY, CadenceError
from cadence.project import paths


def server_command(everything: bool = False) -> list[str]:
    """How clients start the server: `cadence mcp` when `cadence` is on PATH, else this interpreter; the lean
    tier (every tool behind its entry point: read, plan, write), or every tool by name for `install --all`."""
    override = os.environ.get("CADENCE_MCP_COMMAND")
    tier = ["--tools", "all" if everything else "lean"]
    if override:
        import shlex
        return [*shlex.split(override), *tier]
    if shutil.which("cadence"):
        return ["cadence", "mcp", *tier]
    return [sys.executable, "-m", "cadence", "mcp", *tier]


def _knowledge(names: set[str], root: Path | None) -> dict[str, dict[str, str]]:
    from cadence.content.loader import knowledge_index, read_body
    from cadence.core.frontmatter import section
    from cadence.pipeline.knowledge import _overrides
    idx = knowledge_index()["entries"]
    over = _overrides(root)
    lib = None
    out: dict[str, dict[str, str]] = {}
    for name in sorted(names):
        path: Path | None = over.get(name)
        if path is None and name in idx:
            lib = lib or __import__("cadence.content.loader", fromlist=["content_dir"]).content_dir()
            path = lib / "knowledge" / idx[name]["category"] / f"{name}.md"
        if path is None or not path.is_file():
            continue
        body = read_body(path)
        out[name] = {"description": idx[name]["description"] if name in idx else name,
                     "summary": section(body, "Summary") or "", "deep": section(body, "Deep Guidance") or body}
    return out


def build_context(root: Path | None, scope: str, everything: bool = False) -> RenderContext:
    """What to render: every agent; the steps the project has enabled (and every tool); the skill packs for
    its project type. `everything` (install --all) renders every step and pack, as before."""
    from cadence.content.loader import load_agents, load_skills, pipeline_index
    from cadence.core.phases import PHASE_INDEX
    agents, problems = load_agents()
    skills, sproblems = load_skills()
    problems += sproblems
    if problems:
        first = problems[0]
        raise CadenceError("CONTENT_INVALID", f"{len(problems)} problem(s) in the content library, first: "
                           f"{first['file']}: {first['field']}: {first['message']}",
                           "Run 'cadence validate' for the full list; nothing was written.", ASSEMBLY)
    index = pipeline_index()
    steps = sorted(index["steps"].values(), key=lambda s: (PHASE_INDEX.get(s["phase"], 99), s["order"] or 0, s["name"]))
    models: dict[str, Any] = {}
    ptype: str | None = None
    if root is not None and (root / paths.CONFIG).is_file():
        from cadence.pipeline.project import open_project
        proj = open_project(root)
        models = proj.config.get("models") or {}
        ptype = proj.pipeline.project_type
        if not everything:
            steps = [s for s in steps if proj.pipeline.steps[s["name"]].enabled
                     and proj.pipeline.steps[s["name"]].applicable is not False]
    steps += sorted(index["tools"].values(), key=lambda s: s["name"])
    if ptype is None and not everything and not (root is not None and (root / paths.CONFIG).is_file()):
        steps = []  # no config: every step and tool needs `cadence init`, which renders them
    if not everything:
        skills = {n: p for n, p in skills.items() if _pack_applies(p, ptype)}
    entries = {e for p in skills.values() for e in p["entries"]}
    return RenderContext(scope=scope, base=scope_base(root, scope), root=root, agents=dict(sorted(agents.items())),
                         skills=dict(sorted(skills.items())), knowledge=_knowledge(entries, root), steps=steps,
                         models=models, server_command=server_command(everything), everything=everything)


def _pack_applies(pack: dict[str, Any], ptype: str | None) -> bool:
    """A pack is rendered for the project types it names (`all`: always; `none`: projects without a type)."""
    wanted = pack.get("project_types") or ["all"]
    return "all" in wanted or (ptype or "none") in wanted


def default_clients(root: Path | None) -> list[str]:
    if root is not None and (root / paths.CONFIG).is_file():
        from cadence.content.loader import pipeline_index
        from cadence.project.config import load_config
        try:
            cfg, _ = load_config(root, tuple(pipeline_index()["steps"]))
            if cfg.get("clients"):
                return list(cfg["clients"])
        except CadenceError:
            pass
    detected = [c for c in ORDER if shutil.which(renderer(c).binary)]
    return detected or ["claude"]


def render(ctx: RenderContext, clients: list[str]) -> dict[tuple[str, str], tuple[Any, list[str]]]:
    """(path, type) → (artifact, clients). Identical artifacts from several clients are merged."""
    out: dict[tuple[str, str], tuple[Any, list[str]]] = {}
    for c in clients:
        for art in renderer(c).render(ctx):
            key = (art.path, _type(art))
            if key in out:
                prev, cl = out[key]
                if isinstance(art, Keys):
                    have = {k.path for k in prev.keys}
                    prev.keys += [k for k in art.keys if k.path not in have]
                if c not in cl:
                    cl.append(c)
            else:
                out[key] = (art, [c])
    return out


def _type(art: Any) -> str:
    return "file" if isinstance(art, File) else "block" if isinstance(art, Block) else "keys"
