"""Knowledge base operations: list, show, search, and project-local overrides in `.cadence/knowledge/`."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from cadence.errors import PRECONDITION, USAGE, CadenceError, did_you_mean
from cadence.project import paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _overrides(root: Path | None) -> dict[str, Path]:
    if root is None:
        return {}
    from cadence.project import fsio
    out = {}
    try:
        found = fsio.listdir(root, root / paths.KNOWLEDGE, "*.md")  # exactly what `run` injects
    except CadenceError:
        return {}  # a knowledge directory linked out of the repository holds no overrides
    for p in found:
        try:
            if p.is_file():
                out[p.stem] = fsio.real_path(root, p)
        except CadenceError:
            continue  # a symlink out of the repository is never an override
    return out


def entries(root: Path | None) -> list[dict[str, Any]]:
    from cadence.content.loader import knowledge_index
    idx = knowledge_index()["entries"]
    over = _overrides(root)
    out = []
    for name in sorted(set(idx) | set(over)):
        e = idx.get(name)
        out.append({"name": name, "category": e["category"] if e else "project",
                    "description": e["description"] if e else _description(root, over[name]),
                    "topics": e["topics"] if e else [], "source": "override" if name in over else "library"})
    return out


def _description(root: Path | None, path: Path) -> str:
    from cadence.core.frontmatter import FrontmatterError, split
    from cadence.project import fsio
    try:
        fm, _ = split(fsio.read_text(root, path))
    except (OSError, UnicodeDecodeError, FrontmatterError, CadenceError):
        return ""
    m = re.search(r"^description:[ \t]*(.*)$", fm, re.M)
    return m.group(1).strip().strip("\"'") if m else ""


def _library_path(name: str) -> Path | None:
    from cadence.content.loader import knowledge_path
    return knowledge_path(name)


def _unknown(name: str, root: Path | None) -> CadenceError:
    names = [e["name"] for e in entries(root)]
    return CadenceError("UNKNOWN_KNOWLEDGE", f"no knowledge entry named {name!r}",
                        (did_you_mean(name, names) + " Try 'cadence knowledge search WORD'.").strip(), USAGE)


def show(root: Path | None, name: str) -> dict[str, Any]:
    paths.validate_name(name, "knowledge entry name")
    over = _overrides(root)
    path = over.get(name) or _library_path(name)
    if path is None:
        raise _unknown(name, root)
    from cadence.project import fsio
    return {"name": name, "source": "override" if name in over else "library", "path": str(path),
            "content": fsio.read_text(root if name in over else None, path)}


def search(root: Path | None, query: str, limit: int = 20) -> dict[str, Any]:
    """Entries ranked by how many of the words they match, then by score.

    Score: per word 5 in the name, 3 in the topics, 2 in the description; an entry of the project's own
    type gets +3. An entry whose name, topics and description match no word counts only when its body
    holds every word (1 point per occurrence, at most 3 per word), and ranks after the others."""
    words = [w for w in re.split(r"\W+", query.lower()) if w]
    if not words:
        raise CadenceError("USAGE", "search needs at least one word", "cadence knowledge search caching", USAGE)
    from cadence.content.loader import knowledge_index
    idx = knowledge_index()["entries"]
    over = _overrides(root)
    ptype = _project_type(root)
    results = []
    for e in entries(root):
        name, desc, topics = e["name"].lower(), e["description"].lower(), " ".join(e["topics"]).lower()
        hits = [5 * (w in name) + 3 * (w in topics) + 2 * (w in desc) for w in words]
        matched = sum(1 for h in hits if h)
        score = sum(hits)
        if matched == 0:
            body = _read_body(root, e["name"], over, idx)
            counts = [min(body.count(w), 3) for w in words]
            if not all(counts):
                continue
            score = sum(counts)
        boost = 3 if ptype and e["category"] == ptype else 0
        results.append({**e, "score": score + boost, "matched": matched, "boost": boost})
    results.sort(key=lambda r: (-r["matched"], -r["score"], r["name"]))
    return {"query": query, "words": len(words), "project_type": ptype,
            "results": results[:max(1, min(limit, 100))]}


def _project_type(root: Path | None) -> str | None:
    if root is None or not (root / paths.CONFIG).is_file():
        return None
    from cadence.content.loader import pipeline_index
    from cadence.project.config import load_config
    try:
        cfg, _ = load_config(root, tuple(pipeline_index()["steps"]))
    except CadenceError:
        return None
    ptype = cfg["project"].get("type")
    return str(ptype) if ptype else None


def _read_body(root: Path | None, name: str, over: dict[str, Path], idx: dict[str, Any]) -> str:
    from cadence.content.loader import content_dir
    from cadence.project import fsio
    path = over.get(name) or (content_dir() / idx[name]["path"] if name in idx else None)
    try:
        return fsio.read_text(root if name in over else None, path).lower() if path else ""
    except (OSError, UnicodeDecodeError, CadenceError):
        return ""


def override(root: Path, name: str, force: bool = False) -> dict[str, Any]:
    paths.validate_name(name, "knowledge entry name")
    paths.require_project(root)
    src = _library_path(name)
    if src is None:
        raise _unknown(name, root)
    dest = root / paths.KNOWLEDGE / f"{name}.md"
    if os.path.lexists(dest) and not force:
        raise CadenceError("OVERRIDE_EXISTS", f"{paths.KNOWLEDGE}/{name}.md already exists",
                           "Edit it, or pass --force to replace it with the library version.", PRECONDITION)
    from cadence.project import fsio
    fsio.atomic_write(root, dest, src.read_bytes())
    return {"name": name, "path": f"{paths.KNOWLEDGE}/{name}.md", "source": str(src)}


def reset(root: Path, name: str, force: bool = False) -> dict[str, Any]:
    paths.validate_name(name, "knowledge entry name")
    from cadence.project import fsio
    dest = root / paths.KNOWLEDGE / f"{name}.md"
    if not os.path.lexists(dest):
        return {"name": name, "removed": False}
    src = _library_path(name)
    if not force and (src is None or src.read_bytes() != fsio.read_bytes(root, dest)):
        raise CadenceError("OVERRIDE_MODIFIED", f"{paths.KNOWLEDGE}/{name}.md differs from the library entry",
                           "Pass --force to delete your edits (or commit them first).", PRECONDITION)
    fsio.unlink(root, dest)
    return {"name": name, "removed": True}


# ---------------------------------------------------------------- freshness

REVIEW_MONTHS = {"low": 24, "medium": 12, "high": 6}  # volatility → longest time between reviews (authoring.md)


def eol_table(cdir: Path | None = None) -> dict[str, Any]:
    """content/eol.yml: `{"products": {product: {version: date}}, "untracked": [product]}` (empty when absent)."""
    from cadence import yamlio
    from cadence.content.loader import content_dir
    path = (cdir or content_dir()) / "eol.yml"
    try:
        data = yamlio.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"products": {}, "untracked": []}
    except (OSError, UnicodeDecodeError, yamlio.YamlError) as exc:
        raise CadenceError("EOL_TABLE_INVALID", f"{path}: {exc}", "Restore eol.yml from the cadence release.",
                           USAGE) from None
    products = data.get("products") if isinstance(data, dict) else None
    if not isinstance(products, dict) or not all(isinstance(v, dict) for v in products.values()):
        raise CadenceError("EOL_TABLE_INVALID", f"{path}: expected products: {{product: {{version: date}}}}",
                           "Restore eol.yml from the cadence release.", USAGE)
    return {"products": products, "untracked": list(data.get("untracked") or [])}


def add_months(day: date, months: int) -> date:
    import calendar
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _freshness(root: Path | None) -> list[dict[str, Any]]:
    """Every entry's review data; a project override is judged by its own frontmatter."""
    from cadence.content.loader import knowledge_index
    idx = knowledge_index()["entries"]
    over = _overrides(root)
    out = []
    for name in sorted(set(idx) | set(over)):
        if name in over:
            meta = _override_meta(over[name])
            rec = {"name": name, "category": idx[name]["category"] if name in idx else "project", "source": "override",
                   "path": over[name].relative_to(root).as_posix() if root else str(over[name]), **meta}
        else:
            e = idx[name]
            rec = {"name": name, "category": e["category"], "source": "library", "path": e["path"],
                   "last_reviewed": e.get("last_reviewed"), "volatility": e.get("volatility"),
                   "pins": e.get("pins") or {}}
        out.append(rec)
    return out


