"""Path globs (`*`, `?`, `**`, `[…]`) compiled to regular expressions. Pure."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def compile_glob(pattern: str, case_sensitive: bool = True) -> re.Pattern[str]:
    """`*` and `?` stay within one path segment, `**` spans segments; a pattern without `/` matches the
    base name anywhere; a trailing `/` matches everything under a directory."""
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    anchored = "/" in pat.rstrip("/")
    if pat.endswith("/"):
        pat += "**"
    if pat.startswith("/"):
        pat = pat[1:]
    i, out = 0, []
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pat[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j + 1
                continue
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    regex = ("^" if anchored else "^(?:.*/)?") + body + "$"
    return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)


def match(path: str, pattern: str, case_sensitive: bool = True) -> bool:
    return compile_glob(pattern, case_sensitive).match(path.replace("\\", "/").lstrip("/")) is not None


def match_any(path: str, patterns: list[str] | tuple[str, ...]) -> str | None:
    for p in patterns:
        if match(path, p):
            return p
    return None
