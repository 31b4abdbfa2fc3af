"""OpenCode: `.opencode/agents`, `.opencode/skills`, `.opencode/commands/cadence-<step>.md`, AGENTS.md,
`opencode.json` (`mcp.cadence` and the agent switch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cadence.clients.base import (
    SERVER,
    Artifact,
    Block,
    File,
    Key,
    Keys,
    RenderContext,
    Renderer,
    agent_file,
    frontmatter,
    instructions_body,
    mcp_tools,
    step_prompt,
)
from cadence.clients.skills import pipeline_skill_files

RUNS_STEPS = "implement"


def opencode_permission(agent: dict[str, Any], ctx: RenderContext) -> dict[str, Any]:
    """Canonical tools + permissions → OpenCode's `permission` map (the `tools` map is deprecated)."""
    tools = set(agent["tools"])
    perms = agent.get("permissions") or {}
    out: dict[str, Any] = {}
    out["edit"] = perms.get("edit", "allow" if tools & {"write", "edit"} else "deny")
    out["bash"] = perms.get("bash", "allow" if "bash" in tools else "deny")
    out["webfetch"] = perms.get("webfetch", "allow" if "web" in tools else "deny")
    task = perms.get("task")
    if task is None:
        if "task" not in tools:
            task = "deny"
        elif agent.get("launches"):
            task = {"*": "deny", **{a: "allow" for a in agent["launches"]}}
        else:
            task = "allow"
    out["task"] = task
    if "skill" not in tools:
        out["skill"] = "deny"
    if "web" not in tools:
        out["websearch"] = "deny"
    # OpenCode names an MCP tool `<server>_<tool>` and gates it by that name; the last matching rule wins,
    # so the catch-all deny comes first and the agent's own tools are allowed after it.
    out[f"{SERVER}_*"] = "deny"
    out.update({f"{SERVER}_{m}": "allow" for m in mcp_tools(agent, ctx)})
    return out


def user_default_agent(path: Path) -> str | None:
    """The `default_agent` the config file names, if any. When it names another agent than cadence's
    architect, the user chose their default: cadence leaves the built-in agents alone (disabling the one
    named would make every `opencode run` fail with "default agent not found"). An unreadable file is the
    engine's to report."""
    from cadence.clients.jsonc import JsoncError, loads
    try:
        data = loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, JsoncError, ValueError):
        return None
    value = data.get("default_agent") if isinstance(data, dict) else None
    return None if value is None else str(value)


# `steps` (ex-`maxSteps`): the most agentic iterations per request. Reviewers are bounded tightly so a
# runaway sub-agent stops and reports; primary agents get room for a whole plan-or-loop session.
OPENCODE_STEPS = {"primary": 200, "subagent": 50}


def opencode_model(model: str | None) -> str | None:
    return model if model and "/" in model else None


class OpenCode(Renderer):
    name = "opencode"
    binary = "opencode"
    title = "OpenCode"

    def render(self, ctx: RenderContext) -> list[Artifact]:
        base = ctx.user_dir("opencode") if ctx.scope == "user" else ".opencode"
        out: list[Artifact] = []
        for a in ctx.agents.values():
            out.append(agent_file(f"{base}/agents", a, [
                ("description", a["description"]), ("mode", a["mode"]), ("model", opencode_model(ctx.model_for(a))),
                ("temperature", a.get("temperature", 0.1)), ("steps", OPENCODE_STEPS[a["mode"]]),
                ("permission", opencode_permission(a, ctx))]))
        if ctx.scope == "user" or not {"claude", "codex", "gemini"} & set(ctx.clients):
            # OpenCode also reads .claude/skills and .agents/skills: a copy of its own would be one more duplicate
            out += pipeline_skill_files(ctx, f"{base}/skills")
        for s in ctx.steps:
            # A step writes its documents: run it in implement, which may edit and call pipeline_run, rather than
            # in the session's agent (the read-only architect when cadence's agent switch is on).
            fm = frontmatter([("description", s["description"]), ("agent", RUNS_STEPS)])
            out.append(File(f"{base}/commands/{SERVER}-{s['name']}.md", fm + "\n"
                            + step_prompt(s, "$ARGUMENTS", ctx.everything), "command"))
        out.append(Block(f"{base}/AGENTS.md" if ctx.scope == "user" else "AGENTS.md", instructions_body()))
        entry: dict[str, Any] = {"type": "local", "command": list(ctx.server_command), "enabled": True}
        if ctx.env:
            entry["environment"] = ctx.env
        keys = [Key(("mcp", SERVER), entry)]
        cfg = self.config_file(ctx.base, base if ctx.scope == "user" else "")
        if any(a["name"] == "architect" and a["mode"] == "primary" for a in ctx.agents.values()) \
                and user_default_agent(ctx.base / cfg) in (None, "architect"):
            keys += [Key(("agent", "build", "disable"), True, default=True),
                     Key(("agent", "plan", "disable"), True, default=True),
                     Key(("default_agent",), "architect", default=True)]
        out.append(Keys(cfg, "json", keys, "mcp"))
        return out

    @staticmethod
    def config_file(base: Path, prefix: str) -> str:
        """`opencode.jsonc` when the user has one (and no `opencode.json`), else `opencode.json`."""
        d = base / prefix if prefix else base
        name = "opencode.jsonc" if (d / "opencode.jsonc").exists() and not (d / "opencode.json").exists() \
            else "opencode.json"
        return f"{prefix}/{name}" if prefix else name

    def legacy(self, base: Path, scope: str) -> list[dict[str, str]]:
        out = []
        from cadence.clients.base import user_dir
        from cadence.errors import CadenceError
        from cadence.project import fsio
        prefix = base / (user_dir("opencode", base) if scope == "user" else ".opencode")
        for old, new in (("agent", "agents"), ("command", "commands")):
            d = prefix / old
            if d.is_dir() and any(d.glob("*.md")):
                out.append({"path": str(d.relative_to(base)), "message": f"legacy singular '{old}/' folder; "
                            f"OpenCode now reads '{new}/'"})
        for f in sorted(prefix.glob("agents/*.md")) if prefix.is_dir() else []:
            try:
                head = fsio.read_text(base if scope == "project" else None, f, errors="replace").split("---", 2)
            except (OSError, CadenceError):
                continue
            if len(head) > 2 and ("\ntools:" in head[1] or "\nmaxSteps:" in head[1]):
                out.append({"path": str(f.relative_to(base)), "message": "deprecated 'tools' or 'maxSteps' key; "
                            "use 'permission' and 'steps'"})
        return out
