"""The renderer interface: what a client supports, where its files go, how each kind renders.

A renderer is pure: from a `RenderContext` (the content library, the project's config and
the install scope) it returns a list of artifacts. The install engine (`planning.py` renders every client,
`install.py` writes, `manifest.py` records, `uninstall.py` undoes) does the rest. Adding a client is adding
one module with one `Renderer` subclass and listing it in `clients/__init__.py`.

Three artifact types cover every client:
* `File`   — a whole file cadence owns (agents, skills, commands);
* `Block`  — a managed block inside a shared text file (CLAUDE.md, AGENTS.md, GEMINI.md);
* `Keys`   — keys cadence owns inside a shared JSON / JSONC / TOML file (MCP registration,
  OpenCode's agent switch); `default` keys are set only when the user has not set them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER = "cadence"
INSTRUCTIONS_BODY_TITLE = "## cadence"


@dataclass
class File:
    path: str          # relative to the scope's base directory, POSIX
    content: str
    kind: str          # agent | skill | reference | command | ...


@dataclass
class Block:
    path: str
    body: str
    kind: str = "instructions"
    comment: str = "<!--"


@dataclass
class Key:
    path: tuple[str, ...]
    value: Any
    default: bool = False  # set only if the user has not set it


@dataclass
class Keys:
    path: str
    fmt: str           # json | toml
    keys: list[Key]
    kind: str = "config"


Artifact = File | Block | Keys


@dataclass
class RenderContext:
    """Everything a renderer needs, already loaded."""

    scope: str                          # project | user
    base: Path                          # project root, or the user's home
    root: Path | None                   # the project (None for a user-scope install outside one)
    agents: dict[str, dict[str, Any]]
    skills: dict[str, dict[str, Any]]   # pack name -> {name, description, entries}
    knowledge: dict[str, dict[str, str]]  # entry name -> {description, summary, deep}
    steps: list[dict[str, Any]]         # pipeline steps then tools: name, description, argument_hint, phase
    models: dict[str, Any] = field(default_factory=dict)
    server_command: list[str] = field(default_factory=lambda: ["cadence", "mcp"])
    env: dict[str, str] = field(default_factory=dict)
    everything: bool = False            # install --all: every step and pack, every MCP tool by name
    clients: tuple[str, ...] = ()       # every client the project has (this install's and earlier ones)

    def user_dir(self, client: str) -> str:
        """A client's config dir relative to the home directory (user scope), honouring
        XDG_CONFIG_HOME (OpenCode), CODEX_HOME (Codex) and CLAUDE_CONFIG_DIR (Claude Code) when they
        point inside the home."""
        return user_dir(client, self.base)

    def model_for(self, agent: dict[str, Any]) -> str | None:
        """The configured model for an agent: per-agent, else its tier (primary / subagent)."""
        per = (self.models.get("agents") or {}).get(agent["name"])
        if per:
            return str(per)
        tier = self.models.get(agent.get("model") or "subagent")
        return str(tier) if tier else None


def mcp_tools(agent: dict[str, Any], ctx: RenderContext) -> list[str]:
    """The cadence MCP tools an agent may call, as the registered server names them: each tool by name when
    every tool is served (install --all), else the lean tier's entry points that serve the agent's tools
    (`read` for read-only ones, `plan` for plan writes, `write` for the rest)."""
    names = list(agent.get("mcp") or [])
    if ctx.everything or not names:
        return names
    from cadence.mcp.tools import GATEWAYS, TOOLS, gateway_of
    wanted = {gateway_of(TOOLS[n]) for n in names if n in TOOLS}
    return [g for g in GATEWAYS if g in wanted]


def user_dir(client: str, home: Path) -> str:
    import os
    env, default = {"opencode": ("XDG_CONFIG_HOME", ".config/opencode"), "codex": ("CODEX_HOME", ".codex"),
                    "claude": ("CLAUDE_CONFIG_DIR", ".claude"), "gemini": ("", ".gemini")}[client]
    raw = os.environ.get(env) if env else None
    if not raw:
        return default
    target = Path(raw).expanduser() / ("opencode" if client == "opencode" else "")
    try:
        return target.resolve().relative_to(home.resolve()).as_posix().rstrip("/")
    except ValueError:
        from cadence.errors import USAGE, CadenceError
        raise CadenceError("USER_DIR_OUTSIDE_HOME", f"{env}={raw} is outside the home directory {home}",
                           f"cadence's user-scope install works under the home directory; unset {env} for this "
                           "command or install per project.", USAGE) from None


class Renderer:
    """One AI client. Subclasses set the class attributes and implement `render`."""

    name = ""
    binary = ""
    title = ""
    version_args: tuple[str, ...] = ("--version",)
    project_note = ""  # what the user must do once for the client to use the project's files
    read_only_note = ""  # set when the client does not enforce read-only agents (doctor warns)

    def render(self, ctx: RenderContext) -> list[Artifact]:
        raise NotImplementedError

    def legacy(self, base: Path, scope: str) -> list[dict[str, str]]:
        """Client-format drift: files or keys in a format the client no longer reads."""
        return []

    def config_dirs(self, home: Path) -> dict[str, Path]:
        """The user-scope directories (for `--scope user`)."""
        return {}


# ---------------------------------------------------------------- shared text helpers

def yaml_scalar(value: Any) -> str:
    """A YAML scalar that every YAML parser reads back as the same string / number / bool."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    s = str(value)
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_ ./()+-]*", s) and s.lower() not in (
            "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~") and not s.endswith(" "):
        return s
    return json.dumps(s, ensure_ascii=False)


