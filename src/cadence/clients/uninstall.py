"""Uninstall: every manifest entry undone — a file cadence wrote removed when unchanged, a managed block or
owned keys stripped (priors restored), the original bytes back when nobody touched the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cadence.clients import ORDER, renderer
from cadence.clients.manifest import (
    NEW_SUFFIX,
    load_manifest,
    manifest_path,
    manifest_root,
    save_manifest,
    scope_base,
    sha,
)
from cadence.clients.writer import Writer, strip_block, strip_keys
from cadence.errors import CadenceError
from cadence.project import fsio, paths


def remove_entry(w: Writer, e: dict[str, Any], warnings: list[str]) -> str:
    rel = e["path"]
    cur_b = w.read(rel)
    if e["type"] == "file":
        pending = e.get("pending")
        if pending and sha(w.read(rel + NEW_SUFFIX)) == pending:
            w.delete(rel + NEW_SUFFIX)
        if e.get("adopted") or e.get("user_file"):
            return "keep"
        if cur_b is None:
            return "missing"
        if sha(cur_b) != e.get("sha256"):
            warnings.append(f"{rel} was changed by hand; left it in place")
            return "kept-modified"
        if "before" in e and e["before"] is not None:
            w.write(rel, e["before"].encode("utf-8", errors="surrogateescape"))
            return "restore"
        w.delete(rel)
        return "remove"
    if cur_b is None:
        return "missing"
    try:
        cur = cur_b.decode("utf-8")
    except UnicodeDecodeError:  # the user re-saved it in another encoding: theirs now, never rewritten
        warnings.append(f"{rel} is no longer UTF-8 text; left cadence's {'block' if e['type'] == 'block' else 'keys'}"
                        " in it (remove them by hand)")
        return "kept-modified"
    created = bool(e.get("created"))
    if e["type"] == "block":
        if sha(cur_b) == e.get("after") and "before" in e:
            result = e["before"]
        else:
            result = strip_block(cur, e.get("comment", "<!--"), created, bool(e.get("added_eol")))
    else:
        report: list[str] = []
        if sha(cur_b) == e.get("after") and "before" in e:
            result = e["before"]
        else:
            try:
                result = strip_keys(e["fmt"], cur, e.get("keys", []), created, report)
            except Exception as exc:  # noqa: BLE001 - a file the user broke: leave it, say so
                warnings.append(f"{rel} cannot be parsed ({exc}); left cadence's keys in it")
                return "kept-modified"
        for k in report:
            warnings.append(f"{rel}: {k} was changed by hand; left it in place")
    if result is None:
        w.delete(rel)
        return "remove"
    if result != cur:
        w.write(rel, result.encode("utf-8"))
        return "restore"
    return "keep"


def uninstall(root: Path | None, clients: list[str] | None = None, scope: str = "project",
              dry_run: bool = False) -> dict[str, Any]:
    base = scope_base(root, scope)
    mpath = manifest_path(root, scope)
    manifest = load_manifest(mpath, manifest_root(root, scope))
    if not manifest["entries"] and not mpath.exists():
        return {"clients": clients or [], "scope": scope, "plan": [], "counts": {}, "warnings": [],
                "message": "nothing installed"}
    for c in clients or []:
        renderer(c)
    if scope == "project" and not dry_run and root is not None and (root / paths.LOCK).exists():
        from cadence.project.lock import project_lock
        with project_lock(root, "uninstall"):
            return _uninstall(root, base, mpath, manifest, clients, scope, dry_run)
    return _uninstall(root, base, mpath, manifest, clients, scope, dry_run)


def _uninstall(root: Path | None, base: Path, mpath: Path, manifest: dict[str, Any], clients: list[str] | None,
               scope: str, dry_run: bool) -> dict[str, Any]:
    w = Writer(base, dry_run, confined=scope == "project")
    selected = set(clients or ORDER)
    installed = {c for e in manifest["entries"] for c in e.get("clients", [])}
    plan: list[dict[str, Any]] = []
    warnings: list[str] = []
    keep: list[dict[str, Any]] = []
    left: list[str] = []
    for e in manifest["entries"]:
        mine = set(e.get("clients", [])) & selected
        others = [c for c in e.get("clients", []) if c not in selected]
        if not mine:
            keep.append(e)
            continue
        if others:
            keep.append({**e, "clients": others})
            plan.append({"path": e["path"], "type": e["type"], "kind": e.get("kind"), "action": "keep-shared"})
            continue
        action = remove_entry(w, e, warnings)
        if action == "kept-modified":
            left.append(e["path"])
        plan.append({"path": e["path"], "type": e["type"], "kind": e.get("kind"), "clients": e.get("clients"),
                     "action": action})
    dirs_left = []
    if not dry_run:
        manifest["entries"] = keep
        if keep:
            save_manifest(mpath, manifest, w.root)
        else:
            fsio.unlink(w.root, mpath, missing_ok=True)
            if manifest.get("created_lock") and root is not None:
                fsio.unlink(root, root / paths.LOCK, missing_ok=True)
        for d in sorted(manifest.get("dirs", []), key=lambda p: p.count("/"), reverse=True):
            try:
                fsio.rmdir(w.root, base / d)
            except FileNotFoundError:
                pass
            except (OSError, CadenceError):
                dirs_left.append(d)
        if keep:
            manifest["dirs"] = dirs_left
            save_manifest(mpath, manifest, w.root)
    counts: dict[str, int] = {}
    for p in plan:
        counts[p["action"]] = counts.get(p["action"], 0) + 1
    return {"clients": sorted(selected & installed, key=ORDER.index), "scope": scope, "plan": plan, "counts": counts,
            "warnings": warnings, "left_modified": left, "dry_run": dry_run}
