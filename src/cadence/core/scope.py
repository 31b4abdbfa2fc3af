"""Change scope: classify changed paths into risk tiers and the reviewers to launch. Pure.

Matching is on path segments and word tokens (split on `/ _ - .` and camelCase), never on bare
substrings: `tokenizer.ts` is not a token file, `src/latest/` is not a test directory, and
`authentication.ts` is auth. The rules are data: the RULES table below, extended from config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cadence.core.globs import compile_glob

TIERS = ("trivial", "low", "standard", "high")
AGENTS = ("testing", "security", "audit", "docs-writer", "perf", "devops")
AGENTS_BY_TIER = {"trivial": ["docs-writer"], "low": ["testing"],
                  "standard": ["testing", "security", "audit", "docs-writer"], "high": list(AGENTS)}


@dataclass(frozen=True)
class Rule:
    name: str
    tier: str            # trivial | low | standard | high
    kind: str            # name (base-name glob, case-insensitive) | dir (a directory segment) | path (glob) | token
    values: tuple[str, ...]
    flags: tuple[str, ...] = ()   # devops | perf | security (extra reviewers)


SECURITY_TOKENS = ("auth", "authn", "authz", "authentication", "authorization", "authorize", "login", "logout",
                   "session", "sessions", "password", "passwords", "passwd", "token", "tokens", "jwt", "oauth",
                   "oauth2", "saml", "sso", "crypto", "cipher", "encrypt", "encryption", "decrypt", "decryption",
                   "secret", "secrets", "credential", "credentials", "permission", "permissions", "rbac", "acl",
                   "acls", "payment", "payments", "billing", "invoice", "invoices", "stripe", "checkout", "wallet",
                   "wallets")
PERF_TOKENS = ("query", "queries", "database", "db", "dao", "repository", "repositories", "cache", "caching",
               "prisma", "drizzle", "orm", "sql", "render", "renderer", "rendering", "component", "components",
               "worker", "workers", "stream", "streams", "batch", "queue", "queues", "perf", "performance")
MANIFESTS = ("package.json", "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lockb",
             "bun.lock", "pyproject.toml", "requirements*.txt", "requirements*.in", "constraints*.txt", "Pipfile",
             "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock", "setup.py", "setup.cfg", "Cargo.toml",
             "Cargo.lock", "go.mod", "go.sum", "Gemfile", "Gemfile.lock", "*.gemspec", "composer.json",
             "composer.lock", "mix.exs", "mix.lock", "build.gradle", "build.gradle.kts", "gradle.lockfile",
             "pom.xml", "*.csproj", "packages.config", "packages.lock.json", "Podfile", "Podfile.lock",
             "Package.swift", "Package.resolved", "pubspec.yaml", "pubspec.lock", "deno.json", "deno.lock")

# Extension-less prose files (LICENSE, CHANGELOG…), also with a prose extension or a licence suffix.
# Never `LICENSE.*` / `HISTORY*`: `src/license.ts` and `src/history.ts` are code.
PROSE_FILES = tuple(f"{stem}{ext}" for stem in ("LICENSE", "LICENCE", "COPYING", "CHANGELOG", "CHANGES", "HISTORY",
                                                "AUTHORS", "NOTICE", "CONTRIBUTORS", "UNLICENSE")
                    for ext in ("", ".md", ".txt", ".rst", ".adoc", ".markdown")) + \
    ("LICENSE-MIT", "LICENSE-APACHE", "LICENSE.MIT", "LICENSE.APACHE", "LICENSE.BSD", "LICENSE.GPL")

# Order matters within a tier only for which rule is reported; tiers are evaluated
# user rules → manifests → trivial → low → high → standard.
RULES: tuple[Rule, ...] = (
    # trivial: prose and editor / formatter configuration
    # build scripts that happen to end in .txt are code, not prose
    Rule("build-file", "standard", "name", ("CMakeLists.txt",)),
    Rule("docs-file", "trivial", "name", ("*.md", "*.mdx", "*.markdown", "*.txt", "*.rst", "*.adoc",
                                          *PROSE_FILES)),
    Rule("editor-config", "trivial", "name", (".editorconfig",)),
    Rule("cadence-state", "trivial", "dir", (".cadence",)),
    # AI-client configuration, agents, skills and commands (what `cadence install` renders, and the user's own
    # prompts beside it): tool configuration, like editor config — not application code
    Rule("tool-config", "trivial", "dir", (".claude", ".opencode", ".codex", ".gemini")),
    Rule("tool-config", "trivial", "path", ("**/.agents/skills/",)),
    Rule("tool-config", "trivial", "name", (".mcp.json", "opencode.json", "opencode.jsonc")),
    Rule("placeholder", "trivial", "name", (".gitkeep", ".keep")),
    Rule("editor-config", "trivial", "dir", (".vscode", ".idea", ".fleet", ".zed")),
    Rule("formatter-config", "trivial", "name", (".prettierrc", ".prettierrc.*", "prettier.config.*",
                                                 ".prettierignore", "rustfmt.toml", ".rustfmt.toml", ".clang-format",
                                                 ".gitattributes", ".mailmap", ".markdownlint*")),
    # low: tests and test / lint / type-check configuration
    Rule("test-directory", "low", "dir", ("test", "tests", "__tests__", "spec", "specs", "__mocks__", "e2e",
                                          "testdata", "test_data")),
    Rule("test-file", "low", "name", ("*.test.*", "*.spec.*", "*_test.*", "*-test.*", "test_*.py", "*_spec.rb",
                                      "*Test.java", "*Tests.java", "*IT.java", "*Test.kt", "*Tests.kt",
                                      "*Test.scala", "*Spec.scala", "*Tests.swift", "*Test.php", "*Tests.cs",
                                      "*Test.cs", "conftest.py")),
    Rule("test-config", "low", "name", ("jest.config.*", "vitest.config.*", "vitest.workspace.*", "karma.conf.*",
                                        "playwright.config.*", "cypress.config.*", ".mocharc*", "pytest.ini",
                                        ".coveragerc", "tox.ini", "noxfile.py", "phpunit.xml*", ".nycrc*")),
    Rule("lint-config", "low", "name", (".eslintrc", ".eslintrc.*", "eslint.config.*", ".eslintignore",
                                        ".stylelintrc*", "ruff.toml", ".ruff.toml", ".flake8", ".pylintrc",
                                        "pylintrc", ".golangci.*", "clippy.toml", ".rubocop.yml", "biome.json",
                                        "biome.jsonc", ".pre-commit-config.yaml", ".swiftlint.yml")),
    Rule("type-check-config", "low", "name", ("tsconfig.json", "tsconfig.*.json", "jsconfig.json", "mypy.ini",
                                              ".mypy.ini", "pyrightconfig.json")),
    Rule("gitignore", "low", "name", (".gitignore", ".dockerignore")),
    # high: security-sensitive code, infrastructure, database migrations
    Rule("security-token", "high", "token", SECURITY_TOKENS, ("security",)),
    Rule("infrastructure", "high", "name", ("Dockerfile", "Dockerfile.*", "*.dockerfile", "docker-compose*",
                                            "compose.yml", "compose.yaml", ".gitlab-ci.yml", "Jenkinsfile",
                                            "*.tf", "*.tfvars", "*.hcl", "Pulumi.yaml", "Pulumi.*.yaml", "cdk.json",
                                            "Chart.yaml", "nginx.conf", "Caddyfile", "Procfile", "fly.toml",
                                            "render.yaml", "railway.json", "railway.toml", "vercel.json",
                                            "netlify.toml", "app.yaml", "skaffold.yaml", "kustomization.yaml"),
         ("devops",)),
    # `charts/` (Helm) and `infrastructure/` only at the repository root: `src/components/charts/` is UI
    # code and `src/Infrastructure/` is the persistence layer of many DDD / hexagonal applications
    Rule("infrastructure", "high", "path", (".github/workflows/", ".github/actions/", ".circleci/",
                                            ".buildkite/", "/charts/", "/infrastructure/"), ("devops",)),
    Rule("infrastructure", "high", "dir", ("terraform", "pulumi", "cdk", "k8s", "kubernetes", "helm",
                                           "deploy", "deployment", "deployments", "infra", "ansible"), ("devops",)),
    Rule("migration", "high", "dir", ("migrations", "migration", "alembic", "migrate"), ("perf",)),
    Rule("migration", "high", "name", ("*.sql",), ("perf",)),
)

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@lru_cache(maxsize=65536)
def _segment_tokens(segment: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in re.split(r"[_\-.\s]+", segment):
        if not part:
            continue
        low = part.lower()
        out.append(low)
        words = [w.lower() for w in _CAMEL.findall(part)]
        if len(words) > 1:
            out.extend(words)
        # letter runs split off digits ("oauth2" → "oauth")
        out.extend(w for w in re.findall(r"[a-z]+", low) if w != low)
    return tuple(dict.fromkeys(out))


def tokens(path: str) -> tuple[str, ...]:
    """Word tokens of every segment: `src/userAuth-service.ts` → src, userauth, user, auth, service, ts."""
    out: list[str] = []
    for seg in path.split("/"):
        out.extend(_segment_tokens(seg))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=65536)
def _dir_facts(dirpart: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(original directory segments, their word tokens) — cached: paths share directories."""
    segs = tuple(s for s in dirpart.split("/") if s)
    toks: list[str] = []
    for seg in segs:
        toks.extend(_segment_tokens(seg))
    return segs, tuple(dict.fromkeys(toks))


