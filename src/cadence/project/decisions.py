"""`.cadence/decisions.jsonl`: append-only, one record per line, corrupt lines skipped with a warning."""

from __future__ import annotations

import json
from pathlib import Path

from cadence.errors import CONFLICT, CadenceError
from cadence.project import fsio
from cadence.project.paths import DECISIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def read(root: Path, warnings: list[str] | None = None) -> list[dict[str, Any]]:
    try:
        text = fsio.read_text(root, root / DECISIONS, errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise CadenceError("DECISIONS_UNREADABLE", f"cannot read {DECISIONS}: {exc.strerror}",
                           f"{DECISIONS} must be a regular file: move whatever is there away.", CONFLICT) from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict) or "text" not in rec:
                raise ValueError("not a decision record")
            out.append(rec)
        except ValueError:
            if warnings is not None:
                warnings.append(f"{DECISIONS}:{n}: skipped a corrupt line")
    return out


def next_id(records: list[dict[str, Any]]) -> str:
    best = 0
    for r in records:
        rid = str(r.get("id", ""))
        if rid.startswith("D-") and rid[2:].isdigit():
            best = max(best, int(rid[2:]))
    return f"D-{best + 1:03d}"


def append(root: Path, step: str | None, text: str, category: str | None, by: str, at: str) -> dict[str, Any]:
    """Append a decision; call under the project lock so IDs stay unique."""
    rec = {"id": next_id(read(root)), "step": step, "text": text, "category": category, "at": at, "by": by}
    line = json.dumps(rec, ensure_ascii=False)
    if not _ends_with_newline(root):
        line = "\n" + line  # a torn or hand-edited last line must not swallow this record
    fsio.append_line(root, root / DECISIONS, line)
    return rec


def _ends_with_newline(root: Path) -> bool:
    """True for a missing or empty file, or one whose last byte is a newline."""
    try:
        fd = fsio.open_read(root, root / DECISIONS)
    except OSError:
        return True
    with open(fd, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"
