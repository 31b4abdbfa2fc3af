"""The ID convention of traceability: the kinds of ID, their default patterns, what makes a pattern usable,
and the scanner that finds every ID token in a text (or inside a code identifier such as `test_fr_001`)."""

from __future__ import annotations

import re
from typing import Any

KINDS = ("requirement", "story", "criterion", "task")
DEFAULT_PATTERNS = {"requirement": r"N?FR-\d{3,}", "story": r"US-\d{3,}", "criterion": r"AC-\d{3,}-\d+",
                    "task": r"T-\d{3,}"}


def pattern_problem(pattern: Any) -> str | None:
    """Why `pattern` cannot be an ID pattern, or None."""
    if not isinstance(pattern, str) or not pattern.strip():
        return "must be a regular expression (text)"
    if "(?P<" in pattern:
        return "must not contain named groups"
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    if compiled.fullmatch(""):
        return "must not match the empty string"
    return None


class Ids:
    """The ID tokens of every kind, found with one alternation (criteria first: the most specific)."""

    def __init__(self, patterns: dict[str, str]) -> None:
        order = ("criterion", "requirement", "story", "task")
        alt = "|".join(f"(?P<{k}>{patterns[k]})" for k in order)
        self.regex = re.compile(rf"(?<![A-Za-z0-9])(?:{alt})(?![A-Za-z0-9])")
        # without capture groups of the patterns' own, findall gives one (criterion, requirement, story, task)
        # tuple per token, the token in its kind's place: faster than a match object per token
        self._by_tuple = self.regex.groups == len(order)

    def scan(self, text: str) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
        """(every token, the token the text starts with or None) in one pass."""
        tokens = self.regex.finditer(text)
        m = next(tokens, None)
        if m is None:
            return [], None
        found = [(m.lastgroup or "", m[0])]  # (every alternative is a named group: lastgroup is set)
        for x in tokens:
            found.append((x.lastgroup or "", x[0]))
        return found, None if text[:m.start()].strip(" \t*_`[(") else found[0]

    def find(self, text: str) -> list[tuple[str, str]]:
        """(kind, id) for every token, in order."""
        if self._by_tuple:
            tokens = self.regex.findall(text)
            if ("", "", "", "") not in tokens:  # (an empty token would not say its kind)
                return [("criterion", c) if c else ("requirement", r) if r else ("story", s) if s else ("task", t)
                        for c, r, s, t in tokens]
        return [(m.lastgroup or "", m[0]) for m in self.regex.finditer(text)]

    def in_identifier(self, name: str) -> list[tuple[str, str]]:
        """IDs inside a code identifier, where `-` cannot be written: `test_fr_001_login` and
        `TestFR_001_Login` name FR-001 (a leading `test` is dropped first)."""
        if name[:4].lower() == "test":
            name = name[4:]
        return self.find(name.upper().replace("_", "-"))
