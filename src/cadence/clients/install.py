"""Install, upgrade and uninstall: the manifest, managed blocks, owned keys, exact restore.

The manifest (`.cadence/manifest.json`, or `~/.config/cadence/manifest.json` for `--scope
user`) records every artifact cadence wrote:

* whole files: path, clients, kind, sha256, cadence version (`adopted` when an identical
  file was already there, `user_file` when a different one was, `pending` for the hash of a
  `<file>.cadence-new` written beside a file the user changed);
* managed blocks and owned keys: the hash of the whole file after install (`after`), whether
  install created the file, the owned keys with the hash of their value and the exact text
  of any value they replaced (`prior`), and — only when stripping cadence's part would not
  give the original bytes back (e.g. TOML re-layout, `{ }`) — the original text (`before`).

Uninstall therefore restores a file byte for byte when nobody touched it since install,
and otherwise removes only cadence's block / keys, keeping the user's edits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cadence.clients import ORDER, renderer
from cadence.clients.base import Block, File, Keys, RenderContext
from cadence.clients.manifest import (
    MANIFEST_VERSION,
    NEW_SUFFIX,
    cadence_version,
    drift,
    load_manifest,
    manifest_path,
    save_manifest,
    sha,
    value_sha,
)
from cadence.clients.planning import build_context, default_clients, render
from cadence.clients.uninstall import remove_entry
from cadence.clients.writer import Writer, decoded, document, strip_block, strip_keys
from cadence.errors import ASSEMBLY, USAGE, CadenceError
from cadence.project import blocks, fsio, paths


def install(root: Path | None, clients: list[str] | None = None, scope: str = "project", dry_run: bool = False,
            force: bool = False, everything: bool | None = None) -> dict[str, Any]:
    """`everything` (install --all / --no-all) is remembered in the manifest; None keeps what it says."""
    if scope == "project" and root is None:
        raise CadenceError("USAGE", "a project install needs a project root", "Pass --root DIR.", USAGE)
    clients = list(dict.fromkeys(clients or default_clients(root)))
    for c in clients:
        renderer(c)
    manifest = load_manifest(manifest_path(root, scope), root if scope == "project" else None)
    if everything is None:
        everything = bool(manifest.get("all"))
    ctx = build_context(root, scope, everything)
    ctx.clients = tuple(c for c in ORDER if c in clients or any(c in e.get("clients", []) for e in manifest["entries"]))
    base = ctx.base
    mpath = manifest_path(root, scope)
    lock_rel = paths.LOCK
    cadence_dir = root / paths.DIR if root is not None else None
    if (scope == "project" and not dry_run and root is not None and cadence_dir is not None
            and (cadence_dir.is_dir() or not os.path.lexists(cadence_dir))):
        from cadence.project.lock import project_lock
        # A repository without `.cadence/` gets one (recorded, for the manifest). The lock is held
        # while installing; in a project that is not initialised (no config.yml, so no .gitignore
        # block for the lock) a lock file install created is removed again afterwards, so every
        # install leaves the same tree and `git status` shows only the manifest.
        made_dir = not cadence_dir.exists()
        if made_dir:
            fsio.mkdirs(root, cadence_dir)
        created_lock = not (root / lock_rel).exists()
        drop_lock = False
        try:
            with project_lock(root, "install"):
                try:
                    return _install(ctx, base, mpath, clients, dry_run, force,
                                    made_dirs=[paths.DIR] if made_dir else [])
                finally:
                    if created_lock and not (root / paths.CONFIG).is_file():
                        drop_lock = True
                    elif created_lock:  # install made .cadence/.lock: uninstall (or this failure) removes it again
                        m = load_manifest(mpath, root)
                        if m["entries"] and not m.get("created_lock"):
                            m["created_lock"] = True
                            save_manifest(mpath, m, root)
                        drop_lock = not m["entries"]
        finally:
            if drop_lock:
                fsio.unlink(root, root / lock_rel, missing_ok=True)
                if made_dir and not mpath.exists():
                    try:
                        fsio.rmdir(root, cadence_dir)
                    except OSError:
                        pass
    return _install(ctx, base, mpath, clients, dry_run, force)


def _install(ctx: RenderContext, base: Path, mpath: Path, clients: list[str], dry_run: bool,
             force: bool, made_dirs: list[str] | None = None) -> dict[str, Any]:
    w = Writer(base, dry_run, confined=ctx.scope == "project")
    manifest = load_manifest(mpath, w.root)
    entries = {(e["path"], e["type"]): e for e in manifest["entries"]}
    arts = render(ctx, clients)
    w.created_dirs += made_dirs or []
    plan: list[dict[str, Any]] = []
    warnings: list[str] = []
    version = cadence_version()
    if scope_is_under(mpath, base) and not mpath.parent.exists() and not dry_run:
        d = mpath.parent
        missing = []
        while not d.exists():
            missing.append(d)
            d = d.parent
        w.created_dirs += [m.relative_to(base).as_posix() for m in reversed(missing)]
    for (rel, typ), (art, _) in arts.items():  # every path is checked and every shared file parsed first
        _preflight(w, rel, typ)
        if typ == "keys":
            _parse_keys_file(w, art)
    try:
        for (rel, typ), (art, cl) in arts.items():
            e = entries.get((rel, typ))
            if typ == "file":
                action, e = _install_file(w, art, e, force, warnings)
            elif typ == "block":
                action, e = _install_block(w, art, e)
            else:
                action, e = _install_keys(w, art, e, force, warnings)
            if e is not None:  # a shared artifact keeps the clients installed earlier (AGENTS.md: codex + opencode)
                prior = entries.get((rel, typ)) or {}
                e["clients"] = sorted(set(prior.get("clients", [])) | set(e.get("clients", [])) | set(cl),
                                      key=ORDER.index)
                e["version"] = version
                e["kind"] = art.kind
                entries[(rel, typ)] = e
            plan.append({"path": rel, "type": typ, "kind": art.kind, "clients": cl, "action": action})
    except BaseException:
        if not dry_run:  # record what was written before the failure, so uninstall can still undo it
            manifest["entries"] = list(entries.values())
            manifest["dirs"] = sorted(set(manifest["dirs"]) | set(w.created_dirs))
            manifest.setdefault("version", MANIFEST_VERSION)
            manifest["scope"] = ctx.scope
            if manifest["entries"]:
                save_manifest(mpath, manifest, w.root)
        raise
    # files an earlier version shipped for these clients that this one no longer renders
    dropped = False
    for key, e in list(entries.items()):
        if key in arts or not set(e.get("clients", [])) & set(clients):
            continue
        others = [c for c in e["clients"] if c not in clients]
        if others:
            e["clients"] = others
            continue
        action = remove_entry(w, e, warnings)
        plan.append({"path": e["path"], "type": e["type"], "kind": e.get("kind"), "clients": e["clients"],
                     "action": action})
        if action != "kept-modified":
            del entries[key]
            dropped = True
    if dropped and not dry_run:  # directories install created that the removed files leave empty
        keep_dirs = {mpath.parent}
        for d in sorted(manifest["dirs"], key=lambda p: p.count("/"), reverse=True):
            path = base / d
            if path in keep_dirs or path in mpath.parents:
                continue
            try:
                fsio.rmdir(w.root, path)
                manifest["dirs"].remove(d)
            except (OSError, CadenceError):
                pass
    manifest["entries"] = list(entries.values())
    manifest["version"] = MANIFEST_VERSION
    manifest["scope"] = ctx.scope
    manifest["dirs"] = sorted(set(manifest["dirs"]) | set(w.created_dirs))
    if ctx.everything:
        manifest["all"] = True
    else:
        manifest.pop("all", None)
    changed = [p for p in plan if p["action"] not in ("keep", "skip")]
    if not dry_run and (changed or mpath.exists() or manifest["entries"]):
        save_manifest(mpath, manifest, w.root)
    counts: dict[str, int] = {}
    for p in plan:
        counts[p["action"]] = counts.get(p["action"], 0) + 1
    notes = [renderer(c).project_note for c in clients if ctx.scope == "project" and renderer(c).project_note]
    return {"clients": clients, "scope": ctx.scope, "base": str(base), "manifest": str(mpath), "dry_run": dry_run,
            "plan": plan, "counts": counts, "warnings": warnings, "notes": notes}


def scope_is_under(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
        return True
    except ValueError:
        return False


def _install_file(w: Writer, art: File, e: dict[str, Any] | None, force: bool,
                  warnings: list[str]) -> tuple[str, dict[str, Any] | None]:
    new = art.content.encode("utf-8")
    cur = w.read(art.path)
    new_path = art.path + NEW_SUFFIX
    e = dict(e) if e else None
    if cur is None:
        w.write(art.path, new)
        e = {"path": art.path, "type": "file", "sha256": sha(new)}
        action = "create"
    elif cur == new:
        if e is None or e.get("user_file"):
            e = {"path": art.path, "type": "file", "sha256": sha(new), "adopted": True}
        else:
            e["sha256"] = sha(new)
        action = "keep"
    elif e is not None and not e.get("user_file") and not e.get("adopted") and sha(cur) == e.get("sha256"):
        w.write(art.path, new)
        e["sha256"] = sha(new)
        action = "update"
    elif force:
        if e is None or e.get("user_file") or e.get("adopted"):
            pending = (e or {}).get("pending")
            e = {"path": art.path, "type": "file", "before": cur.decode("utf-8", errors="surrogateescape")}
            if pending:
                e["pending"] = pending
        w.write(art.path, new)
        e["sha256"] = sha(new)
        action = "overwrite"
    else:
        if w.read(new_path) != new:
            w.write(new_path, new)
        if e is None:
            e = {"path": art.path, "type": "file", "sha256": None, "user_file": True}
        e["pending"] = sha(new)
        warnings.append(f"{art.path} was changed by hand: kept it and wrote the new version to {new_path} "
                        "(merge it, or re-run with --force to overwrite)")
        return "conflict", e
    if e is not None and e.pop("pending", None) is not None and w.read(new_path) is not None:
        w.delete(new_path)
    return action, e


def _upsert_block(text: str, body: str, comment: str) -> str:
    """`blocks.upsert`, except that an existing block keeps its own newline style (so a file with
    mixed newlines does not flip the block's style on every install)."""
    span = blocks.find(text, comment)
    if span is None:
        return blocks.upsert(text, body, comment)
    s, e = span
    old = text[s:e]
    nl = "\r\n" if "\r\n" in old else "\n"
    start_m, end_m = blocks.markers(comment)
    block = nl.join([start_m, *body.rstrip("\n").split("\n"), end_m]) + (nl if old.endswith("\n") else "")
    rest = text[e:]
    while (dup := blocks.find(rest, comment)) is not None:
        rest = rest[:dup[0]] + rest[dup[1]:]
    return text[:s] + block + rest


def _write_if_changed(w: Any, path: str, new: str, cur: str | None, cur_b: bytes | None) -> str:
    """Write `new` when it differs from the current bytes; the plan action that describes it."""
    if new.encode("utf-8") == cur_b:
        return "keep"
    w.write(path, new.encode("utf-8"))
    return "create" if cur is None else "update"


def _install_block(w: Writer, art: Block, e: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    cur_b = w.read(art.path)
    cur = decoded(cur_b)
    new = _upsert_block(cur or "", art.body, art.comment)
    created = cur is None or bool(e and e.get("created"))
    if cur is not None and blocks.find(cur, art.comment) is not None:
        added_eol = bool(e and e.get("added_eol"))
    else:
        added_eol = bool(cur) and not (cur or "").endswith("\n")
    if cur is None:
        before = None
    elif e is not None and sha(cur_b) == e.get("after") and "before" in e:
        before = e["before"]
    else:
        before = strip_block(cur, art.comment, created, added_eol)
    entry: dict[str, Any] = {"path": art.path, "type": "block", "comment": art.comment, "created": created}
    if added_eol:
        entry["added_eol"] = True
    if strip_block(new, art.comment, created, added_eol) != before:
        entry["before"] = before
    action = _write_if_changed(w, art.path, new, cur, cur_b)
    entry["sha256"] = sha(art.body)
    entry["after"] = sha(new)
    return action, entry


def _preflight(w: Writer, rel: str, typ: str) -> None:
    """Before the first write: the path is confined, nothing on the way is a file, the path itself is not a
    directory, and a shared text file is UTF-8 (so a broken tree stops install with nothing written)."""
    path = w.abs(rel)
    d = path.parent
    while d != w.base and d != d.parent:
        if os.path.lexists(d) and not d.is_dir():
            where = d.relative_to(w.base).as_posix() if w.base in d.parents else str(d)
            raise CadenceError("INSTALL_PATH_BLOCKED", f"{where} is a file, so cadence cannot write {rel}",
                               f"Move {where} away (cadence needs a directory there), then re-run 'cadence install'. "
                               "Nothing was written.", ASSEMBLY)
        d = d.parent
    if path.is_dir():
        raise CadenceError("INSTALL_PATH_BLOCKED", f"{rel} is a directory, so cadence cannot write that file",
                           f"Move {rel} away, then re-run 'cadence install'. Nothing was written.", ASSEMBLY)
    if typ == "block":
        try:
            decoded(w.read(rel))
        except UnicodeDecodeError as exc:
            raise CadenceError("CONFIG_FILE_INVALID", f"{rel} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                               f"Save {rel} as UTF-8 (cadence adds a managed block to it and never rewrites a file "
                               "it cannot read), then re-run 'cadence install'. Nothing was written.",
                               ASSEMBLY) from None


def _parse_keys_file(w: Writer, art: Keys) -> Any:
    try:
        doc = document(art.fmt, decoded(w.read(art.path)))
    except Exception as exc:  # noqa: BLE001 - JsoncError, tomlkit's ParseError, bad UTF-8
        raise CadenceError("CONFIG_FILE_INVALID", f"{art.path} cannot be parsed: {exc}",
                           f"Fix {art.path} (cadence merges its keys into it and never rewrites a broken file), "
                           "then re-run 'cadence install'. Nothing was written.", ASSEMBLY) from None
    for key in art.keys:
        where = _blocked(doc, key.path)
        if where is not None and not key.default:
            raise CadenceError("CONFIG_FILE_INVALID", f"{art.path}: {where} is not an object, so cadence cannot "
                               f"add {'.'.join(key.path)}",
                               f"Make {where} an object (or remove it) in {art.path}, then re-run 'cadence install'. "
                               "Nothing was written.", ASSEMBLY)
    return doc


def _blocked(doc: Any, path: tuple[str, ...]) -> str | None:
    """The dotted key of a non-object value that sits where `path` needs an object, if any."""
    n = doc.existing_prefix(path)
    if 0 < n < len(path) and not isinstance(doc.get(path[:n]), dict):
        return ".".join(path[:n])
    return None


def _install_keys(w: Writer, art: Keys, e: dict[str, Any] | None, force: bool,
                  warnings: list[str]) -> tuple[str, dict[str, Any] | None]:
    cur_b = w.read(art.path)
    cur = decoded(cur_b)
    doc = _parse_keys_file(w, art)
    records: list[dict[str, Any]] = [dict(r) for r in (e or {}).get("keys", [])] if cur is not None else []
    created = cur is None or bool(e and e.get("created"))
    if cur is None:
        before = None
    elif e is None:
        before = cur
    elif sha(cur_b) == e.get("after") and "before" in e:
        before = e["before"]
    else:
        before = strip_keys(art.fmt, cur, records, created)
    conflict = False
    wanted: list[dict[str, Any]] = []
    for key in art.keys:
        path = key.path
        rec = next((r for r in records if tuple(r["path"]) == path[:len(r["path"])]), None)
        if rec is not None:
            rp = tuple(rec["path"])
            if doc.has(rp) and value_sha(doc.get(rp)) != rec["sha256"] and not force:
                conflict = True
                warnings.append(f"{art.path}: {'.'.join(rp)} was changed by hand; kept your value "
                                "(re-run with --force to reset it)")
            else:
                doc.set(path, key.value)
                rec["sha256"] = value_sha(doc.get(rp))
            if rec not in wanted:
                wanted.append(rec)
            continue
        if key.default and (doc.has(path) or _blocked(doc, path) is not None):
            continue  # the user has set it (or set its parent to something else): theirs
        n = doc.existing_prefix(path)
        owned = path if n == len(path) else path[:n + 1]
        rec = {"path": list(owned), "had_prior": n == len(path)}
        if n == len(path):
            rec["prior"] = doc.raw(path)
        doc.set(path, key.value)
        rec["sha256"] = value_sha(doc.get(owned))
        records.append(rec)
        wanted.append(rec)
    for rec in records:  # keys an earlier version owned and this one does not: give them back
        if rec not in wanted:
            p = tuple(rec["path"])
            if doc.has(p) and value_sha(doc.get(p)) == rec["sha256"]:
                if rec.get("had_prior"):
                    doc.set_raw(p, rec["prior"])
                else:
                    doc.delete(p)
    new = str(doc.text)
    if cur is None and not new.endswith("\n"):
        new += "\n"
    entry: dict[str, Any] = {"path": art.path, "type": "keys", "fmt": art.fmt, "created": created, "keys": wanted}
    if strip_keys(art.fmt, new, wanted, created) != before:
        entry["before"] = before
    action = _write_if_changed(w, art.path, new, cur, cur_b)
    entry["after"] = sha(new)
    # every manifest entry carries a sha256 (spec): for owned keys, the hash of what cadence owns
    entry["sha256"] = sha(json.dumps([[r["path"], r["sha256"]] for r in wanted], sort_keys=True))
    return ("conflict" if conflict else action), entry


def repair(root: Path, scope: str = "project") -> list[str]:
    """Reinstall files that are missing and were unmodified (the safe repair)."""
    d = drift(root, scope)
    if not d["missing"] or not d["clients"]:
        return []
    install(root, d["clients"], scope)
    return list(d["missing"])
