"""The repository as detection sees it — its file listing and the text of a bounded set of manifests — and
each manifest parsed with its format's parser (tomllib, json, YAML, line formats for go.mod and requirements
files). Pure: `pipeline/detect.py` reads the files."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from typing import Any

DEV_EXTRAS = frozenset({"test", "tests", "testing", "dev", "develop", "lint", "doc", "docs", "typing"})
# the files detection reads (root-relative); everything else is judged from the listing only
MANIFEST_FILES = ("pyproject.toml", "package.json", "Cargo.toml", "go.mod", "requirements.txt",
                  "requirements/base.txt", "requirements/prod.txt", "dbt_project.yml",
                  "manifest.json", "src/manifest.json", "public/manifest.json", "extension/manifest.json",
                  "pubspec.yaml", "project.godot", "Gemfile")
MAX_MANIFEST_BYTES = 256 * 1024


@dataclass
class RepoFacts:
    """`files`: root-relative posix paths of the (bounded) listing; `texts`: manifest path → its text."""
    files: frozenset[str]
    texts: dict[str, str] = field(default_factory=dict)

    def has(self, path: str) -> bool:
        return path in self.files

    def under(self, prefix: str, suffix: str = "") -> list[str]:
        return sorted(f for f in self.files if f.startswith(prefix) and f.endswith(suffix))


class Manifests:
    """The parsed manifests; a file that does not parse is reported and treated as absent."""

    def __init__(self, facts: RepoFacts) -> None:
        self.facts = facts
        self.problems: list[str] = []
        self.pyproject = self._toml("pyproject.toml")
        self.cargo = self._toml("Cargo.toml")
        self.package = self._json("package.json")
        self.py_deps = self._python_deps()
        self.js_deps = self._js_deps()
        self.go_requires = parse_go_mod(facts.texts.get("go.mod", ""))

    def _toml(self, name: str) -> dict[str, Any]:
        text = self.facts.texts.get(name)
        if text is None:
            return {}
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.problems.append(f"{name}: not valid TOML ({exc})")
            return {}

    def _json(self, name: str) -> dict[str, Any]:
        text = self.facts.texts.get(name)
        if text is None:
            return {}
        try:
            data = json.loads(text)
        except ValueError as exc:
            self.problems.append(f"{name}: not valid JSON ({exc})")
            return {}
        return data if isinstance(data, dict) else {}

    def _python_deps(self) -> dict[str, str]:
        """Normalised distribution name → where it is declared (the first place wins). Only what the code
        runs with: test, dev, lint and docs extras and dependency groups say nothing about the project's type
        (tenacity tests against tornado; it is not a web server)."""
        deps: dict[str, str] = {}
        proj = as_dict(self.pyproject.get("project"))
        for spec in as_list(proj.get("dependencies")):
            deps.setdefault(requirement_name(spec), f"pyproject.toml: [project] dependencies {spec}")
        for extra, specs in as_dict(proj.get("optional-dependencies")).items():
            if extra.lower() in DEV_EXTRAS:
                continue
            for spec in as_list(specs):
                deps.setdefault(requirement_name(spec),
                                f"pyproject.toml: [project.optional-dependencies] {extra}: {spec}")
        poetry = as_dict(as_dict(self.pyproject.get("tool")).get("poetry"))
        for name, version in as_dict(poetry.get("dependencies")).items():
            deps.setdefault(requirement_name(name), f"pyproject.toml: [tool.poetry.dependencies] {name} = {version}")
        for name in ("requirements.txt", "requirements/base.txt", "requirements/prod.txt"):
            for spec in parse_requirements(self.facts.texts.get(name, "")):
                deps.setdefault(requirement_name(spec), f"{name}: {spec}")
        deps.pop("", None)
        return deps

    def _js_deps(self) -> dict[str, str]:
        deps: dict[str, str] = {}
        for key in ("dependencies", "peerDependencies", "devDependencies"):
            for name, version in as_dict(self.package.get(key)).items():
                deps.setdefault(str(name), f"package.json: {key} {name} {version}")
        return deps

    def py(self, *names: str) -> list[tuple[str, str]]:
        return [(n, self.py_deps[n]) for n in names if n in self.py_deps]

    def js(self, *names: str) -> list[tuple[str, str]]:
        return [(n, self.js_deps[n]) for n in names if n in self.js_deps]

    def rust(self, *names: str) -> list[str]:
        deps = as_dict(self.cargo.get("dependencies"))
        return [n for n in names if n in deps]

    def go(self, *prefixes: str) -> list[str]:
        return [m for m in self.go_requires if any(m == p or m.startswith(p + "/") for p in prefixes)]


def requirement_name(spec: str) -> str:
    """The normalised distribution name of a PEP 508 requirement (`Flask-Login==0.6.3` → `flask-login`)."""
    name = ""
    for ch in str(spec).strip():
        if ch.isalnum() or ch in "-_.":
            name += ch
        else:
            break
    return "-".join(part for part in name.lower().replace("_", "-").replace(".", "-").split("-") if part)


def parse_requirements(text: str) -> list[str]:
    """Requirement lines of a requirements file: comments, options (-r, -e, --hash) and blanks skipped."""
    out = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            out.append(line)
    return out


def parse_go_mod(text: str) -> list[str]:
    """The module paths a go.mod requires (single `require x v` lines and `require ( … )` blocks)."""
    mods: list[str] = []
    block = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block:
            if line == ")":
                block = False
            else:
                mods.append(line.split()[0])
        elif line.startswith("require"):
            rest = line[len("require"):].strip()
            if rest == "(":
                block = True
            elif rest:
                mods.append(rest.split()[0])
    return mods


def as_dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []
