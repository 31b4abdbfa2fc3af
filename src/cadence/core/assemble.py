"""Assemble a step's prompt: seven sections, specialised to the depth, within a context budget.

Pure and deterministic: the same inputs always give byte-identical output.
"""

from __future__ import annotations

import re

from cadence.core.frontmatter import section

DEPTH_MEANINGS = {
    1: ("MVP", "the core of the artifact only: the decisions later steps cannot work without, nothing speculative"),
    2: ("Lite", "the primary use cases and their main decisions; edge cases and advanced options only named"),
    3: ("Standard", "full coverage of the artifact with the common edge cases handled"),
    4: ("Thorough", "edge cases, performance, failure modes and the alternatives considered, with reasons"),
    5: ("Exhaustive", "every angle, trade-off and implication, cross-checked against the other artifacts"),
}
_TAG = re.compile(r"^(\s*[-*]\s+)\((mvp|deep|depth ([1-5])\+)\)\s*")
_HEADING = re.compile(r"^(#{2,4}) (.*?)(?:\s+\((deep|depth ([1-5])\+)\))?\s*$")
_DEPTH_LINE = re.compile(r"^\s*[-*]\s+Depth ([1-5]):")
TOKEN_BYTES = 4  # the token estimate: UTF-8 bytes / 4, the usual rule of thumb for English text and code


class Knowledge:
    """A knowledge entry to inject: `body` is the entry after its frontmatter."""

    __slots__ = ("name", "description", "body", "source")

    def __init__(self, name: str, description: str, body: str, source: str = "library") -> None:
        self.name, self.description, self.body, self.source = name, description, body, source


class Artifact:
    """A file of project context; `step` is the step that produced it, `note` what the reader should know
    about it (e.g. "reviewed by review-prd", "create-prd is pending")."""

    __slots__ = ("path", "content", "step", "note")

    def __init__(self, path: str, content: str, step: str = "", note: str = "") -> None:
        self.path, self.content, self.step, self.note = path, content, step, note


class AssemblyInput:
    """Everything assembly needs; artifacts in priority order, `existing` = the step's own outputs."""

    def __init__(self, *, step: str, body: str, methodology: str, depth: int, depth_source: str, completed: int,
                 total: int, skipped: int = 0, knowledge: list[Knowledge] | None = None,
                 artifacts: list[Artifact] | None = None, existing: list[Artifact] | None = None,
                 decisions: list[str] | None = None,
                 instructions: tuple[str | None, str | None, str | None] = (None, None, None),
                 arguments: str | None = None, update_mode: bool = False, stateless: bool = False,
                 budget: int = 120_000, project: str | None = None) -> None:
        self.step, self.body, self.methodology, self.depth = step, body, methodology, depth
        self.depth_source, self.completed, self.total, self.skipped = depth_source, completed, total, skipped
        self.knowledge = knowledge or []
        self.artifacts = artifacts or []
        self.existing = existing or []
        self.decisions = decisions or []
        self.instructions = instructions
        self.arguments, self.update_mode, self.stateless, self.budget = arguments, update_mode, stateless, budget
        self.project = project  # one line: the project's type, its settings and traits (None: say nothing)


class Assembled:
    """The prompt plus what went into Project Context, what was left out, and the knowledge entries given
    as summaries only (`summarised`: their deep guidance is one `cadence knowledge show` away)."""

    def __init__(self, prompt: str, context: list[str], omitted: list[str], knowledge: list[str],
                 summarised: list[str] | None = None) -> None:
        self.prompt, self.context, self.omitted, self.knowledge = prompt, context, omitted, knowledge
        self.summarised = summarised or []