class Classifier:
    """Compiled rules (built-in plus config globs); `classify(path)` → {path, tier, rule, flags}."""

    def __init__(self, extra: dict[str, list[str]] | None = None) -> None:
        self.user: list[tuple[str, re.Pattern[str], str]] = []
        for tier in ("high", "low", "trivial"):
            for glob in (extra or {}).get(tier, []) or []:
                self.user.append((tier, compile_glob(str(glob)), str(glob)))
        self.manifest = _combine([compile_glob("/" + g, case_sensitive=False) for g in MANIFESTS])
        self.compiled: list[tuple[Rule, Any, Any]] = []
        for rule in RULES:
            if rule.kind in ("name", "path"):
                # name globs match the base name alone: anchor them ("/" prefix) so no directory prefix is tried
                each = [(v, compile_glob("/" + v, False) if rule.kind == "name" else compile_glob(v))
                        for v in rule.values]
                self.compiled.append((rule, _combine([rx for _, rx in each]), each))
            else:
                self.compiled.append((rule, frozenset(v.lower() for v in rule.values), None))

    def classify(self, path: str) -> dict[str, Any]:
        path = path.replace("\\", "/")
        while path.startswith("./"):
            path = path[2:]
        dirpart, _, base = path.rpartition("/")
        for tier, rx, glob in self.user:
            if rx.match(path):
                return {"path": path, "tier": tier, "rule": f"config {tier}: {glob}", "flags": []}
        dirs, dir_toks = _dir_facts(dirpart)
        toks = dir_toks + _segment_tokens(base)
        manifest = self.manifest.match(base) is not None
        flags: set[str] = {"security"} if manifest else set()
        if any(t in PERF_TOKENS for t in toks):
            flags.add("perf")
        for rule, data, each in self.compiled:
            if manifest and rule.tier in ("trivial", "low"):
                continue
            hit: str | None = None
            if rule.kind == "name":
                if data.match(base):
                    hit = next(v for v, rx in each if rx.match(base))
            elif rule.kind == "path":
                if data.match(path):
                    hit = next(v for v, rx in each if rx.match(path))
            elif rule.kind == "dir":
                hit = next((d + "/" for d in dirs if d.lower() in data), None)
            else:
                hit = next((t for t in toks if t in data), None)
            if hit is None:
                continue
            if manifest:
                return {"path": path, "tier": "high", "rule": f"{rule.name}: {hit}; dependency manifest",
                        "flags": sorted(flags | set(rule.flags))}
            return {"path": path, "tier": rule.tier, "rule": f"{rule.name}: {hit}",
                    "flags": sorted(flags | set(rule.flags)) if rule.tier == "high" else sorted(flags)}
        return {"path": path, "tier": "standard",
                "rule": "dependency manifest (supply chain)" if manifest else "default", "flags": sorted(flags)}


