"""Skill packs: SKILL.md (short, with when-to-read pointers) + references/<entry>.md (Deep Guidance)."""

from __future__ import annotations

from cadence.clients.base import File, RenderContext, frontmatter


def skill_md(pack: dict[str, object], ctx: RenderContext) -> str:
    name = str(pack["name"])
    entries = [e for e in pack["entries"] if e in ctx.knowledge]  # type: ignore[attr-defined]
    lines = [f"# {name.replace('-', ' ').capitalize()}", "",
             "Read only the reference that matches the task at hand; each is self-contained.", ""]
    for e in entries:
        lines.append(f"- `references/{e}.md` — {ctx.knowledge[e]['description']}")
    return frontmatter([("name", name), ("description", str(pack["description"])[:1024])]) + "\n" + "\n".join(lines) + "\n"


def reference_md(entry: str, ctx: RenderContext) -> str:
    k = ctx.knowledge[entry]
    parts = [f"# {entry}", "", k["description"], ""]
    if k.get("summary"):
        parts += ["## Summary", "", k["summary"].strip(), ""]
    parts += ["## Deep Guidance", "", (k.get("deep") or "").strip(), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def skill_pack_files(ctx: RenderContext, base: str) -> list[File]:
    out: list[File] = []
    for pack in ctx.skills.values():
        name = pack["name"]
        out.append(File(f"{base}/{name}/SKILL.md", skill_md(pack, ctx), "skill"))
        for e in pack["entries"]:
            if e in ctx.knowledge:
                out.append(File(f"{base}/{name}/references/{e}.md", reference_md(e, ctx), "skill-reference"))
    return out


def pipeline_skill(ctx: RenderContext, base: str) -> File:
    """One skill that stands for every pipeline command (clients without custom commands: Codex)."""
    lines = ["# cadence pipeline", "",
             "Cadence walks this project from idea to an implementation-ready plan, step by step.", "",
             "1. `cadence next` (or the `pipeline_next` MCP tool) lists the steps that can run now.",
             "2. `cadence run <step>` (or `pipeline_run`) prints the step's full prompt, assembled from the",
             "   project's current state. Follow it exactly; pass the user's extra words as arguments.",
             "3. When the step's outputs exist: `cadence complete <step>` (or `pipeline_complete`).",
             "   If a step does not apply: `cadence skip <step> --reason \"...\"`.", "",
             "## Steps", ""]
    for s in ctx.steps:
        if s.get("category") == "tool":
            continue
        lines.append(f"- `{s['name']}` — {s['description']}")
    tools = [s for s in ctx.steps if s.get("category") == "tool"]
    if tools:
        lines += ["", "## Tools (run any time)", ""]
        lines += [f"- `{s['name']}` — {s['description']}" for s in tools]
    desc = ("Walk the cadence pipeline: find the next step, get its assembled prompt with `cadence run`, "
            "follow it and record completion. Use when the user asks what to do next, to run a cadence "
            "step or tool by name, or to continue the project plan.")
    return File(f"{base}/cadence-pipeline/SKILL.md",
                frontmatter([("name", "cadence-pipeline"), ("description", desc)]) + "\n" + "\n".join(lines) + "\n",
                "skill")
