"""The one error type every layer raises, with the exit codes of the CLI contract."""

from __future__ import annotations

OK = 0
USAGE = 1          # usage or validation error
PRECONDITION = 2   # blocked step, missing outputs, no active loop, NO-GO gate, not a git repo
CONFLICT = 3       # state or lock conflict, corrupt state
DECISION = 4       # a human decision is needed and input is disabled
ASSEMBLY = 5       # assembly / render / install failure
EXTERNAL = 6       # an external tool failed (git, gh)


class CadenceError(Exception):
    """An expected failure: carries a stable code, a message, a fix hint and an exit code."""

    def __init__(self, code: str, message: str, hint: str = "", exit_code: int = USAGE,
                 data: object | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.exit_code = exit_code
        self.data = data

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


SHOWN_MAX = 60  # characters of a value quoted back in an error message


def shown(value: object, limit: int = SHOWN_MAX) -> str:
    """`repr(value)` cut to `limit` characters: hostile files can hold a megabyte in one field."""
    try:
        text = repr(value)
    except RecursionError:
        return "a deeply nested value"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def suggest(word: str, options: list[str] | tuple[str, ...], limit: int = 3) -> list[str]:
    """Near misses of `word` among `options` (edit distance ≤ 3, or a shared prefix)."""
    scored = []
    for opt in options:
        d = _distance(word, opt)
        if d <= max(2, min(3, len(word) // 3)) or (len(word) >= 4 and (opt.startswith(word) or word in opt)):
            scored.append((d, opt))
    return [o for _, o in sorted(scored)[:limit]]


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    near = suggest(word, options)
    return f"Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""


def _distance(a: str, b: str) -> int:
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
