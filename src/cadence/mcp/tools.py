"""The MCP tools: names, tiers, compact schemas and handlers that call the CLI's own functions.

No MCP SDK import here: this table is plain data plus functions, so benchmarks and tests can
read it, and the server module (`server.py`) wires it to the SDK. Every handler delegates to
the same `cadence.project.*` function as the matching CLI command (which takes the project
lock itself when it mutates), and returns that function's JSON-ready data.

Schemas are written by hand rather than generated: every byte of `tools/list` is paid by
every session, so each tool says exactly when to call it in one or two sentences, and each
parameter carries only the bounds and enums that make bad input fail early.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cadence.errors import USAGE, CadenceError

TIERS = ("core", "standard", "all")
LEAN = "lean"  # three entry points to every tool: what the rendered client registrations use (docs/clients.md)
GATEWAYS = ("read", "plan", "write")
MAX_CONTENT = 200_000   # plans, docs, reports
MAX_TEXT = 10_000       # summaries, messages, details
MAX_NAME = 128
# Tools whose useful payload is one long text, and the key of their result that holds it (see server.py).
TEXT_PAYLOAD = {"pipeline_run": "prompt", "knowledge_get": "content", "plan_load": "content",
                "repl_summary": "markdown", "session_load": "content"}
# Codex cuts a tool's output to about 10 KB before the model sees it; these tools get a larger budget.
TEXT_TOKEN_BUDGET = 25_000


def _s(n: int = MAX_NAME, desc: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"type": "string", "maxLength": n}
    if desc:
        d["description"] = desc
    return d


def _e(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _i(lo: int, hi: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": lo, "maximum": hi}


def _list(item: dict[str, Any], n: int = 100) -> dict[str, Any]:
    return {"type": "array", "items": item, "maxItems": n}


B = {"type": "boolean"}
ISSUES = _list(_i(1, 10**9), 20)
BRANCH_TYPES = ("feature", "bugfix", "hotfix", "refactor", "docs", "test", "chore", "spike")


class Tool:
    __slots__ = ("name", "tier", "description", "props", "required", "handler", "read_only")

    def __init__(self, name: str, tier: str, description: str, props: dict[str, Any], required: tuple[str, ...],
                 handler: Callable[[Path, dict[str, Any]], Any], read_only: bool) -> None:
        self.name, self.tier, self.description = name, tier, description
        self.props, self.required, self.handler, self.read_only = props, required, handler, read_only

    def schema(self) -> dict[str, Any]:
        """The advertised schema: string-length and item-count bounds are enforced but not advertised
        (they cost bytes in every session and a model never comes near them)."""
        out: dict[str, Any] = {"type": "object", "properties": {k: _public(v) for k, v in self.props.items()}}
        if self.required:
            out["required"] = list(self.required)
        return out


def _public(s: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in s.items() if k not in ("maxLength", "maxItems")}
    if "items" in out:
        out["items"] = _public(out["items"])
    if "properties" in out:
        out["properties"] = {k: _public(v) for k, v in out["properties"].items()}
    return out


TOOLS: dict[str, Tool] = {}


def tool(name: str, tier: str, description: str, props: dict[str, Any] | None = None,
         required: tuple[str, ...] = (), read_only: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        TOOLS[name] = Tool(name, tier, description, props or {}, required, fn, read_only)
        return fn
    return deco


def tools_for(tier: str) -> list[Tool]:
    if tier == LEAN:
        return [TOOLS[g] for g in GATEWAYS]
    allowed = TIERS[:TIERS.index(tier) + 1]
    return [t for t in TOOLS.values() if t.tier in allowed]


# ---------------------------------------------------------------- validation

def validate(t: Tool, args: Any) -> dict[str, Any]:
    """Check arguments against the tool's schema: types, enums, bounds, unknown and missing keys."""
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise CadenceError("INVALID_ARGUMENTS", "arguments must be an object", "", USAGE)
    for k in args:
        if k not in t.props:
            raise CadenceError("INVALID_ARGUMENTS", f"unknown argument {str(k)[:60]!r} for {t.name}",
                               "Known: " + (", ".join(t.props) or "none"), USAGE)
    for k in t.required:
        if args.get(k) is None:
            raise CadenceError("INVALID_ARGUMENTS", f"{t.name} needs {k!r}", "", USAGE)
    out = {}
    for k, v in args.items():
        if v is None:
            continue
        _check(v, t.props[k], k)
        out[k] = v
    return out


