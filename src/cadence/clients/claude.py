"""Claude Code: `.claude/agents`, `.claude/skills`, `.claude/commands/cadence/`, CLAUDE.md, `.mcp.json`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cadence.clients.base import (
    CLAUDE_TOOLS,
    SERVER,
    Artifact,
    Block,
    File,
    Key,
    Keys,
    RenderContext,
    Renderer,
    agent_file,
    bash_prefix,
    frontmatter,
    instructions_body,
    mcp_tools,
    step_prompt,
)
from cadence.clients.skills import pipeline_skill_files

ALIASES = ("sonnet", "opus", "haiku", "inherit")


def claude_model(model: str | None) -> str | None:
    """A configured model as Claude understands it: an alias or a `claude-…` id; else None (inherit)."""
    if not model:
        return None
    m = model.split("/", 1)[1] if "/" in model else model
    if m in ALIASES or m.startswith("claude-"):
        return m
    return None


def claude_bash(pattern: str, rules: dict[str, str]) -> str:
    """One allowed command pattern as a Claude `Bash(...)` rule. A trailing `*` becomes Claude's prefix rule
    (`Bash(git diff:*)`), unless a deny rule carves commands out of that prefix (`npx jest*` allowed,
    `npx jest* -u*` denied): an agent's `tools` list cannot say "except", so Claude gets the exact command only."""
    if not pattern.endswith("*") or "*" in pattern[:-1]:
        return f"Bash({pattern})"
    prefix = bash_prefix(pattern)
    carved = any(v == "deny" and p != "*" and (p.split("*")[0].startswith(prefix) or prefix.startswith(p.split("*")[0]))
                 for p, v in rules.items())
    return f"Bash({prefix})" if carved else f"Bash({prefix}:*)"


def claude_tools(agent: dict[str, Any], ctx: RenderContext) -> list[str] | None:
    """The agent's `tools:` list in Claude's names, or None (every tool) for an agent that may edit and run any
    command: listing them all would only lengthen the agent listing every session pays for."""
    perms = agent.get("permissions") or {}
    bash = perms.get("bash", "allow")
    if perms.get("edit", "allow") != "deny" and (bash in ("allow", "ask") or (
            isinstance(bash, dict) and bash.get("*", "allow") in ("allow", "ask"))):
        return None
    tools: list[str] = []
    for t in agent["tools"]:
        if t in ("write", "edit") and perms.get("edit") == "deny":
            continue
        if t == "web" and perms.get("webfetch") == "deny":
            continue
        if t == "bash":
            bash = perms.get("bash", "allow")
            if bash == "deny":
                continue
            if isinstance(bash, dict) and bash.get("*", "allow") != "allow":
                tools += [claude_bash(p, bash) for p, v in bash.items() if p != "*" and v == "allow"]
                continue
        if t == "task" and perms.get("task") == "deny":
            continue
        tools += CLAUDE_TOOLS[t]
    tools += [f"mcp__{SERVER}__{m}" for m in mcp_tools(agent, ctx)]
    return list(dict.fromkeys(tools))


def _joined(tools: list[str] | None) -> str | None:
    return None if tools is None else ", ".join(tools)


class Claude(Renderer):
    name = "claude"
    binary = "claude"
    title = "Claude Code"
    project_note = "Claude Code asks once to approve the project's MCP servers in .mcp.json."

    def render(self, ctx: RenderContext) -> list[Artifact]:
        base = ctx.user_dir("claude") if ctx.scope == "user" else ".claude"
        out: list[Artifact] = []
        for a in ctx.agents.values():
            out.append(agent_file(f"{base}/agents", a, [
                ("name", a["name"]), ("description", a["description"]), ("tools", _joined(claude_tools(a, ctx))),
                ("model", claude_model(ctx.model_for(a)) or "inherit")]))
        out += pipeline_skill_files(ctx, f"{base}/skills")  # the same files as .agents/skills
        for s in ctx.steps:
            # user-invoked only: the model reaches steps through pipeline_run, so the commands stay out of the
            # skill listing that every request carries (and its character budget)
            fm = frontmatter([("description", s["description"]), ("argument-hint", s.get("argument_hint")),
                              ("disable-model-invocation", True)])
            out.append(File(f"{base}/commands/{SERVER}/{s['name']}.md", fm + "\n"
                            + step_prompt(s, "$ARGUMENTS", ctx.everything), "command"))
        out.append(Block(self.instructions_file(ctx), instructions_body()))
        cmd = ctx.server_command
        entry: dict[str, Any] = {"type": "stdio", "command": cmd[0], "args": cmd[1:]}
        if ctx.env:
            entry["env"] = ctx.env
        if ctx.scope == "user":  # ~/.claude.json, or $CLAUDE_CONFIG_DIR/.claude.json when that is set
            cfg = ".claude.json" if base == ".claude" else f"{base}/.claude.json"
            out.append(Keys(cfg, "json", [Key(("mcpServers", SERVER), entry)], "mcp"))
        else:
            out.append(Keys(".mcp.json", "json", [Key(("mcpServers", SERVER), entry)], "mcp"))
        return out

    def instructions_file(self, ctx: RenderContext) -> str:
        if ctx.scope == "user":
            return f"{ctx.user_dir('claude')}/CLAUDE.md"
        if not (ctx.base / "CLAUDE.md").exists() and (ctx.base / "AGENTS.md").exists():
            return "AGENTS.md"
        return "CLAUDE.md"

    def legacy(self, base: Path, scope: str) -> list[dict[str, str]]:
        out = []
        if (base / ".claude" / "commands" / "cadence.md").exists():
            out.append({"path": ".claude/commands/cadence.md", "message": "a flat legacy command; cadence uses "
                        ".claude/commands/cadence/<step>.md"})
        return out
