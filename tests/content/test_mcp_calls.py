"""Every MCP tool call shown to a model — in agents, skills, steps, tools, knowledge and the files each client
gets — is accepted by the server's own argument validation (`cadence.mcp.tools.validate`).

Forms the content uses: `tool()` / `tool(<file>)` / `tool(name, type="bugfix", files=[…], reports={…})` inside
backticks (possibly over several lines; positional arguments fill the parameters in schema order, a bare word
that is a parameter's name stands for that parameter, `<…>` and a capital like `N` are placeholders for a value
of the right type and `…` stands for "the rest"), and the rendered commands' "call the `tool` MCP tool with
step `x` and arguments `y`"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.errors import CadenceError
from cadence.mcp.tools import GATEWAYS, TOOLS, Tool, validate

CONTENT = Path(__file__).resolve().parents[2] / "src" / "cadence" / "content"
NAMES = "|".join(sorted(TOOLS, key=len, reverse=True))
CALL = re.compile(rf"(?<![\w.])({NAMES})\(")
PROSE = re.compile(rf"`({NAMES})` MCP tool with ((?:\w+ `[^`]*`(?:,? and |, )?)+)")
SAMPLE = {"string": "x", "integer": 1, "boolean": True}
ELLIPSIS = ("…", "...")


class Unparsed(ValueError):
    pass


def sample(schema: dict[str, Any]) -> Any:
    """A value the schema accepts: what a placeholder stands for."""
    if "enum" in schema:
        return schema["enum"][0]
    if schema["type"] == "array":
        return [sample(schema["items"])]
    if schema["type"] == "object":
        return {k: sample(v) for k, v in schema.get("properties", {}).items()}
    return SAMPLE[schema["type"]]


def split_args(text: str) -> list[str]:
    """Top-level comma-separated parts, honouring (), [], {}, <> and quotes."""
    parts, depth, quote, cur = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch == '"':
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if quote or depth:
        raise Unparsed(text)
    if cur.strip():
        parts.append(cur.strip())
    return parts


def literal(text: str, schema: dict[str, Any] | None) -> Any:
    """A shown value → a Python value of the type it shows; placeholders take the schema's type."""
    text = text.strip()
    if schema is None:
        return "x"  # an argument the tool does not have: validation rejects it by name
    if text.startswith("<") or text in ELLIPSIS or re.fullmatch(r"[A-Z][A-Z0-9_]*", text):
        return sample(schema)  # `<file>`, `…`, `N`: a value of the parameter's type
    if text.startswith('"'):
        return json.loads(text, strict=False)
    if text.startswith("["):
        item = schema.get("items") if schema and schema.get("type") == "array" else None
        return [literal(p, item) for p in split_args(text[1:-1]) if p not in ELLIPSIS]
    if text.startswith("{"):
        props = schema.get("properties", {}) if schema and schema.get("type") == "object" else {}
        out = {}
        for p in split_args(text[1:-1]):
            if p in ELLIPSIS:
                continue
            key, _, value = p.partition(":")
            out[json.loads(key.strip())] = literal(value, props.get(json.loads(key.strip())))
        return out
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise Unparsed(text)


def parse_call(tool: Tool, inner: str) -> tuple[dict[str, Any], bool]:
    """The arguments a shown call passes, and whether it says "and the rest" (…)."""
    args: dict[str, Any] = {}
    rest = False
    order = list(tool.props)
    for i, part in enumerate(split_args(inner)):
        if part in ELLIPSIS:
            rest = True
            continue
        m = re.fullmatch(r"(\w+)\s*=\s*(.+)", part, re.S)
        if m:
            name, value = m.group(1), m.group(2)
        elif part in tool.props:
            name, value = part, "<placeholder>"
        elif i < len(order):
            name, value = order[i], part
        else:
            raise Unparsed(f"{tool.name}: positional argument {part!r} beyond the schema")
        args[name] = literal(value, tool.props.get(name))
    return args, rest


def check(tool_name: str, args: dict[str, Any], rest: bool) -> None:
    """The server's own validation; a call that shows `…` may leave required arguments to the reader."""
    tool = TOOLS[tool_name]
    if rest:
        args = {**{k: sample(tool.props[k]) for k in tool.required if k not in args}, **args}
    validate(tool, args)