def _combine(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    flags = re.IGNORECASE if patterns and patterns[0].flags & re.IGNORECASE else 0
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), flags)


RATIONALE = {
    "trivial": "only documentation, prose or editor/formatter/AI-client configuration changed",
    "low": "only tests, test/lint/type-check configuration or documentation changed",
    "standard": "application code changed, nothing security-sensitive or infrastructural",
    "high": "security-sensitive code, infrastructure or database migrations changed",
}


def change_scope(paths: list[str], extra: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """{"scope", "rationale", "agents", "files": [{"path", "tier", "rule"}]} for the given changed paths."""
    clf = Classifier(extra)
    files = []
    seen: set[str] = set()
    for p in paths:
        if not p or p in seen:
            continue
        seen.add(p)
        files.append(clf.classify(p))
    if not files:
        return {"scope": "trivial", "rationale": "no changed files", "agents": [], "files": []}
    tiers = {f["tier"] for f in files}
    if tiers <= {"trivial"}:
        scope = "trivial"
    elif tiers <= {"trivial", "low"}:
        scope = "low"
    elif "high" in tiers:
        scope = "high"
    else:
        scope = "standard"
    agents = list(AGENTS_BY_TIER[scope])
    flags: set[str] = set()
    for f in files:
        if f["tier"] in ("standard", "high"):
            flags.update(f["flags"])
        elif "security" in f["flags"]:
            flags.add("security")
    if scope in ("trivial", "low") and "security" in flags:
        agents.append("security")
    if scope == "standard":
        agents += [a for a in ("perf", "devops") if a in flags]
    agents = [a for a in AGENTS if a in agents]
    counted = [f for f in files if f["tier"] == scope]
    example = ", ".join(f"{f['path']} ({f['rule']})" for f in counted[:3])
    more = f" and {len(counted) - 3} more" if len(counted) > 3 else ""
    rationale = f"{scope}: {RATIONALE[scope]} — {len(counted)} of {len(files)} file(s): {example}{more}"
    if "security" in flags and any("manifest" in f["rule"] for f in files):
        rationale += "; dependency manifests changed, so @security reviews the supply chain"
    return {"scope": scope, "rationale": rationale, "agents": agents,
            "files": [{"path": f["path"], "tier": f["tier"], "rule": f["rule"]} for f in files]}


SCOPE_TIER_ORDER = ("high", "standard", "low", "trivial")


def compact(result: dict[str, Any], limit: int) -> dict[str, Any]:
    """A scope result whose per-file list holds at most `limit` entries, the riskiest first (high, standard,
    low, trivial; the original order within a tier); the rest is counted per tier, never silently dropped."""
    files = result["files"]
    if len(files) <= limit:
        return result
    ranked = sorted(files, key=lambda f: SCOPE_TIER_ORDER.index(f["tier"]))
    elided: dict[str, int] = {}
    for f in ranked[limit:]:
        elided[f["tier"]] = elided.get(f["tier"], 0) + 1
    return {**result, "files": ranked[:limit], "files_total": len(files), "files_elided": len(files) - limit,
            "elided_by_tier": elided}