def _override_meta(path: Path) -> dict[str, Any]:
    from pydantic import ValidationError

    from cadence import yamlio
    from cadence.content.models import KnowledgeMeta
    from cadence.core.frontmatter import FrontmatterError, split
    try:
        fm, _ = split(path.read_text(encoding="utf-8"))
        meta = KnowledgeMeta.model_validate(yamlio.load(fm))
    except (OSError, UnicodeDecodeError, FrontmatterError, yamlio.YamlError, ValidationError):
        return {"last_reviewed": None, "volatility": None, "pins": {}}
    return {"last_reviewed": meta.last_reviewed.isoformat() if meta.last_reviewed else None,
            "volatility": meta.volatility, "pins": meta.pins}


def stale(root: Path | None, as_of: date | None = None) -> dict[str, Any]:
    """Entries whose last review is older than their volatility allows, or that pin a version past end of life."""
    as_of = as_of or date.today()
    eol = eol_table()["products"]
    found, untracked, checked = [], [], 0
    for rec in _freshness(root):
        if rec["last_reviewed"] is None or rec["volatility"] is None:
            untracked.append(rec["name"])
            continue
        checked += 1
        due = add_months(date.fromisoformat(rec["last_reviewed"]), REVIEW_MONTHS[rec["volatility"]])
        ended = []
        for product, version in sorted(rec["pins"].items()):
            end = eol.get(product, {}).get(version)
            if isinstance(end, date) and end < as_of:
                ended.append({"product": product, "version": version, "eol": end.isoformat()})
        if due < as_of or ended:
            found.append({"name": rec["name"], "category": rec["category"], "source": rec["source"],
                          "path": rec["path"], "last_reviewed": rec["last_reviewed"], "volatility": rec["volatility"],
                          "review_due": due.isoformat(), "review_overdue": due < as_of, "eol": ended})
    return {"as_of": as_of.isoformat(), "checked": checked, "stale": found, "untracked": untracked}


def stale_reason(item: dict[str, Any]) -> str:
    parts = []
    if item["review_overdue"]:
        parts.append(f"review was due {item['review_due']} (volatility {item['volatility']}, "
                     f"last reviewed {item['last_reviewed']})")
    parts += [f"pins {e['product']} {e['version']}, past end of life since {e['eol']}" for e in item["eol"]]
    return "; ".join(parts)
