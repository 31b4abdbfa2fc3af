"""`cadence mcp`: a stdio MCP server on the official Python SDK (`mcp` 2.x, low-level `Server`).

Why the low-level server and not `MCPServer` (ex-FastMCP): the tool schemas are written by
hand (`tools.py`) to keep `tools/list` small — generated pydantic schemas carry titles and
`anyOf` nulls for every optional parameter — and errors must carry cadence's own
code / message / hint. The SDK still does the protocol: version negotiation, JSON-RPC,
capabilities, stdio transport.

Behaviour:
* the project root is `--root`, else the working directory the client started us in
  (walked up like the CLI); a tool called outside a project answers with an error and the
  server keeps running;
* mutating tools run one at a time in a worker thread (the event loop keeps answering pings);
  the functions they call take the same project lock as the CLI. Read-only tools run at once in
  their own worker thread, never queued behind a mutating call that waits for the lock;
* results: `structuredContent` is the command's whole JSON data, payload included (Claude Code
  and Codex hand the model only that); the text content is the same JSON, except for the tools
  in `TEXT_PAYLOAD`, whose text is their payload itself — the prompt, the plan, the knowledge
  entry (OpenCode and Gemini CLI hand the model the text). docs/clients.md has the rule;
* errors: `isError: true` with `{"error": {"code", "message", "hint"}}`, as the CLI's JSON;
* nothing but protocol messages on stdout; logs go to stderr.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from cadence.errors import USAGE, CadenceError
from cadence.mcp.tools import LEAN, TEXT_PAYLOAD, TIERS, TOOLS, Tool, resolve_gateway, tools_for, validate

log = logging.getLogger("cadence.mcp")
MAX_TEXT_OUT = 400_000
INSTRUCTIONS = ("Pipeline: pipeline_next, pipeline_run, pipeline_complete. Changes: plan_save, repl_init, "
                "repl_verify, repl_report, change_scope, quality_gate_summary, task_finalize.")


class CadenceServer:
    def __init__(self, tier: str = "standard", root: str | None = None) -> None:
        if tier not in (*TIERS, LEAN):
            raise CadenceError("USAGE", f"--tools {tier!r} is not one of {', '.join((*TIERS, LEAN))}", "", USAGE)
        self.tier = tier
        self.root_arg = root
        self.tools: dict[str, Tool] = {t.name: t for t in tools_for(tier)}
        self._lock = anyio.Lock()
        from cadence import __version__
        # The lean tier (what installs register) serves tools only: resources make Claude Code add three
        # resource tools to every request, and the steps are already the client's own commands.
        extras: dict[str, Any] = {} if tier == LEAN else dict(
            on_list_resources=self._list_resources, on_list_resource_templates=self._list_templates,
            on_read_resource=self._read_resource, on_list_prompts=self._list_prompts, on_get_prompt=self._get_prompt)
        self.server: Server[Any] = Server(  # lean: the instructions file's managed block says the same
            "cadence", version=__version__, instructions=None if tier == LEAN else INSTRUCTIONS,
            on_list_tools=self._list_tools, on_call_tool=self._call_tool, get_tool_input_schema=self._schema,
            **extras)

    # ------------------------------------------------------------ root

    def root(self) -> Path:
        from cadence.project.paths import find_root
        return find_root(self.root_arg)

    def _schema(self, name: str) -> dict[str, Any] | None:
        t = self.tools.get(name)
        return None if t is None else t.schema()

    # ------------------------------------------------------------ tools

    def tool_list(self) -> list[types.Tool]:
        out = []
        for t in self.tools.values():
            ann = types.ToolAnnotations(read_only_hint=True) if t.read_only else None
            out.append(types.Tool(name=t.name, description=t.description, input_schema=t.schema(), annotations=ann))
        return out

    async def _list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=self.tool_list())

    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        t = self.tools.get(params.name)
        if t is not None and t.read_only:  # reads never queue behind a mutating call waiting for the lock
            return await anyio.to_thread.run_sync(self.call, params.name, params.arguments)
        async with self._lock:
            return await anyio.to_thread.run_sync(self.call, params.name, params.arguments)

    def call(self, name: str, arguments: Any) -> types.CallToolResult:
        t = self.tools.get(name)
        try:
            if t is None:
                from cadence.errors import did_you_mean
                hint = did_you_mean(str(name), list(self.tools))
                if name in TOOLS:
                    hint = f"{name} is in a larger tier: start the server with --tools {TOOLS[name].tier} or all."
                raise CadenceError("UNKNOWN_TOOL", f"unknown tool {str(name)[:80]!r}", hint, USAGE)
            args = validate(t, arguments)
            if t.tier == LEAN:  # read / plan / write: the named tool, checked against its own schema
                t, args = resolve_gateway(t, args)
                name = t.name
            data = t.handler(self.root(), args)
        except CadenceError as err:
            log.info("tool %s failed: %s", name, err.code)
            return _error(err.to_dict(), err.data)
        except Exception as exc:  # noqa: BLE001 - the server must survive anything a tool raises
            log.exception("tool %s crashed", name)
            return _error({"code": "INTERNAL_ERROR", "message": f"{type(exc).__name__}: {exc}",
                           "hint": "This is a bug in cadence; the server keeps running. Please report it."}, None)
        return _result(name, data)

    # ------------------------------------------------------------ resources

    async def _list_resources(self, ctx: Any, params: Any) -> types.ListResourcesResult:
        out = [types.Resource(name="state", uri="cadence://state", mime_type="application/json",
                              description="pipeline state (.cadence/state.json)"),
               types.Resource(name="gate", uri="cadence://gate", mime_type="application/json",
                              description="last quality gate (.cadence/gate.json)")]
        try:
            from cadence.workflow.plans import list_plans
            for p in list_plans(self.root())[:200]:
                out.append(types.Resource(name=f"plan {p['file']}", uri=f"cadence://plan/{p['file']}",
                                          mime_type="text/markdown", description=str(p.get("title", ""))[:200]))
        except CadenceError:
            pass
        return types.ListResourcesResult(resources=out)

    async def _list_templates(self, ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[
            types.ResourceTemplate(name="plan", uri_template="cadence://plan/{file}", mime_type="text/markdown",
                                   description="a saved plan")])

    async def _read_resource(self, ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        text, mime = self.read(uri)
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)])

    def read(self, uri: str) -> tuple[str, str]:
        from mcp.shared.exceptions import MCPError

        from cadence.project import paths
        root = self.root()
        try:
            if uri == "cadence://state":
                return _read_text(root, paths.STATE, "{}"), "application/json"
            if uri == "cadence://gate":
                return _read_text(root, paths.GATE, "null"), "application/json"
            if uri.startswith("cadence://plan/"):
                from cadence.project.planfiles import existing_plan
                path = existing_plan(root, uri[len("cadence://plan/"):])
                return _read_text(root, path.relative_to(root.resolve()).as_posix(), ""), "text/markdown"
        except CadenceError as err:
            raise MCPError(-32602, f"{err.code}: {err.message} {err.hint}".strip(),
                           {"code": err.code, "message": err.message, "hint": err.hint}) from None
        raise MCPError(-32602, f"unknown resource {uri[:100]!r}")

    # ------------------------------------------------------------ prompts

    def _steps(self) -> dict[str, dict[str, Any]]:
        from cadence.content.loader import pipeline_index
        idx = pipeline_index()
        return {**idx["steps"], **idx["tools"]}

    async def _list_prompts(self, ctx: Any, params: Any) -> types.ListPromptsResult:
        prompts = []
        for name, s in self._steps().items():
            args = [types.PromptArgument(name="arguments", description=s.get("argument_hint") or "extra instructions",
                                         required=False)]
            prompts.append(types.Prompt(name=f"pipeline-{name}", description=s["description"], arguments=args))
        return types.ListPromptsResult(prompts=prompts)

    async def _get_prompt(self, ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        async with self._lock:
            return await anyio.to_thread.run_sync(self.prompt, params.name, params.arguments or {})

    def prompt(self, name: str, arguments: dict[str, Any]) -> types.GetPromptResult:
        from mcp.shared.exceptions import MCPError

        from cadence.pipeline.project import open_project
        from cadence.pipeline.steps import run
        step = name[len("pipeline-"):] if name.startswith("pipeline-") else None
        if not step or step not in self._steps():
            raise MCPError(-32602, f"unknown prompt {name[:100]!r}")
        raw = arguments.get("arguments")
        if raw is not None and (not isinstance(raw, str) or len(raw) > 10_000):
            raise MCPError(-32602, "arguments: a string of at most 10000 characters")
        try:
            data = run(open_project(self.root()), step, arguments=raw or None, preview=True, source="mcp")
        except CadenceError as err:
            raise MCPError(-32602, f"{err.code}: {err.message} {err.hint}".strip()) from None
        return types.GetPromptResult(description=f"cadence {step}", messages=[
            types.PromptMessage(role="user", content=types.TextContent(type="text", text=data["prompt"]))])

    # ------------------------------------------------------------ run

    async def run_stdio(self) -> None:
        async with stdio_server() as (read, write):
            await self.server.run(read, write, self.server.create_initialization_options())


def _read_text(root: Path, rel: str, default: str) -> str:
    """A project file for a resource: confined to the repository; unreadable is a cadence error, never a crash."""
    from cadence.errors import CONFLICT
    from cadence.project import fsio
    try:
        return fsio.read_text(root, root / rel)
    except FileNotFoundError:
        return default
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CadenceError("RESOURCE_UNREADABLE", f"cannot read {rel}: {why}",
                           "Run 'cadence doctor' to check the project files.", CONFLICT) from None


def _result(name: str, data: Any) -> types.CallToolResult:
    """Both forms carry the whole payload: Claude Code and Codex hand the model `structuredContent` when it is
    there, OpenCode and Gemini CLI hand it the text. For a tool whose payload is one long text, the text block is
    that text itself (readable markdown, no JSON escaping); for every other tool it is the JSON of the result."""
    structured = json.loads(json.dumps(data if isinstance(data, dict) else {"result": data}, default=str))
    payload = structured.get(TEXT_PAYLOAD.get(name, ""))
    if isinstance(payload, str):
        text = payload
    else:
        text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_TEXT_OUT:
        text = text[:MAX_TEXT_OUT] + "\n…[truncated]"
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                structured_content=structured, is_error=False)


def _error(err: dict[str, str], data: Any) -> types.CallToolResult:
    payload: dict[str, Any] = {"error": err}
    if data is not None:
        payload["data"] = json.loads(json.dumps(data, default=str))
    return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(payload, ensure_ascii=False))],
                                structured_content=payload, is_error=True)


def serve(tier: str = "standard", root: str | None = None, debug: bool = False) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if debug else logging.WARNING,
                        format="cadence-mcp %(levelname)s %(message)s")
    os.environ.setdefault("NO_COLOR", "1")
    server = CadenceServer(tier, root)
    try:
        anyio.run(server.run_stdio)
    except KeyboardInterrupt:
        pass
