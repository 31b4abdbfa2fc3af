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

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from cadence.clients import ORDER, renderer
from cadence.clients.base import Block, File, Keys, RenderContext
from cadence.errors import ASSEMBLY, USAGE, CadenceError
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


def _version() -> str:
    from cadence import __version__
    return __version__


# ---------------------------------------------------------------- locations

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


# ---------------------------------------------------------------- render context

def server_command(everything: bool = False) -> list[str]:
    """How clients start the server: `cadence mcp` when `cadence` is on PATH, else this interpreter; the lean
    tier (every tool behind its entry point: read, plan, write), or every tool by name for `install --all`."""
    override = os.environ.get("CADENCE_MCP_COMMAND")
    tier = ["--tools", "all" if everything else "lean"]
    if override:
        import shlex
        return [*shlex.split(override), *tier]
    if shutil.which("cadence"):
        return ["cadence", "mcp", *tier]
    return [sys.executable, "-m", "cadence", "mcp", *tier]


def _knowledge(names: set[str], root: Path | None) -> dict[str, dict[str, str]]:
    from cadence.content.loader import knowledge_index, read_body
    from cadence.core.frontmatter import section
    from cadence.pipeline.knowledge import _overrides
    idx = knowledge_index()["entries"]
    over = _overrides(root)
    lib = None
    out: dict[str, dict[str, str]] = {}
    for name in sorted(names):
        path: Path | None = over.get(name)
        if path is None and name in idx:
            lib = lib or __import__("cadence.content.loader", fromlist=["content_dir"]).content_dir()
            path = lib / "knowledge" / idx[name]["category"] / f"{name}.md"
        if path is None or not path.is_file():
            continue
        body = read_body(path)
        out[name] = {"description": idx[name]["description"] if name in idx else name,
                     "summary": section(body, "Summary") or "", "deep": section(body, "Deep Guidance") or body}
    return out


def build_context(root: Path | None, scope: str, everything: bool = False) -> RenderContext:
    """What to render: every agent; the steps the project has enabled (and every tool); the skill packs for
    its project type. `everything` (install --all) renders every step and pack, as before."""
    from cadence.content.loader import load_agents, load_skills, pipeline_index
    from cadence.core.phases import PHASE_INDEX
    agents, problems = load_agents()
    skills, sproblems = load_skills()
    problems += sproblems
    if problems:
        first = problems[0]
        raise CadenceError("CONTENT_INVALID", f"{len(problems)} problem(s) in the content library, first: "
                           f"{first['file']}: {first['field']}: {first['message']}",
                           "Run 'cadence validate' for the full list; nothing was written.", ASSEMBLY)
    index = pipeline_index()
    steps = sorted(index["steps"].values(), key=lambda s: (PHASE_INDEX.get(s["phase"], 99), s["order"] or 0, s["name"]))
    models: dict[str, Any] = {}
    ptype: str | None = None
    if root is not None and (root / paths.CONFIG).is_file():
        from cadence.pipeline.project import open_project
        proj = open_project(root)
        models = proj.config.get("models") or {}
        ptype = proj.pipeline.project_type
        if not everything:
            steps = [s for s in steps if proj.pipeline.steps[s["name"]].enabled
                     and proj.pipeline.steps[s["name"]].applicable is not False]
    steps += sorted(index["tools"].values(), key=lambda s: s["name"])
    if ptype is None and not everything and not (root is not None and (root / paths.CONFIG).is_file()):
        steps = []  # no config: every step and tool needs `cadence init`, which renders them
    if not everything:
        skills = {n: p for n, p in skills.items() if _pack_applies(p, ptype)}
    entries = {e for p in skills.values() for e in p["entries"]}
    return RenderContext(scope=scope, base=scope_base(root, scope), root=root, agents=dict(sorted(agents.items())),
                         skills=dict(sorted(skills.items())), knowledge=_knowledge(entries, root), steps=steps,
                         models=models, server_command=server_command(everything), everything=everything)


def _pack_applies(pack: dict[str, Any], ptype: str | None) -> bool:
    """A pack is rendered for the project types it names (`all`: always; `none`: projects without a type)."""
    wanted = pack.get("project_types") or ["all"]
    return "all" in wanted or (ptype or "none") in wanted


def default_clients(root: Path | None) -> list[str]:
    if root is not None and (root / paths.CONFIG).is_file():
        from cadence.content.loader import pipeline_index
        from cadence.project.config import load_config
        try:
            cfg, _ = load_config(root, tuple(pipeline_index()["steps"]))
            if cfg.get("clients"):
                return list(cfg["clients"])
        except CadenceError:
            pass
    detected = [c for c in ORDER if shutil.which(renderer(c).binary)]
    return detected or ["claude"]