def _check(v: Any, s: dict[str, Any], where: str) -> None:
    typ = s.get("type")
    bad = CadenceError("INVALID_ARGUMENTS", f"{where}: expected {typ}", "", USAGE)
    if typ == "string":
        if not isinstance(v, str):
            raise bad
        if len(v) > s.get("maxLength", MAX_TEXT):
            raise CadenceError("INVALID_ARGUMENTS", f"{where}: longer than {s.get('maxLength', MAX_TEXT)} characters",
                               "Send less, or use the CLI with a file.", USAGE)
        if "\x00" in v:
            raise CadenceError("INVALID_ARGUMENTS", f"{where}: contains a NUL character", "", USAGE)
        if "enum" in s and v not in s["enum"]:
            raise CadenceError("INVALID_ARGUMENTS", f"{where}: {v[:40]!r} is not one of {', '.join(s['enum'])}", "",
                               USAGE)
    elif typ == "integer":
        if not isinstance(v, int) or isinstance(v, bool):
            raise bad
        if v < s.get("minimum", -(2**63)) or v > s.get("maximum", 2**63):
            raise CadenceError("INVALID_ARGUMENTS", f"{where}: must be between {s.get('minimum')} and "
                               f"{s.get('maximum')}", "", USAGE)
    elif typ == "boolean":
        if not isinstance(v, bool):
            raise bad
    elif typ == "array":
        if not isinstance(v, list):
            raise bad
        if len(v) > s.get("maxItems", 100):
            raise CadenceError("INVALID_ARGUMENTS", f"{where}: more than {s.get('maxItems', 100)} items", "", USAGE)
        for i, item in enumerate(v):
            _check(item, s["items"], f"{where}[{i}]")
    elif typ == "object":
        if not isinstance(v, dict):
            raise bad
        if "properties" not in s:  # free-form (a gateway's args): the named tool's own schema checks them
            return
        for k in s.get("required", []):
            if k not in v:
                raise CadenceError("INVALID_ARGUMENTS", f"{where}: needs {k!r}", "", USAGE)
        for k, item in v.items():
            if k not in s["properties"]:
                raise CadenceError("INVALID_ARGUMENTS", f"{where}: unknown key {str(k)[:40]!r}", "", USAGE)
            _check(item, s["properties"][k], f"{where}.{k}")


# ---------------------------------------------------------------- helpers

def _proj(root: Path) -> Any:
    from cadence.pipeline.project import open_project
    return open_project(root)


def _require(root: Path) -> Path:
    from cadence.workflow.common import workflow_root
    return workflow_root(root)


# ---------------------------------------------------------------- core tier

@tool("plan_load", "core", "Read a saved plan (frontmatter, content, tasks). Call before implementing or reviewing it.",
      {"name": _s(desc="plan file in .cadence/plans")}, ("name",), read_only=True)
