"""Codex CLI: `.codex/agents/<name>.toml`, `.agents/skills` (packs + a cadence-pipeline skill standing in
for commands: Codex removed custom prompts), AGENTS.md, `.codex/config.toml` → `[mcp_servers.cadence]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cadence.clients.base import SERVER, Artifact, Block, File, Key, Keys, RenderContext, Renderer, instructions_body
from cadence.clients.skills import pipeline_skill_files


def codex_model(model: str | None) -> str | None:
    if not model:
        return None
    if "/" in model:
        provider, m = model.split("/", 1)
        return m if provider == "openai" else None
    return None if model in ("sonnet", "opus", "haiku", "inherit") or model.startswith(("claude", "gemini")) else model


def agent_toml(agent: dict[str, Any], model: str | None) -> str:
    import tomlkit
    doc = tomlkit.document()
    doc["name"] = agent["name"]
    doc["description"] = agent["description"]
    if model:
        doc["model"] = model
    perms = agent.get("permissions") or {}
    read_only = perms.get("edit") == "deny"
    doc["sandbox_mode"] = "read-only" if read_only else "workspace-write"
    body = agent["body"].rstrip("\n") + "\n"
    if read_only:
        body = read_only_rules(agent) + "\n" + body
    doc["developer_instructions"] = tomlkit.string(body, multiline=True)
    return tomlkit.dumps(doc)


def read_only_rules(agent: dict[str, Any]) -> str:
    """What a read-only role may do, said to the model. Codex ignores `sandbox_mode` in agent files and
    does not narrow a role's MCP tools (upstream openai/codex#45482, #40130), so the instructions are the
    only restriction it honours; `cadence doctor` says so."""
    bash = (agent.get("permissions") or {}).get("bash")
    allowed = [p for p, v in bash.items() if v == "allow"] if isinstance(bash, dict) else []
    lines = ["## Read-only role", "",
             "You never change the repository other than through the cadence tools named below: no file is",
             "created, edited, moved or deleted, nothing is committed, pushed, stashed or checked out, and no",
             "branch or worktree is created or switched. Report what needs changing instead of changing it.", ""]
    if allowed:
        lines += ["Shell commands you may run (`*` stands for any arguments; never add a flag that writes, such",
                  "as `fix`, `--fix`, `--autofix`, `-u` or `--write`, and run nothing else):",
                  ", ".join(f"`{p}`" for p in allowed) + ".", ""]
    lines.append("cadence MCP tools you may call: " + (", ".join(f"`{m}`" for m in agent.get("mcp") or []) or "none")
                 + ".")
    return "\n".join(lines) + "\n"


class Codex(Renderer):
    name = "codex"
    binary = "codex"
    title = "Codex CLI"
    read_only_note = ("Codex does not enforce read-only agents: it ignores sandbox_mode in agent files and does "
                      "not narrow a role's MCP tools (openai/codex#45482, #40130); their instructions say read-only")
    project_note = "Codex reads .codex/config.toml (the MCP server) only once you trust this project."

    def render(self, ctx: RenderContext) -> list[Artifact]:
        out: list[Artifact] = []
        home = ctx.user_dir("codex") if ctx.scope == "user" else ".codex"
        for a in ctx.agents.values():
            out.append(File(f"{home}/agents/{a['name']}.toml", agent_toml(a, codex_model(ctx.model_for(a))), "agent"))
        out += pipeline_skill_files(ctx, ".agents/skills")
        out.append(Block(f"{home}/AGENTS.md" if ctx.scope == "user" else "AGENTS.md", instructions_body()))
        cmd = ctx.server_command
        entry: dict[str, Any] = {"command": cmd[0], "args": cmd[1:]}
        if ctx.env:
            entry["env"] = ctx.env
        from cadence.mcp.tools import TEXT_PAYLOAD, TEXT_TOKEN_BUDGET
        entry["tools"] = {t: {"output_token_limit": TEXT_TOKEN_BUDGET} for t in TEXT_PAYLOAD}
        out.append(Keys(f"{home}/config.toml", "toml", [Key(("mcp_servers", SERVER), entry)], "mcp"))
        return out

    def legacy(self, base: Path, scope: str) -> list[dict[str, str]]:
        out = []
        from cadence.clients.base import user_dir
        d = base / (user_dir("codex", base) if scope == "user" else ".codex") / "prompts"
        if d.is_dir() and any(d.glob("*.md")):
            out.append({"path": ".codex/prompts", "message": "custom prompts were removed in codex-cli 0.117; "
                        "cadence renders skills in .agents/skills instead (delete the old prompts)"})
        return out