def render(ctx: RenderContext, clients: list[str]) -> dict[tuple[str, str], tuple[Any, list[str]]]:
    """(path, type) → (artifact, clients). Identical artifacts from several clients are merged."""
    out: dict[tuple[str, str], tuple[Any, list[str]]] = {}
    for c in clients:
        for art in renderer(c).render(ctx):
            key = (art.path, _type(art))
            if key in out:
                prev, cl = out[key]
                if isinstance(art, Keys):
                    have = {k.path for k in prev.keys}
                    prev.keys += [k for k in art.keys if k.path not in have]
                if c not in cl:
                    cl.append(c)
            else:
                out[key] = (art, [c])
    return out


def _type(art: Any) -> str:
    return "file" if isinstance(art, File) else "block" if isinstance(art, Block) else "keys"


# ---------------------------------------------------------------- file helpers

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


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8")


def _doc(fmt: str, text: str | None) -> Any:
    if fmt == "toml":
        from cadence.clients.tomldoc import TomlDocument
        return TomlDocument(text or "")
    from cadence.clients.jsonc import Document, JsoncError
    try:
        return Document(text if text is not None and text.strip() else "{}")
    except JsoncError as exc:
        raise exc


def _strip_keys(fmt: str, text: str, records: list[dict[str, Any]], created: bool,
                report: list[str] | None = None) -> str | None:
    """`text` without cadence's keys (priors restored); None when install created the file and nothing else is left."""
    doc = _doc(fmt, text)
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


def _strip_block(text: str, comment: str, created: bool, added_eol: bool = False) -> str | None:
    span = blocks.find(text, comment)
    out = blocks.remove(text, comment)
    nl = "\r\n" if "\r\n" in text else "\n"
    if added_eol and span is not None and text[span[1]:] == "" and out.endswith(nl):
        out = out[:-len(nl)]  # the newline install added after a last line that had none
    if created and out.strip() == "":
        return None
    return out


# ---------------------------------------------------------------- install

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
    version = _version()
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
        action = _remove_entry(w, e, warnings)
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
    cur = _text(cur_b)
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
        before = _strip_block(cur, art.comment, created, added_eol)
    entry: dict[str, Any] = {"path": art.path, "type": "block", "comment": art.comment, "created": created}
    if added_eol:
        entry["added_eol"] = True
    if _strip_block(new, art.comment, created, added_eol) != before:
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
            _text(w.read(rel))
        except UnicodeDecodeError as exc:
            raise CadenceError("CONFIG_FILE_INVALID", f"{rel} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                               f"Save {rel} as UTF-8 (cadence adds a managed block to it and never rewrites a file "
                               "it cannot read), then re-run 'cadence install'. Nothing was written.",
                               ASSEMBLY) from None


def _parse_keys_file(w: Writer, art: Keys) -> Any:
    try:
        doc = _doc(art.fmt, _text(w.read(art.path)))
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
    cur = _text(cur_b)
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
        before = _strip_keys(art.fmt, cur, records, created)
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
    if _strip_keys(art.fmt, new, wanted, created) != before:
        entry["before"] = before
    action = _write_if_changed(w, art.path, new, cur, cur_b)
    entry["after"] = sha(new)
    # every manifest entry carries a sha256 (spec): for owned keys, the hash of what cadence owns
    entry["sha256"] = sha(json.dumps([[r["path"], r["sha256"]] for r in wanted], sort_keys=True))
    return ("conflict" if conflict else action), entry


# ---------------------------------------------------------------- uninstall

def _remove_entry(w: Writer, e: dict[str, Any], warnings: list[str]) -> str:
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
            result = _strip_block(cur, e.get("comment", "<!--"), created, bool(e.get("added_eol")))
    else:
        report: list[str] = []
        if sha(cur_b) == e.get("after") and "before" in e:
            result = e["before"]
        else:
            try:
                result = _strip_keys(e["fmt"], cur, e.get("keys", []), created, report)
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
        action = _remove_entry(w, e, warnings)
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


# ---------------------------------------------------------------- drift (doctor)

def drift(root: Path | None, scope: str = "project") -> dict[str, Any]:
    base = scope_base(root, scope)
    mpath = manifest_path(root, scope)
    confine = manifest_root(root, scope)
    manifest = load_manifest(mpath, confine)
    version = _version()
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


def repair(root: Path, scope: str = "project") -> list[str]:
    """Reinstall files that are missing and were unmodified (the safe repair)."""
    d = drift(root, scope)
    if not d["missing"] or not d["clients"]:
        return []
    install(root, d["clients"], scope)
    return list(d["missing"])
