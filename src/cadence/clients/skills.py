"""Skill packs: SKILL.md (short, with when-to-read pointers) + references/<entry>.md (Deep Guidance)."""

from __future__ import annotations

from cadence.clients.base import File, RenderContext, frontmatter


def skill_md(pack: dict[str, object], ctx: RenderContext, extra: str = "") -> str:
    name = str(pack["name"])
    entries = [e for e in pack["entries"] if e in ctx.knowledge]  # type: ignore[attr-defined]
    lines = [f"# {name.replace('-', ' ').capitalize()}", "",
             "Read only the reference that matches the task at hand; each is self-contained.", ""]
    for e in entries:
        lines.append(f"- `references/{e}.md` — {ctx.knowledge[e]['description']}")
    if extra:
        lines += ["", extra.rstrip("\n")]
    head = frontmatter([("name", name), ("description", str(pack["description"])[:1024])])
    return head + "\n" + "\n".join(lines) + "\n"


def reference_md(entry: str, ctx: RenderContext) -> str:
    k = ctx.knowledge[entry]
    parts = [f"# {entry}", "", k["description"], ""]
    if k.get("summary"):
        parts += ["## Summary", "", k["summary"].strip(), ""]
    parts += ["## Deep Guidance", "", (k.get("deep") or "").strip(), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def skill_pack_files(ctx: RenderContext, base: str, extras: dict[str, str] | None = None) -> list[File]:
    out: list[File] = []
    for pack in ctx.skills.values():
        name = pack["name"]
        out.append(File(f"{base}/{name}/SKILL.md", skill_md(pack, ctx, (extras or {}).get(name, "")), "skill"))
        for e in pack["entries"]:
            if e in ctx.knowledge:
                out.append(File(f"{base}/{name}/references/{e}.md", reference_md(e, ctx), "skill-reference"))
    return out


PIPELINE_SKILL = "cadence-pipeline"


def step_index(ctx: RenderContext) -> str:
    """The pipeline's steps and tools as a list: the command catalogue for clients without custom commands."""
    lines = ["## Steps (run with `cadence run <step>` or `pipeline_run`)", ""]
    lines += [f"- `{s['name']}` — {s['description']}" for s in ctx.steps if s.get("category") != "tool"]
    tools = [s for s in ctx.steps if s.get("category") == "tool"]
    if tools:
        lines += ["", "## Tools (run any time)", ""]
        lines += [f"- `{s['name']}` — {s['description']}" for s in tools]
    return "\n".join(lines) + "\n"


def pipeline_skill_files(ctx: RenderContext, base: str) -> list[File]:
    """Skill packs, with the step catalogue added to the `cadence-pipeline` skill (one is rendered when the
    library has no pack of that name). Codex has no custom commands: this skill stands in for them. Every client
    gets these same files, so the copies OpenCode finds in .claude/skills and .agents/skills are identical."""
    if PIPELINE_SKILL in ctx.skills:
        return skill_pack_files(ctx, base, {PIPELINE_SKILL: step_index(ctx)})
    lines = ["# cadence pipeline", "",
             "1. `cadence next` (or the `pipeline_next` MCP tool) lists the steps that can run now.",
             "2. `cadence run <step>` (or `pipeline_run`) prints the step's full prompt, assembled from the",
             "   project's current state. Follow it exactly; pass the user's extra words as arguments.",
             "3. When the step's outputs exist: `cadence complete <step>` (or `pipeline_complete`).",
             "   If a step does not apply: `cadence skip <step> --reason \"...\"`.", "", step_index(ctx)]
    desc = ("Walk the cadence pipeline: find the next step, get its assembled prompt with `cadence run`, "
            "follow it and record completion. Use when the user asks what to do next, to run a cadence "
            "step or tool by name, or to continue the project plan.")
    return skill_pack_files(ctx, base) + [File(
        f"{base}/{PIPELINE_SKILL}/SKILL.md",
        frontmatter([("name", PIPELINE_SKILL), ("description", desc)]) + "\n" + "\n".join(lines), "skill")]