def calls_in(text: str) -> list[tuple[str, str]]:
    """(tool, argument text) for every `tool(…)` inside a backtick span, and every prose call."""
    out = []
    for span in re.findall(r"`([^`]+)`", text, re.S):
        for m in CALL.finditer(span):
            depth, i = 1, m.end()
            while i < len(span) and depth:
                depth += {"(": 1, ")": -1}.get(span[i], 0)
                i += 1
            if depth:
                raise Unparsed(f"unbalanced call: {span[m.start():][:80]!r}")
            out.append((m.group(1), span[m.end():i - 1]))
    for m in PROSE.finditer(text):
        pairs = re.findall(r"(\w+) `([^`]*)`", m.group(2))
        out.append((m.group(1), ", ".join(f"{k}=<{v}>" for k, v in pairs)))
    return out


def sources() -> dict[str, str]:
    """Every content file: agents, skills, pipeline steps, tools, knowledge, methodology."""
    return {str(p.relative_to(CONTENT)): p.read_text(encoding="utf-8") for p in sorted(CONTENT.rglob("*"))
            if p.suffix in (".md", ".yml", ".yaml")}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every file each client gets (commands, skills, agents, instruction blocks)."""
    from cadence.clients import ORDER
    from cadence.clients.planning import build_context, render
    ctx = build_context(tmp_path_factory.mktemp("render"), "project", everything=True)
    out = {}
    for (path, _), (art, _) in render(ctx, list(ORDER)).items():
        out[path] = getattr(art, "content", None) or getattr(art, "body", "")
    return out


def test_every_shown_call_is_valid_against_the_server_schema(rendered: dict[str, str]) -> None:
    problems, seen = [], 0
    for where, text in {**sources(), **rendered}.items():
        for tool, inner in calls_in(text):
            seen += 1
            try:
                args, rest = parse_call(TOOLS[tool], inner)
                check(tool, args, rest)
            except CadenceError as err:
                problems.append(f"{where}: {tool}({' '.join(inner.split())[:100]}): {err.message}")
            except (Unparsed, ValueError) as err:
                problems.append(f"{where}: {tool}({' '.join(inner.split())[:100]}): cannot read: {err}")
    assert seen >= 40, seen  # the agents alone show more than 40 calls
    assert problems == []


def test_the_prose_form_of_the_rendered_commands_is_read(rendered: dict[str, str]) -> None:
    cmd = rendered[".claude/commands/cadence/create-vision.md"]
    assert ("pipeline_run", "step=<create-vision>") in calls_in(cmd)


@pytest.mark.parametrize("shown, error", [
    ('`quality_gate_summary(reports={"testing": <report>}, scope=<scope>)`', "reports: expected array"),
    ("`worktree_create(name, from=<plan branch>)`", "unknown argument 'from'"),
    ('`branch_create("bugfix!", <slug>)`', "is not one of"),
    ("`repl_report(detail=<why>)`", "needs 'result'"),
    ('`session_save(summary, files="a.py")`', "files: expected array"),
])
def test_wrong_calls_are_caught(shown: str, error: str) -> None:
    ((tool, inner),) = calls_in(shown)
    args, rest = parse_call(TOOLS[tool], inner)
    with pytest.raises(CadenceError, match=re.escape(error)):
        check(tool, args, rest)


def test_right_calls_pass() -> None:
    for shown in ('`quality_gate_summary(reports=[{"agent": "testing", "report": <report>}, …], scope=<scope>)`',
                  "`worktree_create(name, from_ref=<plan branch>)`", '`branch_create("bugfix", <slug>)`',
                  '`repl_init(plan, test="uv run\n  pytest -q")`', "`docs_save(type=\"decision\", …)`"):
        ((tool, inner),) = calls_in(shown)
        check(tool, *parse_call(TOOLS[tool], inner))


@given(st.sampled_from(sorted(n for n in TOOLS if n not in GATEWAYS)), st.data())
def test_any_valid_argument_set_round_trips_through_the_shown_form(name: str, data: st.DataObject) -> None:
    """Showing a call with real values and reading it back gives the same arguments."""
    tool = TOOLS[name]
    keys = data.draw(st.lists(st.sampled_from(list(tool.props)), unique=True)) if tool.props else []
    args = {k: sample(tool.props[k]) for k in (*tool.required, *keys)}
    shown = f"`{name}(" + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items()) + ")`"
    ((tool_name, inner),) = calls_in(shown)
    parsed, rest = parse_call(tool, inner)
    assert tool_name == name and parsed == args and not rest
    check(name, parsed, rest)
