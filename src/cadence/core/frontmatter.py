"""Split a markdown document into its YAML frontmatter text and its body; find `## ` sections."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^(```|~~~)")


class FrontmatterError(ValueError):
    pass


def split(text: str) -> tuple[str, str]:
    """Return (frontmatter_yaml, body). LF and CRLF both work; a BOM is ignored."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n")
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        raise FrontmatterError("the file must start with a '---' line opening the frontmatter")
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:])
    raise FrontmatterError("the frontmatter is not closed by a '---' line")


def sections(body: str, level: int = 2) -> list[tuple[str, str]]:
    """(heading, content) for every heading of `level`, ignoring headings inside code fences."""
    marker = "#" * level + " "
    out: list[tuple[str, str]] = []
    current: str | None = None
    buf: list[str] = []
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line.lstrip()):
            in_fence = not in_fence
        if not in_fence and line.startswith(marker) and not line.startswith(marker + "#"):
            if current is not None:
                out.append((current, "\n".join(buf).strip("\n")))
            current, buf = line[len(marker):].strip(), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        out.append((current, "\n".join(buf).strip("\n")))
    return out


def section(body: str, name: str, level: int = 2) -> str | None:
    """The content of the first heading named `name` (case-insensitive); None when absent."""
    wanted = name.strip().lower()
    for heading, content in sections(body, level):
        if heading.lower() == wanted:
            return content
    return None
