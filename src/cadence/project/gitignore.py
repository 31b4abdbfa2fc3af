"""The `.gitignore` managed block for cadence's runtime files."""

from __future__ import annotations

from pathlib import Path

from cadence.project import blocks, fsio

IGNORED = (
    ".cadence/loop.json",
    ".cadence/gate.json",
    ".cadence/sessions/",
    ".cadence/.lock",
    ".cadence/*.bak",
    ".cadence/*.corrupt",
    ".cadence/.*.tmp",
    ".*.????????.tmp",
    ".cadence.backup-*/",
    ".cadence.init-*/",
    ".worktrees/",
)


def ensure_gitignore(root: Path) -> bool:
    """Insert or refresh the block; returns True when the file changed. The user's lines are kept as they are."""
    path = root / ".gitignore"
    try:
        text = fsio.read_bytes(root, path).decode("utf-8")
    except FileNotFoundError:
        text = ""
    except OSError:
        raise fsio.not_a_file(root, path) from None
    new = blocks.upsert(text, "\n".join(IGNORED), "#")
    if new == text:
        return False
    fsio.atomic_write(root, path, new)
    return True
