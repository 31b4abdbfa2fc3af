"""Facts about a repository that need no config: greenfield or brownfield, project-type guesses,
and the signals `cadence check` reports for steps whose applicability depends on the repo."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MANIFESTS = ("package.json", "pyproject.toml", "setup.py", "setup.cfg", "Cargo.toml", "go.mod", "pom.xml",
             "build.gradle", "build.gradle.kts", "Gemfile", "composer.json", "mix.exs", "Package.swift")
SOURCE_DIRS = ("src", "lib", "app", "packages", "cmd", "internal")
SOURCE_SUFFIXES = (".py", ".ts", ".tsx", ".js", ".jsx", ".go", ".rs", ".java", ".kt", ".rb", ".cs", ".swift",
                   ".cpp", ".c", ".ex", ".php")
WEB_DEPS = ("react-dom", "next", "@remix-run/react", "gatsby", "@sveltejs/kit", "svelte", "vue", "@angular/core",
            "vite", "nuxt", "astro", "solid-js")
MOBILE_DEPS = ("expo", "react-native")


def count_source_files(root: Path, limit: int = 1000) -> int:
    n = 0
    stack = [(root, 0)]
    while stack and n < limit:
        d, depth = stack.pop()
        try:
            entries = list(d.iterdir())
        except OSError:
            continue
        for e in entries:
            if e.name.startswith(".") or e.name in ("node_modules", "venv", "__pycache__", "target", "dist"):
                continue
            if e.is_dir() and depth < 4:
                stack.append((e, depth + 1))
            elif e.suffix in SOURCE_SUFFIXES:
                n += 1
    return n


def project_mode(root: Path) -> dict[str, Any]:
    """greenfield or brownfield, with the evidence."""
    evidence = [m for m in MANIFESTS if (root / m).is_file()]
    evidence += [f"{d}/" for d in SOURCE_DIRS if (root / d).is_dir()]
    sources = count_source_files(root)
    if sources:
        evidence.append(f"{sources}{'+' if sources >= 1000 else ''} source files")
    commits = _git_commit_count(root)
    if commits > 1:
        evidence.append(f"{commits} commits")
    mode = "brownfield" if (sources > 0 or any(m in evidence for m in MANIFESTS) or commits > 5) else "greenfield"
    if mode == "greenfield":  # a dbt project, a Godot game, an extension: their manifests are not package files
        types = detect_types(root)
        if types["matches"]:
            mode = "brownfield"
            evidence += types["matches"][0]["evidence"][:1]
    return {"mode": mode, "evidence": evidence, "source_files": sources}


def _git_commit_count(root: Path) -> int:
    from cadence.vcs.git import GitError, run_git
    if not (root / ".git").exists():
        return 0
    try:
        out = run_git(root, ["rev-list", "--count", "HEAD"], timeout=5)
        return int(out.strip() or 0)
    except (GitError, ValueError):
        return 0


MAX_LISTED = 5000
LIST_DEPTH = 4
SKIPPED_DIRS = frozenset({"node_modules", "venv", "__pycache__", "target", "dist", "build", "site-packages",
                          "vendor", "bower_components"})
KEPT_DOT_DIRS = frozenset({".github"})


def repo_facts(root: Path) -> Any:
    """What type detection reads: a listing of at most MAX_LISTED files down to LIST_DEPTH directories
    (dot-directories other than .github and dependency/build trees skipped; symlinks never followed), and
    the first MAX_MANIFEST_BYTES of each manifest detection parses."""
    from cadence.core.manifests import MANIFEST_FILES, MAX_MANIFEST_BYTES, RepoFacts
    files: list[str] = []
    stack: list[tuple[Path, str, int]] = [(root, "", 0)]
    while stack and len(files) < MAX_LISTED:
        d, prefix, depth = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.is_symlink():
                continue
            rel = prefix + e.name
            if e.is_dir():
                if depth < LIST_DEPTH and e.name not in SKIPPED_DIRS and (not e.name.startswith(".")
                                                                          or e.name in KEPT_DOT_DIRS):
                    stack.append((Path(e.path), rel + "/", depth + 1))
            elif len(files) < MAX_LISTED:
                files.append(rel)
    texts: dict[str, str] = {}
    listed = set(files)
    for name in MANIFEST_FILES:
        data = read_head(root, root / name, MAX_MANIFEST_BYTES) if name in listed else None
        if data is not None:
            texts[name] = data.decode("utf-8", errors="replace")
    return RepoFacts(frozenset(files), texts)


def read_head(root: Path, path: Path, limit: int) -> bytes | None:
    """The first `limit` bytes of a regular file inside the repository (through fsio: a symlink out of it,
    a FIFO or a device is never read); None when it cannot be read."""
    from cadence.errors import CadenceError
    from cadence.project import fsio
    try:
        fd = fsio.open_read(root, path)
    except (OSError, CadenceError):
        return None
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)


def type_choices(root: Path) -> tuple[str | None, list[str]]:
    """For the wizard: the detected type (or None) and the options, detected candidates first."""
    from cadence.core.settings import TYPE_NAMES
    found = detect_types(root)
    first = [m["type"] for m in found["matches"]]
    guess = found["chosen"]["type"] if found["chosen"] else None
    return guess, list(dict.fromkeys([*first, "none", *TYPE_NAMES]))


def detect_types(root: Path) -> dict[str, Any]:
    """The project types the repository plausibly is, with evidence and implied settings, and the one to use
    without asking (None when there is none or several tie)."""
    from cadence.core.detect_type import choose, detect
    matches, problems = detect(repo_facts(root))
    chosen, candidates = choose(matches)
    return {"matches": [m.to_dict() for m in matches], "chosen": chosen.to_dict() if chosen else None,
            "candidates": [c.type for c in candidates], "problems": problems}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _package_deps(root: Path) -> set[str]:
    try:
        pkg = json.loads(_read(root / "package.json") or "{}")
    except ValueError:
        return set()
    if not isinstance(pkg, dict):
        return set()
    deps: set[str] = set()
    for key in ("dependencies", "devDependencies"):
        if isinstance(pkg.get(key), dict):
            deps.update(pkg[key])
    return deps


def applicability_signals(root: Path, step: str) -> dict[str, Any]:
    """Repository signals for the steps whose applicability the files decide."""
    if step == "add-e2e-testing":
        deps = _package_deps(root)
        web = any(d in deps for d in WEB_DEPS)
        mobile = any(d in deps for d in MOBILE_DEPS)
        platform = "both" if web and mobile else "web" if web else "mobile" if mobile else "none"
        existing = [p for p in ("playwright.config.ts", "playwright.config.js", "maestro/") if (root / p).exists()]
        reasons = [f"package.json suggests platform: {platform}"] if deps else ["no package.json dependencies found"]
        if existing:
            reasons.append("existing e2e setup: " + ", ".join(existing) + " (update mode)")
        return {"applicable": None if not deps else platform != "none", "platform": platform, "existing": existing,
                "reasons": reasons}
    if step == "automated-pr-review":
        from cadence.vcs.git import GitError, run_git
        remote = ""
        if (root / ".git").exists():
            try:
                remote = run_git(root, ["remote", "-v"], timeout=5)
            except GitError:
                remote = ""
        github = "github" in remote
        import shutil
        clis = [c for c in ("codex", "gemini", "claude") if shutil.which(c)]
        return {"applicable": github, "github_remote": github, "ci": (root / ".github/workflows").is_dir(),
                "review_clis": clis, "reasons": ["a GitHub remote is configured" if github else
                                                 "no GitHub remote: PR review automation has nothing to hook into"]}
    if step == "ai-memory-setup":
        rules_dir = root / ".claude/rules"
        rules = sorted(p.name for p in rules_dir.glob("*.md")) if rules_dir.is_dir() else []
        return {"applicable": True, "rules": rules, "reasons": [f"{len(rules)} existing rule file(s)" if rules
                                                                else "no .claude/rules/ yet (fresh setup)"]}
    return {}