def agent_file(directory: str, agent: dict[str, Any], fields: list[tuple[str, Any]]) -> File:
    """`<directory>/<name>.md`: the client's frontmatter fields, then the agent's canonical body."""
    return File(f"{directory}/{agent['name']}.md", frontmatter(fields) + "\n" + agent["body"].rstrip("\n") + "\n",
                "agent")


def frontmatter(fields: list[tuple[str, Any]]) -> str:
    """YAML frontmatter from ordered (key, value) pairs; lists and one-level maps supported."""
    out = ["---"]
    for key, value in fields:
        if value is None:
            continue
        if isinstance(value, dict):
            out.append(f"{key}:")
            for k, v in value.items():
                if isinstance(v, dict):
                    out.append(f"  {yaml_scalar(k)}:")
                    out += [f"    {json.dumps(str(kk))}: {yaml_scalar(vv)}" for kk, vv in v.items()]
                else:
                    out.append(f"  {yaml_scalar(k)}: {yaml_scalar(v)}")
        elif isinstance(value, list):
            out.append(f"{key}: [" + ", ".join(yaml_scalar(v) for v in value) + "]")
        else:
            out.append(f"{key}: {yaml_scalar(value)}")
    out.append("---")
    return "\n".join(out) + "\n"


def instructions_body() -> str:
    """The managed block every client's instruction file gets (client-neutral, so a shared
    AGENTS.md holds one identical block whichever clients put it there)."""
    return "\n".join([
        "## cadence",
        "",
        "Steps: `cadence next`, `cadence run <step>`, `cadence complete <step>`. A task passes only on",
        "`repl_verify` evidence. Never edit `.cadence/*.json` by hand.",
    ])


def step_prompt(step: dict[str, Any], args_placeholder: str | None, everything: bool = True) -> str:
    """The thin body of a pipeline command: it asks for the current prompt, never embeds one. With the lean
    tier (`everything` false) the MCP call goes through the `write` entry point."""
    name = step["name"]
    arg = f" {args_placeholder}" if args_placeholder and step.get("argument_hint") else ""
    args = (f', "arguments": "{args_placeholder}"' if arg else "")
    mcp = (f"call the `pipeline_run` MCP tool with step `{name}`"
           + (f" and arguments `{args_placeholder}`" if arg else "")) if everything else \
        f'call cadence\'s MCP tool `write` with `{{"tool": "pipeline_run", "args": {{"step": "{name}"{args}}}}}`'
    lines = [f"Run the cadence {'tool' if step.get('category') == 'tool' else 'pipeline step'} `{name}`.", "",
             f"Get its prompt, assembled from the project's current state: {mcp}, or run `cadence run {name}{arg}` "
             "in the shell. Then follow that prompt exactly."]
    if step.get("category") != "tool" and not step.get("stateless"):
        complete = f"`cadence complete {name}`" + ("" if everything else f' (or `write` with `{{"tool": '
                                                   f'"pipeline_complete", "args": {{"step": "{name}"}}}}`)')
        lines += ["", f"When its outputs exist, record it with {complete}."]
    if args_placeholder and not arg:
        lines += ["", f"Extra instructions from the user: {args_placeholder}"]
    return "\n".join(lines) + "\n"


CLAUDE_TOOLS = {"read": ["Read"], "write": ["Write"], "edit": ["Edit"], "bash": ["Bash"], "grep": ["Grep"],
                "glob": ["Glob"], "web": ["WebFetch", "WebSearch"], "task": ["Task"], "skill": ["Skill"]}


def bash_prefix(pattern: str) -> str:
    """`git diff*` → `git diff` (the command prefix a glob allows)."""
    return pattern.rstrip("*").rstrip()
