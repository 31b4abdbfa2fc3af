"""The one table of project types and their settings.

`init`'s flags, the interactive wizard, config validation (and its pydantic models) and
`--help` are all generated from SETTINGS and RULES; nothing about a setting is written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

METHODOLOGIES = ("deep", "mvp", "brownfield", "custom")
CLIENTS = ("claude", "opencode", "codex", "gemini")
TRAITS = ("web", "mobile", "desktop")
LOCALE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"


@dataclass(frozen=True)
class Setting:
    key: str                        # key under project.<type>
    kind: str                       # "enum" | "list" | "bool"
    values: tuple[str, ...] = ()    # allowed values (enum, list); empty list values = free (pattern)
    default: Any = None             # None + required → must be given
    required: bool = False
    help: str = ""
    prompt: str = ""
    pattern: str | None = None      # list items must match (locales)
    default_from: Callable[[dict[str, Any]], Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProjectType:
    name: str
    prefix: str
    description: str
    settings: tuple[Setting, ...]

    def setting(self, key: str) -> Setting | None:
        return next((s for s in self.settings if s.key == key), None)

    def flag(self, s: Setting) -> str:
        return f"--{self.prefix}-{s.key}"


def _ml_serving_default(block: dict[str, Any]) -> str:
    return "none" if block.get("phase") == "training" else "realtime"


S = Setting
TYPES: tuple[ProjectType, ...] = (
    ProjectType("web-app", "web", "a web application", (
        S("rendering", "enum", ("spa", "ssr", "ssg", "hybrid"), required=True,
          help="how pages are rendered", prompt="Rendering strategy"),
        S("deploy-target", "enum", ("static", "serverless", "container", "edge", "long-running"), "serverless",
          help="where it runs", prompt="Deploy target"),
        S("realtime", "enum", ("none", "websocket", "sse"), "none", help="real-time channel", prompt="Real-time needs"),
        S("auth-flow", "enum", ("none", "session", "oauth", "passkey"), "none",
          help="how users sign in", prompt="How do users authenticate"),
    )),
    ProjectType("backend", "backend", "an API or service backend", (
        S("api-style", "enum", ("rest", "graphql", "grpc", "trpc", "none"), required=True,
          help="API style", prompt="API style"),
        S("data-store", "list", ("relational", "document", "key-value"), ["relational"],
          help="data stores", prompt="Data store(s)"),
        S("auth", "enum", ("none", "jwt", "session", "oauth", "apikey"), "none",
          help="how requests are authenticated", prompt="How does the API verify requests"),
        S("messaging", "enum", ("none", "queue", "event-driven"), "none",
          help="async messaging", prompt="Async messaging"),
        S("deploy-target", "enum", ("serverless", "container", "long-running"), "container",
          help="where it runs", prompt="Deploy target"),
    )),
    ProjectType("cli", "cli", "a command-line tool", (
        S("interactivity", "enum", ("args-only", "interactive", "hybrid"), required=True,
          help="interaction model", prompt="Interactivity model"),
        S("distribution", "list", ("package-manager", "system-package-manager", "standalone-binary", "container"),
          ["package-manager"], help="distribution channels", prompt="Distribution channels"),
        S("structured-output", "bool", default=False,
          help="offers --json output", prompt="Support structured output (--json)"),
    )),
    ProjectType("library", "lib", "a reusable library or SDK", (
        S("visibility", "enum", ("public", "internal"), required=True,
          help="who consumes it", prompt="Library visibility"),
        S("runtime-target", "enum", ("node", "browser", "isomorphic", "edge"), "isomorphic",
          help="runtime target", prompt="Runtime target"),
        S("bundle-format", "enum", ("esm", "cjs", "dual", "unbundled"), "dual",
          help="bundle format", prompt="Bundle format"),
        S("type-definitions", "bool", default=True, help="ships type definitions", prompt="Ship type definitions"),
        S("doc-level", "enum", ("none", "readme", "api-docs", "full-site"), "readme",
          help="documentation level", prompt="Documentation level"),
    )),
    ProjectType("mobile-app", "mobile", "a mobile application", (
        S("platform", "enum", ("ios", "android", "cross-platform"), required=True,
          help="target platform", prompt="Target platform"),
        S("distribution", "enum", ("public", "private", "mixed"), "public", help="distribution model",
          prompt="Distribution model"),
        S("offline", "enum", ("none", "cache", "offline-first"), "none",
          help="offline support", prompt="Offline support"),
        S("push-notifications", "bool", default=False,
          help="uses push notifications", prompt="Push notification support"),
    )),
    ProjectType("data-pipeline", "pipeline", "a batch or streaming data pipeline", (
        S("processing", "enum", ("batch", "streaming", "hybrid"), required=True,
          help="processing model", prompt="Processing model"),
        S("orchestration", "enum", ("none", "dag-based", "event-driven", "scheduled"), "none",
          help="orchestration pattern", prompt="Orchestration pattern"),
        S("quality", "enum", ("none", "validation", "testing", "observability"), "validation",
          help="data quality strategy", prompt="Data quality strategy"),
        S("schema", "enum", ("none", "schema-registry", "contracts"), "none", help="schema management",
          prompt="Schema management"),
        S("catalog", "bool", default=False, help="has a data catalog", prompt="Data catalog support"),
    )),
    ProjectType("ml", "ml", "a machine-learning system", (
        S("phase", "enum", ("training", "inference", "both"), required=True,
          help="project phase", prompt="Project phase"),
        S("model-type", "enum", ("classical", "deep-learning", "llm"), "deep-learning", help="model type",
          prompt="Model type"),
        S("serving", "enum", ("none", "batch", "realtime", "edge"), None,
          help="serving pattern (default: none for training, realtime otherwise)", prompt="Serving pattern",
          default_from=_ml_serving_default),
        S("experiment-tracking", "bool", default=True, help="tracks experiments", prompt="Experiment tracking"),
    )),
    ProjectType("browser-extension", "ext", "a browser extension", (
        S("manifest", "enum", ("2", "3"), "3", help="manifest version", prompt="Manifest version"),
        S("ui-surfaces", "list", ("popup", "options", "newtab", "devtools", "sidepanel"), ["popup"],
          help="UI surfaces", prompt="UI surfaces"),
        S("content-script", "bool", default=False, help="injects content scripts", prompt="Content script support"),
        S("background-worker", "bool", default=True, help="has a background service worker",
          prompt="Background worker support"),
    )),
    ProjectType("game", "game", "a game", (
        S("engine", "enum", ("unity", "unreal", "godot", "custom"), required=True,
          help="game engine", prompt="Game engine"),
        S("multiplayer", "enum", ("none", "local", "online", "hybrid"), "none", help="multiplayer mode",
          prompt="Multiplayer mode"),
        S("target-platforms", "list", ("pc", "web", "ios", "android", "ps5", "xbox", "switch", "vr", "ar"), ["pc"],
          help="target platforms", prompt="Target platforms"),
        S("online-services", "list", ("leaderboards", "accounts", "matchmaking", "live-ops"), [],
          help="online services (needs online or hybrid multiplayer)", prompt="Online services"),
        S("content-structure", "enum", ("discrete", "open-world", "procedural", "endless", "mission-based"), "discrete",
          help="content structure", prompt="Content structure"),
        S("economy", "enum", ("none", "progression", "monetized", "both"), "none", help="economy model",
          prompt="Economy model"),
        S("narrative", "enum", ("none", "light", "heavy"), "none", help="narrative depth", prompt="Narrative depth"),
        S("locales", "list", (), ["en"], help="supported locales, e.g. en,fr-CA", prompt="Supported locales",
          pattern=LOCALE_PATTERN),
        S("npc-ai", "enum", ("none", "simple", "complex"), "none",
          help="NPC AI complexity", prompt="NPC AI complexity"),
        S("modding", "bool", default=False, help="supports mods", prompt="Mod support"),
        S("persistence", "enum", ("none", "settings-only", "profile", "progression", "cloud"), "progression",
          help="persistence level", prompt="Persistence level"),
    )),
)
TYPES_BY_NAME = {t.name: t for t in TYPES}
TYPE_NAMES = tuple(TYPES_BY_NAME)


@dataclass(frozen=True)
class Rule:
    """A cross-field rule on one settings block: `broken(block)` True means invalid."""
    type: str
    path: str
    message: str
    broken: Callable[[dict[str, Any]], bool]


RULES: tuple[Rule, ...] = (
    Rule("library", "doc-level", "a public library needs documentation: doc-level cannot be 'none' "
         "when visibility is 'public'", lambda b: b.get("visibility") == "public" and b.get("doc-level") == "none"),
    Rule("web-app", "deploy-target", "rendering 'ssr' or 'hybrid' needs a server: deploy-target cannot be 'static'",
         lambda b: b.get("rendering") in ("ssr", "hybrid") and b.get("deploy-target") == "static"),
    Rule("web-app", "deploy-target", "auth-flow 'session' needs a server: deploy-target cannot be 'static'",
         lambda b: b.get("auth-flow") == "session" and b.get("deploy-target") == "static"),
    Rule("ml", "serving", "an ml project in phase 'inference' or 'both' must serve: serving cannot be 'none'",
         lambda b: b.get("phase") in ("inference", "both") and b.get("serving") == "none"),
    Rule("ml", "serving", "an ml project in phase 'training' does not serve: serving must be 'none'",
         lambda b: b.get("phase") == "training" and b.get("serving") not in (None, "none")),
    Rule("browser-extension", "ui-surfaces", "a browser extension needs at least one capability: a UI surface, "
         "a content script or a background worker",
         lambda b: not b.get("ui-surfaces") and not b.get("content-script") and not b.get("background-worker")),
    Rule("game", "online-services", "online services need multiplayer 'online' or 'hybrid'",
         lambda b: bool(b.get("online-services")) and b.get("multiplayer") not in ("online", "hybrid")),
    Rule("backend", "auth", "an api-style of 'none' has no requests to authenticate: auth must be 'none'",
         lambda b: b.get("api-style") == "none" and b.get("auth") not in (None, "none")),
)


def defaults_for(ptype: ProjectType, given: dict[str, Any]) -> dict[str, Any]:
    """`given` completed with every default (in table order); required keys are left missing."""
    block: dict[str, Any] = {}
    for s in ptype.settings:
        if s.key in given:
            block[s.key] = given[s.key]
        elif s.default_from is not None:
            block[s.key] = s.default_from(given)
        elif not s.required:
            block[s.key] = list(s.default) if isinstance(s.default, list) else s.default
    for k, v in given.items():
        block.setdefault(k, v)
    return block
