"""Facts about a repository that need no config: greenfield or brownfield, project-type guesses,
and the signals `cadence check` reports for steps whose applicability depends on the repo."""

from __future__ import annotations

import json
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


def guess_project_type(root: Path) -> str | None:
    pkg = _package_deps(root)
    if (root / "manifest.json").is_file() and "manifest_version" in _read(root / "manifest.json"):
        return "browser-extension"
    if (root / "project.godot").is_file() or any(root.glob("*.uproject")) or (root / "Assets").is_dir():
        return "game"
    if any(d in pkg for d in MOBILE_DEPS) or (root / "pubspec.yaml").is_file():
        return "mobile-app"
    if any(d in pkg for d in WEB_DEPS):
        return "web-app"
    text = _read(root / "pyproject.toml") + _read(root / "requirements.txt")
    if any(k in text for k in ("apache-airflow", "dagster", "prefect", "dbt-core", "pyspark", "apache-beam")):
        return "data-pipeline"
    if any(k in text for k in ("torch", "tensorflow", "scikit-learn", "transformers", "xgboost")):
        return "ml"
    if any(k in text for k in ("fastapi", "django", "flask")) or pkg & {"express", "fastify", "@nestjs/core"}:
        return "backend"
    if "[project.scripts]" in text or '"bin"' in _read(root / "package.json"):
        return "cli"
    return None


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
