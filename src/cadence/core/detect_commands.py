"""Detect build / test / lint commands from a directory's manifests. Pure: works on a mapping of
file name → content (the project side reads the files). The first ecosystem that yields a build or
test command wins; config `workflow.commands` and CLI flags override it.
"""

from __future__ import annotations

import json
import re
from typing import Any

# the files a reader should load (content may be "" for binary lock files)
FILES = ("package.json", "bun.lockb", "bun.lock", "pnpm-lock.yaml", "yarn.lock", "package-lock.json", "Makefile",
         "makefile", "GNUmakefile", "Cargo.toml", "go.mod", "pyproject.toml", "setup.cfg", "setup.py", "tox.ini",
         "uv.lock", "poetry.lock", "ruff.toml", ".ruff.toml", "pytest.ini", "mix.exs", "build.gradle",
         "build.gradle.kts", "gradlew", "pom.xml", "mvnw")
NPM_PLACEHOLDER = 'echo "Error: no test specified" && exit 1'


def _none() -> dict[str, Any]:
    return {"build": None, "test": None, "lint": None, "framework": "unknown", "package_manager": None,
            "source": None, "detected": False}


def _node(files: dict[str, str]) -> dict[str, Any] | None:
    if "package.json" not in files:
        return None
    try:
        pkg = json.loads(files["package.json"] or "{}")
    except ValueError:
        return None
    if not isinstance(pkg, dict):
        return None
    scripts: dict[str, Any] = pkg["scripts"] if isinstance(pkg.get("scripts"), dict) else {}
    deps: dict[str, Any] = {}
    for key in ("dependencies", "devDependencies"):
        if isinstance(pkg.get(key), dict):
            deps.update(pkg[key])
    if "bun.lockb" in files or "bun.lock" in files:
        pm = "bun"
    elif "pnpm-lock.yaml" in files:
        pm = "pnpm"
    elif "yarn.lock" in files:
        pm = "yarn"
    else:
        pm = "npm"
    run = {"npm": "npm run", "pnpm": "pnpm run", "yarn": "yarn", "bun": "bun run"}[pm]
    exe = {"npm": "npx", "pnpm": "pnpm exec", "yarn": "yarn", "bun": "bunx"}[pm]
    out = _none()
    out.update(package_manager=pm, source="package.json")
    if scripts.get("build"):
        out["build"] = f"{run} build"
    if "vitest" in deps:
        out["test"], out["framework"] = f"{exe} vitest run", "vitest"
    elif "jest" in deps:
        out["test"], out["framework"] = f"{exe} jest", "jest"
    elif "mocha" in deps:
        out["test"], out["framework"] = f"{exe} mocha", "mocha"
    elif scripts.get("test") and str(scripts["test"]).strip() != NPM_PLACEHOLDER:
        out["test"] = {"npm": "npm test", "pnpm": "pnpm test", "yarn": "yarn test", "bun": "bun run test"}[pm]
        out["framework"] = "npm-test"
    if scripts.get("lint"):
        out["lint"] = f"{run} lint"
    return out


def _make(files: dict[str, str]) -> dict[str, Any] | None:
    text = files.get("Makefile") or files.get("makefile") or files.get("GNUmakefile")
    if text is None:
        return None
    targets = set(re.findall(r"^([A-Za-z][\w.-]*)[ \t]*:(?!=)", text, re.MULTILINE))
    out = _none()
    out["source"] = "Makefile"
    for t in ("build", "test", "lint"):
        if t in targets:
            out[t] = f"make {t}"
    if out["test"]:
        out["framework"] = "make"
    return out


def _python(files: dict[str, str]) -> dict[str, Any] | None:
    names = [n for n in ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "uv.lock", "poetry.lock",
                         "pytest.ini") if n in files]
    if not names:
        return None
    pyproject = files.get("pyproject.toml", "")
    if "uv.lock" in files:
        prefix = "uv run "
    elif "poetry.lock" in files or "[tool.poetry" in pyproject:
        prefix = "poetry run "
    elif "[tool.hatch.envs" in pyproject:
        prefix = "hatch run "
    else:
        prefix = ""
    out = _none()
    out.update(source=names[0], framework="pytest", package_manager=prefix.split()[0] if prefix else "pip")
    if "tox.ini" in files and not prefix and "pyproject.toml" not in files:
        out["test"], out["framework"] = "tox", "tox"
    else:
        out["test"] = f"{prefix}pytest" if prefix else "python -m pytest"
    if "[tool.ruff" in pyproject or "ruff.toml" in files or ".ruff.toml" in files:
        out["lint"] = f"{prefix}ruff check ." if prefix else "ruff check ."
    return out


def _simple(files: dict[str, str]) -> dict[str, Any] | None:
    out = _none()
    if "Cargo.toml" in files:
        out.update(build="cargo build", test="cargo test", lint="cargo clippy", framework="cargo",
                   source="Cargo.toml")
    elif "go.mod" in files:
        out.update(build="go build ./...", test="go test ./...", lint="go vet ./...", framework="go-test",
                   source="go.mod")
    elif "mix.exs" in files:
        out.update(build="mix compile", test="mix test", framework="ExUnit", source="mix.exs")
    elif "build.gradle" in files or "build.gradle.kts" in files:
        g = "./gradlew" if "gradlew" in files else "gradle"
        out.update(build=f"{g} build -x test", test=f"{g} test", framework="gradle",
                   source="build.gradle" if "build.gradle" in files else "build.gradle.kts")
    elif "pom.xml" in files:
        m = "./mvnw" if "mvnw" in files else "mvn"
        out.update(build=f"{m} -q compile", test=f"{m} -q test", framework="maven", source="pom.xml")
    else:
        return None
    return out


def detect(files: dict[str, str]) -> dict[str, Any]:
    """{"build", "test", "lint", "framework", "package_manager", "source", "detected"}."""
    for detector in (_node, _python, _simple, _make):
        found = detector(files)
        if found and (found["build"] or found["test"]):
            if not found["lint"]:
                mk = _make(files)
                if mk and mk["lint"]:
                    found["lint"] = mk["lint"]
            found["detected"] = True
            return found
    return _none()


def merge(detected: dict[str, Any], config: dict[str, str] | None, flags: dict[str, str | None]) -> dict[str, Any]:
    """Commands: CLI flags over config `workflow.commands` over detection."""
    out: dict[str, Any] = {k: detected.get(k) for k in ("build", "test", "lint")}
    for k, v in (config or {}).items():
        if k in out and v:
            out[k] = str(v)
    for k, flag in flags.items():
        if k in out and flag is not None:
            out[k] = flag or None
    return out
