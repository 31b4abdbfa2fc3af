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
    doc["sandbox_mode"] = "read-only" if perms.get("edit") == "deny" else "workspace-write"
    body = agent["body"].rstrip("\n") + "\n"
    doc["developer_instructions"] = tomlkit.string(body, multiline=True)
    return tomlkit.dumps(doc)


class Codex(Renderer):
    name = "codex"
    binary = "codex"
    title = "Codex CLI"
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
