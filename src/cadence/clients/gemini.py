"""Gemini CLI: `.gemini/commands/cadence/<step>.toml` (`/cadence:<step>`), `.agents/skills`, GEMINI.md,
`.gemini/settings.json` → `mcpServers.cadence`; `.gemini/agents/` only when subagents are enabled."""

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
    instructions_body,
    step_prompt,
)
from cadence.clients.skills import pipeline_skill_files

GEMINI_TOOLS = {"read": ["read_file", "read_many_files", "list_directory"], "write": ["write_file"],
                "edit": ["replace"], "bash": ["run_shell_command"], "grep": ["grep_search"], "glob": ["glob"],
                "web": ["web_fetch", "google_web_search"], "task": [], "skill": ["activate_skill"]}


def gemini_tools(agent: dict[str, Any]) -> list[str]:
    """The agent's tools in Gemini's names. Gemini cannot narrow a sub-agent's shell: its agent files accept
    only whole tool names (`run_shell_command(git status)` is rejected as an invalid tool name) and the
    policy engine ignores project policies. So an agent whose shell is an allow-list (every read-only agent)
    gets no shell at all, rather than an unrestricted one."""
    perms = agent.get("permissions") or {}
    bash = perms.get("bash", "allow")
    dropped = {"write", "edit"} if perms.get("edit") == "deny" else set()
    if bash == "deny" or isinstance(bash, dict) and bash.get("*", "allow") == "deny":
        dropped.add("bash")
    tools = [t for c in agent["tools"] if c not in dropped for t in GEMINI_TOOLS[c]]
    return tools + [f"mcp_{SERVER}_{m}" for m in agent.get("mcp") or []]


def command_toml(step: dict[str, Any]) -> str:
    import tomlkit
    doc = tomlkit.document()
    doc["description"] = step["description"]
    doc["prompt"] = tomlkit.string(step_prompt(step, "{{args}}"), multiline=True)
    return tomlkit.dumps(doc)


def _settings(ctx: RenderContext) -> list[dict[str, Any]]:
    """Gemini's settings that apply, most specific first: the project's, then the user's."""
    from cadence.clients.jsonc import JsoncError, loads
    from cadence.errors import CadenceError
    from cadence.project import fsio
    out = []
    for p in dict.fromkeys((ctx.base / ".gemini" / "settings.json", Path.home() / ".gemini" / "settings.json")):
        confine = ctx.base if ctx.scope == "project" and ctx.base in p.parents else None
        try:
            data = loads(fsio.read_text(confine, p))
        except (OSError, UnicodeDecodeError, JsoncError, ValueError, CadenceError):
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


def agents_enabled(ctx: RenderContext) -> bool:
    return any((d.get("experimental") or {}).get("enableAgents") is True for d in _settings(ctx))


def context_file(ctx: RenderContext) -> str:
    """The instructions file Gemini reads: `context.fileName` (a name or a list of names) when the
    user set one, else GEMINI.md. With a list that includes GEMINI.md, GEMINI.md is kept."""
    import re
    for d in _settings(ctx):
        ctx_cfg = d.get("context")
        name = ctx_cfg.get("fileName") if isinstance(ctx_cfg, dict) else None
        if name is None:
            continue
        names = [name] if isinstance(name, str) else name if isinstance(name, list) else []
        names = [n for n in names if isinstance(n, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", n)]
        if not names or "GEMINI.md" in names:
            return "GEMINI.md"
        return names[0]
    return "GEMINI.md"


def gemini_model(model: str | None) -> str | None:
    if not model:
        return None
    m = model.split("/", 1)[1] if "/" in model else model
    return m if m.startswith("gemini") else None


class Gemini(Renderer):
    name = "gemini"
    binary = "gemini"
    title = "Gemini CLI"
    project_note = "Gemini CLI starts project MCP servers only in trusted folders."

    def render(self, ctx: RenderContext) -> list[Artifact]:
        out: list[Artifact] = []
        if agents_enabled(ctx):
            for a in ctx.agents.values():
                tools = gemini_tools(a)
                out.append(agent_file(".gemini/agents", a, [
                    ("name", a["name"]), ("description", a["description"]), ("kind", "local"), ("tools", tools),
                    ("model", gemini_model(ctx.model_for(a))), ("temperature", a.get("temperature", 0.1))]))
        out += pipeline_skill_files(ctx, ".agents/skills")  # shared with Codex: identical content
        for s in ctx.steps:
            out.append(File(f".gemini/commands/{SERVER}/{s['name']}.toml", command_toml(s), "command"))
        name = context_file(ctx)
        out.append(Block(f".gemini/{name}" if ctx.scope == "user" else name, instructions_body()))
        cmd = ctx.server_command
        entry: dict[str, Any] = {"command": cmd[0], "args": cmd[1:]}
        if ctx.env:
            entry["env"] = ctx.env
        out.append(Keys(".gemini/settings.json", "json", [Key(("mcpServers", SERVER), entry)], "mcp"))
        return out