def plan_load(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.plans import show_plan
    return show_plan(_require(root), a["name"])


@tool("plan_save", "core", "Save a new plan (markdown; its frontmatter is kept). Call once the user approved it.",
      {"content": _s(MAX_CONTENT), "title": _s(200), "type": _e("feature", "bugfix", "refactor", "architecture",
                                                                  "spike", "docs"),
       "status": _e("draft", "approved", "in-progress", "done"), "issues": ISSUES}, ("content",))
def plan_save(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.plans import save_plan
    return save_plan(_require(root), a.get("title"), a.get("type"), a["content"], a.get("issues"), a.get("status"))


@tool("repl_status", "core", "The implementation loop: current task, progress, retries, last verify evidence.")
def repl_status(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.loop import status_loop
    return status_loop(_require(root))


@tool("repl_verify", "core", "Run the configured build/test/lint for the current task and record the evidence. "
      "Required before repl_report pass.")
def repl_verify(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.loop import verify_loop
    return verify_loop(_require(root))


@tool("repl_report", "core", "Record the current task's outcome and advance the loop (pass needs green verify).",
      {"result": _e("pass", "fail", "skip"), "detail": _s(MAX_TEXT)}, ("result",))
def repl_report(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.loop import report_loop
    return report_loop(_require(root), a["result"], a.get("detail", ""))


MAX_SCOPE_FILES = 100  # the clients cut a tool result at about 50 KB; the riskiest files are kept


@tool("change_scope", "core", "Classify changed files into a risk tier and the reviewers to launch. "
      "Default: the working tree's changes.", {"files": _list(_s(1024), 2000), "base": _s()}, read_only=True)
def change_scope(root: Path, a: dict[str, Any]) -> Any:
    from cadence.core.scope import compact
    from cadence.workflow.review import change_scope as scope
    return compact(scope(root, a.get("files") or None, a.get("base")), MAX_SCOPE_FILES)


@tool("quality_gate_summary", "core", "Aggregate reviewer reports into a GO / GO-WITH-WARNINGS / NO-GO verdict "
      "and save it. Required reviewers without a report count as missing.",
      {"reports": _list({"type": "object", "properties": {"agent": _s(64), "report": _s(MAX_CONTENT)},
                         "required": ["agent", "report"]}, 20),
       "scope": _e("trivial", "low", "standard", "high"),
       "allow_missing": _list(_s(64), 6), "reason": _s(4000, "the human's reason for allow_missing")}, ("reports",))
def quality_gate_summary(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.review import gate_summary
    return gate_summary(root, [(r["agent"].lstrip("@"), r["report"]) for r in a["reports"]], a.get("scope"),
                        a.get("allow_missing"), a.get("reason"), by="mcp")


@tool("task_finalize", "core", "Commit, push and open/update the PR from plan, loop evidence and gate. "
      "Refuses a NO-GO gate. Secret-looking files are left out unless listed in allow_secret.",
      {"message": _s(MAX_TEXT), "title": _s(300), "base": _s(), "plan": _s(), "issues": ISSUES, "draft": B,
       "push": B, "allow_secret": _list(_s(1024), 50)})
def task_finalize(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.finish import finish
    return finish(root, a.get("message"), a.get("title"), a.get("base"), a.get("plan"), a.get("issues") or [],
                  bool(a.get("draft")), a.get("push", True), False, a.get("allow_secret") or [], by="mcp")


@tool("pipeline_next", "core", "Pipeline steps that can run now, in order.", {"count": _i(1, 100)}, read_only=True)
def pipeline_next(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.steps import next_steps
    return next_steps(_proj(root), a.get("count"))


@tool("pipeline_run", "core", "Get a step's or tool's full prompt, assembled from current state; then follow it.",
      {"step": _s(80), "arguments": _s(MAX_TEXT), "depth": _i(1, 5), "instructions": _s(MAX_TEXT)}, ("step",))
def pipeline_run(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.steps import run
    return run(_proj(root), a["step"], depth=a.get("depth"), instructions=a.get("instructions"),
               arguments=a.get("arguments"), source="mcp")


# ---------------------------------------------------------------- standard tier

@tool("plan_list", "standard", "Saved plans, newest first.", read_only=True)
def plan_list(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.plans import list_plans
    return {"plans": list_plans(_require(root))}


@tool("plan_commit", "standard", "Commit only the plan file (creates a branch first when on a protected one).",
      {"name": _s()}, ("name",))
def plan_commit(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.plans import commit_plan
    return commit_plan(_require(root), a["name"])


@tool("repl_init", "standard", "Start the implementation loop over a plan's tasks (commands auto-detected).",
      {"plan": _s(), "build": _s(1000), "test": _s(1000), "lint": _s(1000), "max_retries": _i(0, 20), "force": B},
      ("plan",))
def repl_init(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.loop import start_loop
    return start_loop(_require(root), a["plan"], a.get("build"), a.get("test"), a.get("lint"), a.get("max_retries"),
                      bool(a.get("force")))


@tool("repl_resume", "standard", "Resume an interrupted loop at its current task.")
def repl_resume(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.loop import resume_loop
    return resume_loop(_require(root))


@tool("repl_summary", "standard", "Loop results per task with evidence, for the PR or a report.", read_only=True)
def repl_summary(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.loop import summary_loop
    return summary_loop(_require(root))


@tool("branch_status", "standard", "Current branch, protection, dirty files, ahead/behind.", read_only=True)
def branch_status(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.branches import branch_status as status
    return status(root)


@tool("branch_create", "standard", "Create and switch to <type>/<name>.",
      {"type": _e(*BRANCH_TYPES), "name": _s()}, ("type", "name"))
def branch_create(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.branches import create_branch
    return create_branch(root, a["type"], a["name"])


@tool("worktree_create", "standard", "Create .worktrees/<name> on a new branch for parallel work.",
      {"name": _s(), "type": _e(*BRANCH_TYPES), "from_ref": _s(200)}, ("name",))
def worktree_create(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.worktrees import create_worktree
    return create_worktree(root, a["name"], a.get("type", "feature"), a.get("from_ref"))


@tool("worktree_list", "standard", "Linked worktrees with branch and dirty state.", read_only=True)
def worktree_list(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.worktrees import list_worktrees
    return {"worktrees": list_worktrees(root)}


@tool("worktree_remove", "standard", "Remove a worktree (refuses dirty or unmerged unless force).",
      {"name": _s(), "delete_branch": B, "force": B}, ("name",))
def worktree_remove(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.worktrees import remove_worktree
    return remove_worktree(root, a["name"], bool(a.get("delete_branch")), bool(a.get("force")))


@tool("docs_save", "standard", "Save a decision, feature or flow document and refresh docs/INDEX.md.",
      {"type": _e("decision", "feature", "flow"), "content": _s(MAX_CONTENT), "title": _s(200),
       "tags": _list(_s(64), 20), "related": _list(_s(256), 20)}, ("type", "content"))
def docs_save(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.docs import save_doc
    return save_doc(root, a["type"], a.get("title"), a["content"], a.get("tags"), a.get("related"))


@tool("docs_index", "standard", "Rebuild docs/INDEX.md.")
def docs_index(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.docs import build_index, require_docs
    require_docs(root)
    return build_index(root)


@tool("session_save", "standard", "Save a session note: summary, decisions, files touched.",
      {"summary": _s(MAX_TEXT), "decisions": _list(_s(2000), 50), "files": _list(_s(1024), 500), "plan": _s()},
      ("summary",))
def session_save(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.sessions import save_session
    return save_session(_require(root), a["summary"], a.get("decisions"), a.get("files"), a.get("plan"))


@tool("pipeline_status", "standard", "Pipeline progress per phase and each step's status.",
      {"phase": _s(64), "compact": B}, read_only=True)
def pipeline_status(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.steps import status
    return status(_proj(root), a.get("phase"), bool(a.get("compact")))


@tool("pipeline_complete", "standard", "Mark a step completed; its outputs must exist.",
      {"step": _s(80), "force": B}, ("step",))
def pipeline_complete(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.steps import complete
    return complete(_proj(root), a["step"], bool(a.get("force")), source="mcp")


@tool("pipeline_skip", "standard", "Mark steps skipped, with the reason.",
      {"steps": _list(_s(80), 100), "reason": _s(2000), "force": B}, ("steps", "reason"))
def pipeline_skip(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.steps import skip
    if not a["steps"]:
        raise CadenceError("INVALID_ARGUMENTS", "steps: give at least one step", "", USAGE)
    return skip(_proj(root), a["steps"], a["reason"], bool(a.get("force")), source="mcp")


@tool("knowledge_get", "standard", "A knowledge entry's full text (project overrides win).", {"name": _s(80)},
      ("name",), read_only=True)
def knowledge_get(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.knowledge import show
    return show(root, a["name"])


@tool("trace", "standard", "Computed traceability and gaps; tests: per-test rows.", {"tests": B}, read_only=True)
def trace(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.trace import compute
    matrix = compute(root)
    if not a.get("tests"):
        matrix["tests"] = {"omitted": len(matrix["tests"])}
    return matrix


# ---------------------------------------------------------------- all tier

@tool("plan_delete", "all", "Delete a plan.", {"name": _s(), "force": B}, ("name",))
def plan_delete(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.plans import delete_plan
    return delete_plan(_require(root), a["name"], bool(a.get("force")))


@tool("plan_overlaps", "all", "Open plans that touch the same files.", read_only=True)
def plan_overlaps(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.plans import overlaps
    return overlaps(_require(root))


@tool("branch_switch", "all", "Switch branch (stash to carry local changes).", {"name": _s(), "stash": B}, ("name",))
def branch_switch(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.branches import switch_branch
    return switch_branch(root, a["name"], bool(a.get("stash")))


@tool("docs_init", "all", "Create docs/{decisions,features,flows} and docs/INDEX.md.")
def docs_init(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.docs import init_docs
    return init_docs(root)


@tool("docs_list", "all", "Documents, optionally of one type.", {"type": _e("decision", "feature", "flow")},
      read_only=True)
def docs_list(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.docs import list_docs
    return {"docs": list_docs(root, a.get("type"))}


@tool("session_list", "all", "Recent session notes.", {"limit": _i(1, 100)}, read_only=True)
def session_list(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.sessions import list_sessions
    return {"sessions": list_sessions(_require(root), a.get("limit", 10))}


@tool("session_load", "all", "One session note.", {"id": _s()}, ("id",), read_only=True)
def session_load(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.sessions import show_session
    return show_session(_require(root), a["id"])


@tool("github_status", "all", "gh availability, auth and repository.", read_only=True)
def github_status(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.github import github_status as status
    return status(root)


@tool("github_issues", "all", "List GitHub issues.", {"state": _e("open", "closed", "all"), "label": _list(_s(100), 10),
                                                      "assignee": _s(100), "milestone": _s(200), "limit": _i(1, 100)},
      read_only=True)
def github_issues(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.github import list_issues
    return list_issues(root, a.get("state", "open"), a.get("label"), a.get("assignee"), a.get("milestone"),
                       a.get("limit"))


@tool("github_projects", "all", "GitHub projects, or one project's items.",
      {"number": _i(1, 10**6), "status": _s(100), "limit": _i(1, 100)}, read_only=True)
def github_projects(root: Path, a: dict[str, Any]) -> Any:
    from cadence.workflow.github import list_projects
    return list_projects(root, a.get("number"), a.get("status"), a.get("limit"))


@tool("knowledge_search", "all", "Search the knowledge base by words.", {"query": _s(500), "limit": _i(1, 100)},
      ("query",), read_only=True)
def knowledge_search(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.knowledge import search
    return search(root, a["query"], a.get("limit", 20))


@tool("decision_log", "all", "Read the decision log, or append one decision when text is given.",
      {"text": _s(MAX_TEXT), "step": _s(80), "category": _s(64), "last": _i(1, 1000)})
def decision_log(root: Path, a: dict[str, Any]) -> Any:
    if a.get("text"):
        from cadence.pipeline.steps import add_decision
        return add_decision(_proj(root), a["text"], a.get("step"), a.get("category"), by="mcp")
    from cadence.project.decisions import read
    records = read(_require(root))
    if a.get("step"):
        records = [r for r in records if r.get("step") == a["step"]]
    return {"decisions": records[-a.get("last", 50):]}


@tool("cadence_status", "all", "One-call overview: project, pipeline progress, next steps, loop and gate.",
      read_only=True)
def cadence_status(root: Path, a: dict[str, Any]) -> Any:
    from cadence.pipeline.steps import info, next_steps
    proj = _proj(root)
    out: dict[str, Any] = {"project": info(proj, None), "next": next_steps(proj, 5)["eligible"]}
    try:
        from cadence.project.loopfile import load_loop
        loop = load_loop(root)
        out["loop"] = None if loop is None else {k: loop.get(k) for k in ("plan", "status", "current") if k in loop}
    except CadenceError as err:
        out["loop"] = {"error": err.message}
    try:
        from cadence.workflow.review import load_gate
        gate = load_gate(root)
        out["gate"] = None if gate is None else {k: gate.get(k) for k in ("recommendation", "scope", "timestamp")}
    except CadenceError as err:
        out["gate"] = {"error": err.message}
    return out


# ---------------------------------------------------------------- the lean tier: three entry points

PLAN_TOOLS = ("plan_save", "plan_commit")


def gateway_of(t: Tool) -> str:
    """Which entry point serves a tool: read-only tools, plan writes (all the architect may change), the rest."""
    return "read" if t.read_only else "plan" if t.name in PLAN_TOOLS else "write"


def signature(t: Tool) -> str:
    """`plan_load(name)`, `repl_report(result:pass|fail|skip, detail?)`: what a gateway's catalogue shows."""
    def arg(k: str, spec: dict[str, Any]) -> str:
        name = k if k in t.required else f"{k}?"
        if "enum" in spec and len(spec["enum"]) <= 4:  # longer ones: the error names the values
            return f"{name}:{'|'.join(spec['enum'])}"
        item = spec.get("items") or {}
        if "properties" in item:
            return f"{name}:[{{{','.join(item['properties'])}}}]"
        return name
    return f"{t.name}(" + ",".join(arg(k, v) for k, v in t.props.items()) + ")"


def resolve_gateway(gateway: Tool, args: dict[str, Any]) -> tuple[Tool, dict[str, Any]]:
    """The tool a gateway call names, and its arguments checked against that tool's own schema."""
    name = args["tool"]
    t = TOOLS.get(name)
    if t is None or t.name in GATEWAYS:
        from cadence.errors import did_you_mean
        raise CadenceError("UNKNOWN_TOOL", f"unknown cadence tool {str(name)[:80]!r}",
                           did_you_mean(str(name), [n for n in TOOLS if n not in GATEWAYS]), USAGE)
    if gateway_of(t) != gateway.name:
        raise CadenceError("WRONG_ENTRY_POINT", f"{t.name} is not served by {gateway.name}",
                           f"Call it through {gateway_of(t)} (if this agent has it).", USAGE)
    return t, validate(t, args.get("args"))


def _dispatch_error(root: Path, a: dict[str, Any]) -> Any:  # the server resolves gateways before calling
    raise CadenceError("INTERNAL_ERROR", "a gateway was called without being resolved", "", USAGE)


def _gateways() -> None:
    what = {"read": "Read-only tools", "plan": "Save or commit a plan", "write": "Tools that change state"}
    members = [t for t in TOOLS.values() if t.name not in GATEWAYS]
    for name in GATEWAYS:
        catalogue = " ".join(signature(t) for t in members if gateway_of(t) == name)
        TOOLS[name] = Tool(name, LEAN, f"{what[name]} (tool=name, args={{…}}): {catalogue}",
                           {"tool": _s(64), "args": {"type": "object"}}, ("tool",), _dispatch_error,
                           name == "read")


_gateways()
