"""Plans: frontmatter, sections, tasks with acceptance criteria, slugs, branch prefixes. Pure (no I/O)."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from cadence.errors import USAGE, CadenceError

TYPES = ("feature", "bugfix", "refactor", "architecture", "spike", "docs")
STATUSES = ("draft", "approved", "in-progress", "done")
BRANCH_PREFIX = {"feature": "feature", "spike": "feature", "bugfix": "bugfix", "refactor": "refactor",
                 "architecture": "refactor", "docs": "docs"}
SLUG_MAX = 50
MAX_CHARS = 2_000_000  # a plan (or any frontmatter document) larger than this is refused before it is parsed
KEY_ORDER = ("title", "type", "created", "status", "branch", "issues", "touches")

_TASK = re.compile(r"^[-*][ \t]*\[ \][ \t]+(?P<text>\S.*)$")
_TASK_PREFIX = re.compile(r"^(?P<b>\*\*|__)?task[ \t]*\d+[ \t]*[:.)-][ \t]*(?(b)(?:\*\*|__)[ \t]*)", re.IGNORECASE)
_AC = re.compile(r"^[ \t]+[-*][ \t]+(?P<b>\*\*|__)?ac[ \t]*:[ \t]*(?(b)(?:\*\*|__)[ \t]*)(?P<text>.*)$",
                 re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class PlanError(CadenceError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__("PLAN_INVALID", message, hint or "Fix the plan's YAML frontmatter (between the '---' lines).",
                         USAGE)


def slugify(text: str, max_len: int = SLUG_MAX) -> str:
    """Lower-case ASCII words joined by '-', at most `max_len` characters, never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rstrip("-")
    return slug or "untitled"


def normalise(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_size(text: str) -> None:
    if len(text) > MAX_CHARS:
        raise PlanError(f"the document is {len(text):,} characters long; the limit is {MAX_CHARS:,}",
                        "Split it: a plan is read by people and models, and a few hundred tasks is already a lot.")


def split_frontmatter(text: str) -> tuple[dict[str, Any] | None, str]:
    """(frontmatter mapping or None when the document has none, body). CRLF and LF both work."""
    from cadence.core.frontmatter import FrontmatterError, split
    check_size(text)
    text = normalise(text)
    if not text.startswith("---\n"):
        return None, text
    try:
        yaml_text, body = split(text)
    except FrontmatterError:
        raise PlanError("the frontmatter opened by '---' is never closed",
                        "Add a '---' line after the frontmatter.") from None
    from cadence import yamlio
    try:
        data = yamlio.load(yaml_text) if yaml_text.strip() else {}
    except yamlio.YamlError as exc:
        raise PlanError(f"the frontmatter is not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PlanError("the frontmatter must be a mapping of keys (title:, type:, …)")
    return {str(k): _plain(v) for k, v in data.items()}, body


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def dump_frontmatter(fm: dict[str, Any]) -> str:
    """Deterministic YAML: known keys first; every value in JSON flow style (valid YAML, safely escaped)."""
    keys = [k for k in KEY_ORDER if k in fm] + [k for k in fm if k not in KEY_ORDER]
    lines = ["---"]
    for k in keys:
        v = fm[k]
        if v is None:
            continue
        key = k if _PLAIN_KEY.fullmatch(k) else json.dumps(k)
        if isinstance(v, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_./-]*", v) and v.lower() not in (
                "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"):
            lines.append(f"{key}: {v}")
        else:
            lines.append(f"{key}: {_yaml_safe(json.dumps(v, ensure_ascii=False, default=str))}")
    lines.append("---")
    return "\n".join(lines) + "\n"


_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]")