def estimate_tokens(n_bytes: int) -> int:
    """≈ tokens for `n_bytes` of prompt (bytes / 4, rounded up): an estimate, not a tokenizer."""
    return -(-n_bytes // TOKEN_BYTES)


def _applies(tag: str, n: str | None, depth: int) -> bool:
    if tag == "mvp":
        return True
    if tag == "deep":
        return depth >= 4
    return depth >= int(n or 1)


def _bullets(text: str) -> list[list[str]]:
    """Group lines into items: a bullet line plus its indented continuation lines."""
    groups: list[list[str]] = []
    for line in text.split("\n"):
        if re.match(r"^[-*]\s", line) or not groups or (line.strip() and not line.startswith((" ", "\t"))):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def filter_criteria(text: str, depth: int) -> str:
    return drop_tagged_items(text, depth).strip("\n")


def drop_tagged_items(text: str, depth: int) -> str:
    """List items tagged for a greater depth removed (with their continuation lines); kept items lose the tag."""
    core = text.rstrip("\n")
    out: list[str] = []
    for group in _bullets(core):
        m = _TAG.match(group[0])
        if m:
            if not _applies(m.group(2).split()[0] if m.group(2) != "mvp" else "mvp", m.group(3), depth):
                continue
            group = [m.group(1) + group[0][m.end():], *group[1:]]
        out.extend(group)
    return "\n".join(out) + text[len(core):]


def reduce_scaling(text: str, depth: int) -> str:
    for group in _bullets(text):
        m = _DEPTH_LINE.match(group[0])
        if m and int(m.group(1)) == depth:
            return "\n".join(group).strip()
    return text.strip()


def drop_deeper_sections(body: str, depth: int) -> str:
    """Remove the sections whose heading ends with a depth tag above `depth` — `## Multi-Model Review
    (depth 4+)` goes below depth 4, with everything up to the next heading of the same or a higher level.
    Kept headings lose their tag. Code blocks are never read as headings."""
    out: list[str] = []
    skip = 0  # the level of the heading being dropped, 0 when keeping
    fence = False
    for line in body.split("\n"):
        m = None
        if line.lstrip().startswith("```"):
            fence = not fence
        elif not fence:
            m = _HEADING.match(line)
        if m and skip and len(m.group(1)) <= skip:
            skip = 0
        if skip:
            continue
        if m and m.group(3):
            if not _applies(m.group(3).split()[0], m.group(4), depth):
                skip = len(m.group(1))
                continue
            line = f"{m.group(1)} {m.group(2)}"
        out.append(line)
    return "\n".join(out)


def specialise(body: str, depth: int) -> str:
    """The step body at `depth`: sections and list items tagged for a greater depth removed (a heading's
    trailing `(depth N+)`/`(deep)`, an item's leading `(mvp)`/`(deep)`/`(depth N+)` — in Quality Criteria
    and everywhere else) and Methodology Scaling reduced to the line for `depth`."""
    out: list[str] = []
    for part in re.split(r"(?m)^(?=## )", drop_deeper_sections(body, depth)):
        if part.startswith("## Methodology Scaling\n"):
            out.append(f"## Methodology Scaling\n\n{reduce_scaling(part.partition(chr(10))[2], depth)}\n\n")
        else:
            out.append(drop_tagged_items(part, depth))
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n")


def knowledge_text(body: str, depth: int) -> str:
    """Deep Guidance at depth 3–5, Summary at depth 1–2; the whole body when the section is absent."""
    wanted = "Deep Guidance" if depth >= 3 else "Summary"
    part = section(body, wanted)
    return (part if part is not None else body).strip("\n")


def assemble(inp: AssemblyInput) -> Assembled:
    body = inp.body.replace("$ARGUMENTS", inp.arguments or "")
    meta = specialise(body, inp.depth)
    kinds = "tool" if inp.stateless else "step"
    system = (f"You are a senior software engineer and architect working in this repository with cadence.\n"
              f"You are executing the {kinds} `{inp.step}` of the cadence pipeline.\n"
              f"Methodology: {inp.methodology} | Depth: {inp.depth}/5 | Progress: {inp.completed}/{inp.total} "
              f"steps completed" + (f", {inp.skipped} skipped" if inp.skipped else ""))
    if inp.project:
        system += f"\nProject: {inp.project}"

    kb_parts: list[str] = []
    summarised: list[str] = []
    for k in _unique(inp.knowledge):
        label = " (project override)" if k.source == "override" else ""
        kb_parts.append(f"## {k.name}: {k.description}{label}\n\n{knowledge_text(k.body, inp.depth)}")
        if inp.depth < 3 and section(k.body, "Summary") is not None and section(k.body, "Deep Guidance") is not None:
            summarised.append(k.name)
    if summarised:
        kb_parts.append("## Summaries only\n\nAt this depth the entries above are their summaries. For the deep "
                        "guidance of one run `cadence knowledge show NAME` (MCP: `knowledge_get`):\n"
                        + "\n".join(f"- {n}" for n in summarised))
    kb = "\n\n".join(kb_parts) or "(No knowledge base entries for this step.)"

    remaining = max(0, inp.budget)
    context_parts: list[str] = []
    included: list[str] = []
    omitted: list[tuple[str, int]] = []
    queue = [("Existing Output", a) for a in inp.existing] + [("Artifact", a) for a in inp.artifacts]
    for label, art in queue:
        size = len(art.content.encode("utf-8"))
        if art.path in included:
            continue
        if size <= remaining:
            origin = f" (from {art.step}{', ' + art.note if art.note else ''})" if art.step and label == "Artifact" \
                else ""
            context_parts.append(f"## {label}: {art.path}{origin}\n\n{art.content.rstrip()}")
            included.append(art.path)
            remaining -= size
        elif all(art.path != p for p, _ in omitted):
            omitted.append((art.path, size))
    if inp.decisions:
        context_parts.append("## Decisions\n\n" + "\n".join(f"- {d}" for d in inp.decisions))
    if omitted:
        context_parts.append(
            f"## Omitted context\n\nThese files were left out to stay within the context budget of {inp.budget} "
            "bytes. Read the ones you need yourself:\n" + "\n".join(f"- {p} ({n} bytes)" for p, n in omitted))
    context = "\n\n".join(context_parts) or "(No prior artifacts available.)"

    name, meaning = DEPTH_MEANINGS[inp.depth]
    scale = " · ".join(f"{d} {DEPTH_MEANINGS[d][0]}" for d in range(1, 6))
    methodology = (f"Methodology `{inp.methodology}`, depth {inp.depth}/5 ({name}) — set by {inp.depth_source}.\n\n"
                   f"At this depth produce {meaning}. The criteria and scaling in the meta-prompt above are "
                   f"already reduced to this depth.\n\nDepth scale: {scale}.")

    g, s, i = inp.instructions
    layers = (("Global Instructions", g), ("Step Instructions", s), ("Inline Instructions", i))
    instr = [f"### {title}\n\n{text.strip()}" for title, text in layers if text and text.strip()]
    instructions = ("Later instructions take precedence over earlier ones.\n\n" + "\n\n".join(instr)) if instr \
        else "(No user instructions provided.)"

    if inp.stateless:
        execution = ("Carry out the instructions above now. This is a stateless tool or build step: cadence "
                     "records nothing when it finishes.")
    else:
        mode = ("UPDATE MODE: outputs of this step already exist (shown under Project Context). Improve them in "
                "place; preserve what the step's Update Mode Specifics say to preserve, and summarise what "
                "changed." if inp.update_mode else
                "FRESH: no output of this step exists yet. Create every output listed under Expected Outputs.")
        execution = (f"{mode}\n\nWork at depth {inp.depth}/5. Surface decisions that need the user before you "
                     f"make them; record lasting ones with `cadence decisions add --step {inp.step} \"…\"`.\n"
                     f"When every output exists, run `cadence complete {inp.step}` (it checks the outputs on disk).")

    sections_ = (("System", system), ("Meta-Prompt", meta), ("Knowledge Base", kb), ("Project Context", context),
                 ("Methodology", methodology), ("Instructions", instructions), ("Execution", execution))
    prompt = "".join(f"# {h}\n\n{c.strip()}\n\n" for h, c in sections_).rstrip("\n") + "\n"
    return Assembled(prompt=prompt, context=included, omitted=[p for p, _ in omitted],
                     knowledge=[k.name for k in _unique(inp.knowledge)], summarised=summarised)


def _unique(items: list[Knowledge]) -> list[Knowledge]:
    seen: set[str] = set()
    out = []
    for k in items:
        if k.name not in seen:
            seen.add(k.name)
            out.append(k)
    return out
