"""The install manifest: where it lives per scope, how it is read (validated, confined) and saved, the
hashes it records, and the drift between it and the files on disk."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cadence.clients import ORDER, renderer
from cadence.errors import USAGE, CadenceError
from cadence.project import blocks, fsio, paths

MANIFEST_VERSION = 1


NEW_SUFFIX = ".cadence-new"


def sha(data: str | bytes | None) -> str | None:
    if data is None:
        return None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def value_sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def cadence_version() -> str:
    from cadence import __version__
    return __version__


def user_home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def manifest_path(root: Path | None, scope: str) -> Path:
    if scope == "user":
        xdg = os.environ.get("XDG_CONFIG_HOME")
        return (Path(xdg) if xdg else user_home() / ".config") / "cadence" / "manifest.json"
    assert root is not None
    return root / paths.MANIFEST


def scope_base(root: Path | None, scope: str) -> Path:
    if scope not in ("project", "user"):
        raise CadenceError("USAGE", f"--scope {scope!r} is not project or user", "Use --scope project|user.", USAGE)
    if scope == "user":
        return user_home()
    assert root is not None
    return root


def manifest_root(root: Path | None, scope: str) -> Path | None:
    """What the manifest's reads and writes are confined to: the repository; the user's own config dir is not."""
    return root if scope == "project" else None


def load_manifest(path: Path, confine: Path | None) -> dict[str, Any]:
    try:
        data = json.loads(fsio.read_text(confine, path))
    except FileNotFoundError:
        return {"version": MANIFEST_VERSION, "entries": [], "dirs": []}
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise CadenceError("MANIFEST_CORRUPT", f"{path} is not valid JSON: {exc}",
                           "Restore it from git (it is committed), or delete it and re-run 'cadence install' "
                           "(files you changed are then kept and new versions written as .cadence-new).", 3) from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise CadenceError("MANIFEST_CORRUPT", f"{path} has no entries list", "Restore it from git.", 3)
    for i, e in enumerate(data["entries"]):
        if not (isinstance(e, dict) and isinstance(e.get("path"), str) and e.get("type") in ("file", "block", "keys")
                and isinstance(e.get("clients", []), list)
                and (e["type"] != "keys" or (e.get("fmt") in ("json", "toml") and isinstance(e.get("keys"), list)))):
            raise CadenceError("MANIFEST_CORRUPT", f"{path}: entry {i} is not a valid manifest entry",
                               "Restore the manifest from git, or delete it and re-run 'cadence install'.", 3)
    if not isinstance(data.get("dirs", []), list) or not all(isinstance(d, str) and ".." not in d.split("/")
                                                              and not d.startswith("/") for d in data.get("dirs", [])):
        raise CadenceError("MANIFEST_CORRUPT", f"{path}: 'dirs' must be a list of relative paths",
                           "Restore the manifest from git.", 3)
    data.setdefault("dirs", [])
    return data


def save_manifest(path: Path, manifest: dict[str, Any], confine: Path | None) -> bool:
    manifest["entries"].sort(key=lambda e: (e["path"], e["type"]))
    manifest["dirs"] = sorted(set(manifest["dirs"]))
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    try:
        if fsio.read_text(confine, path) == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    fsio.atomic_write(confine, path, text)
    return True


def drift(root: Path | None, scope: str = "project") -> dict[str, Any]:
    base = scope_base(root, scope)
    mpath = manifest_path(root, scope)
    confine = manifest_root(root, scope)
    manifest = load_manifest(mpath, confine)
    version = cadence_version()
    modified, missing, stale, pending = [], [], [], []
    for e in manifest["entries"]:
        cur = None
        try:
            cur = fsio.read_bytes(confine, base / e["path"])
        except (OSError, CadenceError):
            pass
        if e.get("pending") and (base / (e["path"] + NEW_SUFFIX)).exists():
            pending.append(e["path"] + NEW_SUFFIX)
        if cur is None:
            if not e.get("user_file"):
                missing.append(e["path"])
            continue
        if e["type"] == "file" and not e.get("adopted") and not e.get("user_file") and sha(cur) != e.get("sha256"):
            modified.append(e["path"])
        elif e["type"] == "block" and blocks.find(cur.decode("utf-8", "replace"), e.get("comment", "<!--")) is None:
            missing.append(e["path"] + " (managed block)")
        if e.get("version") != version:
            stale.append(e["path"])
    legacy: list[dict[str, str]] = []
    for c in ORDER:
        legacy += [{**x, "client": c} for x in renderer(c).legacy(base, scope)]
    return {"manifest": str(mpath), "installed": bool(manifest["entries"]), "entries": len(manifest["entries"]),
            "clients": sorted({c for e in manifest["entries"] for c in e.get("clients", [])}, key=ORDER.index),
            "modified": modified, "missing": missing, "stale": stale, "pending": pending, "legacy": legacy}