def _yaml_safe(flow: str) -> str:
    """JSON text with every character YAML would refuse or fold escaped (\\uXXXX / \\UXXXXXXXX)."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) <= 0xFFFF
                            else f"\\U{ord(m.group()):08x}", flow)


def sections(body: str) -> list[tuple[str, str]]:
    """(heading, content) for every `## ` heading outside code fences, in document order."""
    out: list[tuple[str, str]] = []
    current: str | None = None
    buf: list[str] = []
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            if current is not None:
                out.append((current, "\n".join(buf).strip("\n")))
            current, buf = line[3:].strip().rstrip("#").strip(), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        out.append((current, "\n".join(buf).strip("\n")))
    return out


def section(body: str, name: str) -> str | None:
    """The first section whose heading is exactly `name` (case-insensitive); never a later one."""
    wanted = name.strip().lower()
    for heading, content in sections(body):
        if heading.lower() == wanted:
            return content
    return None


def parse_tasks(body: str) -> list[dict[str, Any]]:
    """Unindented `- [ ]` / `* [ ]` items of the Tasks section (the whole body when there is none),
    `Task N:` stripped, with the indented `- AC:` lines that follow."""
    scope = section(body, "Tasks")
    text = scope if scope is not None else body
    tasks: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            current = None
            continue
        if in_fence:
            continue
        m = _TASK.match(line)
        if m:
            raw = m.group("text").strip()
            if len(raw) > 4 and raw[:2] in ("**", "__") and raw.endswith(raw[:2]) and raw[:2] not in raw[2:-2]:
                raw = raw[2:-2].strip()  # a wholly bold item: `**Task 3: Do it**`
            desc = _TASK_PREFIX.sub("", raw, count=1).strip()
            current = {"description": desc or m.group("text").strip(), "acceptance": []}
            tasks.append(current)
            continue
        if current is None or not line.strip():
            continue
        if line[0] in " \t":
            ac = _AC.match(line)
            if ac and ac.group("text").strip():
                current["acceptance"].append(ac.group("text").strip())
            continue
        current = None  # an unindented line ends the task's block
    return tasks


def title_of(fm: dict[str, Any] | None, body: str) -> str:
    if fm and isinstance(fm.get("title"), str) and fm["title"].strip():
        return str(fm["title"]).strip()
    for line in body.split("\n"):
        if line.startswith("# "):
            t = line[2:].strip()
            return t[6:].strip() if t.lower().startswith("plan: ") else t
    return ""


def issues_of(fm: dict[str, Any] | None) -> list[int]:
    raw = (fm or {}).get("issues") or []
    if isinstance(raw, str):
        raw = [x for x in re.split(r"[\s,;]+", raw) if x]  # "12, 13" / "#12 #13"
    elif isinstance(raw, int):
        raw = [raw]
    out: list[int] = []
    for v in raw if isinstance(raw, list) else []:
        if isinstance(v, bool):
            continue
        if isinstance(v, str):
            v = v.strip().lstrip("#")
            if not v.isdigit():
                continue
            v = int(v)
        if isinstance(v, int) and v > 0 and v not in out:
            out.append(v)
    return out


def touches_of(fm: dict[str, Any] | None) -> list[str]:
    raw = (fm or {}).get("touches") or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(t) for t in raw if isinstance(t, (str, int)) and str(t).strip()] if isinstance(raw, list) else []


_LISTED = re.compile(r"`([A-Za-z0-9_.][A-Za-z0-9_./-]*\.[A-Za-z0-9]+)`")


def listed_files(body: str) -> list[str]:
    """Repository paths named in backticks in the body (`src/app.py`), for overlap detection."""
    out: list[str] = []
    for m in _LISTED.finditer(body):
        p = m.group(1)
        if "/" in p and ".." not in p and p not in out:
            out.append(p)
    return out


def parse_plan(text: str) -> dict[str, Any]:
    """Everything a caller needs from a plan document."""
    fm, body = split_frontmatter(text)
    fm = fm or {}
    secs = sections(body)
    first: dict[str, str] = {}
    for heading, content in secs:
        first.setdefault(heading, content)
    return {"frontmatter": fm, "body": body, "title": title_of(fm, body), "sections": first,
            "tasks": parse_tasks(body), "issues": issues_of(fm), "touches": touches_of(fm)}


def validate_frontmatter(fm: dict[str, Any]) -> None:
    if fm.get("type") is not None and fm["type"] not in TYPES:
        raise PlanError(f"plan type {fm['type']!r} is not one of {', '.join(TYPES)}", "Use --type with one of those.")
    if fm.get("status") is not None and fm["status"] not in STATUSES:
        raise PlanError(f"plan status {fm['status']!r} is not one of {', '.join(STATUSES)}")


def render_plan(fm: dict[str, Any], body: str) -> str:
    return dump_frontmatter(fm) + "\n" + body.lstrip("\n").rstrip("\n") + "\n"


def build_pr_body(file: str, parsed: dict[str, Any]) -> str:
    parts = []
    for name in ("Summary", "Tasks", "Key Decisions"):
        content = section(parsed["body"], name)
        if content and content.strip():
            parts.append(f"## {name}\n\n{content.strip()}")
    if not parts:
        return f"Implementation based on plan: `{file}`"
    return "\n\n".join(parts) + f"\n\n---\n*Plan: `{file}`*"


def template(title: str, summary: str = "", tasks: list[str] | None = None) -> str:
    """A skeleton plan body in the canonical section order."""
    task_lines = "\n".join(f"- [ ] Task {i}: {t}\n  - AC: …" for i, t in enumerate(tasks or ["…"], 1))
    return (f"# Plan: {title}\n\n## Summary\n\n{summary or '…'}\n\n## Architecture Diagram\n\n```mermaid\ngraph TD\n"
            f"  A[Start] --> B[Done]\n```\n\n## Tasks\n\n{task_lines}\n\n## Technical Approach\n\n…\n\n"
            "## Data Flow\n\n```mermaid\nsequenceDiagram\n  User->>App: request\n```\n\n"
            "## Risks & Mitigations\n\n| Risk | Impact | Likelihood | Mitigation |\n|---|---|---|---|\n\n"
            "## Estimated Effort\n\n…\n\n## Key Decisions\n\n…\n\n## Suggested Branch Name\n\n…\n")
