"""Writing a client's files: a dry-run-aware writer confined to the project, and the inverse edits
uninstall and re-install share — a file's text without cadence's owned keys or managed block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cadence.clients.manifest import value_sha
from cadence.errors import ASSEMBLY, CadenceError
from cadence.project import blocks, fsio


class Writer:
    """Applies writes (or only records them in dry-run) and tracks the directories it creates.

    In project scope every path must stay inside the project once symlinks are resolved (a
    repository cannot make install write elsewhere); a symlinked shared file (CLAUDE.md →
    AGENTS.md) is edited through its link, which stays a link. User scope allows symlinked
    config dirs (dotfile managers link `~/.claude` and friends)."""

    def __init__(self, base: Path, dry_run: bool, confined: bool = True) -> None:
        self.base = base
        self.real_base = base.resolve()
        self.dry_run = dry_run
        self.confined = confined
        self.root = base if confined else None  # what fsio confines every access to
        self.created_dirs: list[str] = []

    def abs(self, rel: str) -> Path:
        if rel.startswith("/") or "\\" in rel or ".." in rel.split("/") or "\x00" in rel:
            raise CadenceError("INVALID_PATH", f"refusing to touch a path outside {self.base}: {rel!r}",
                               "The manifest may have been edited by hand; restore it from git.", ASSEMBLY)
        path = self.base / rel
        if self.confined:
            real = path.resolve()
            if real != self.real_base and self.real_base not in real.parents:
                raise CadenceError("PATH_OUTSIDE_PROJECT", f"{rel} resolves outside the project ({real})",
                                   "A symlink points out of the repository; cadence does not write through it.",
                                   ASSEMBLY)
        return path

    def target(self, rel: str) -> Path:
        """Where to write: the link's target for a symlinked file (kept a link), else the path itself."""
        path = self.abs(rel)
        return path.resolve() if path.is_symlink() else path

    def read(self, rel: str) -> bytes | None:
        try:
            return fsio.read_bytes(self.root, self.abs(rel))
        except (FileNotFoundError, NotADirectoryError):
            return None

    def write(self, rel: str, data: bytes) -> None:
        if self.dry_run:
            return
        path = self.target(rel)
        missing = []
        d = path.parent
        while not d.exists():
            missing.append(d)
            d = d.parent
        for m in reversed(missing):
            try:
                self.created_dirs.append(m.relative_to(self.base).as_posix())
            except ValueError:
                pass
        fsio.atomic_write(self.root, path, data)

    def delete(self, rel: str) -> None:
        if self.dry_run:
            return
        fsio.unlink(self.root, self.abs(rel), missing_ok=True)


def decoded(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8")


def document(fmt: str, text: str | None) -> Any:
    if fmt == "toml":
        from cadence.clients.tomldoc import TomlDocument
        return TomlDocument(text or "")
    from cadence.clients.jsonc import Document, JsoncError
    try:
        return Document(text if text is not None and text.strip() else "{}")
    except JsoncError as exc:
        raise exc


def strip_keys(fmt: str, text: str, records: list[dict[str, Any]], created: bool,
                report: list[str] | None = None) -> str | None:
    """`text` without cadence's keys (priors restored); None when install created the file and nothing else is left."""
    doc = document(fmt, text)
    for rec in reversed(records):
        p = tuple(rec["path"])
        if not doc.has(p):
            continue
        if value_sha(doc.get(p)) != rec["sha256"]:
            if report is not None:
                report.append(".".join(p))
            continue
        if rec.get("had_prior"):
            doc.set_raw(p, rec["prior"])
        else:
            doc.delete(p)
    if created and doc.is_empty_object():
        return None
    return str(doc.text)


def strip_block(text: str, comment: str, created: bool, added_eol: bool = False) -> str | None:
    span = blocks.find(text, comment)
    out = blocks.remove(text, comment)
    nl = "\r\n" if "\r\n" in text else "\n"
    if added_eol and span is not None and text[span[1]:] == "" and out.endswith(nl):
        out = out[:-len(nl)]  # the newline install added after a last line that had none
    if created and out.strip() == "":
        return None
    return out
