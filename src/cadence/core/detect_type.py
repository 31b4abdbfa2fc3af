"""Which project type an existing repository is, with the evidence and the settings it implies.

Pure: the caller gives the repository's file listing and the text of a bounded set of manifests
(`pipeline/detect.py` reads them); every manifest is parsed with its format's parser (tomllib, json,
YAML, line formats for go.mod and requirements files), never searched with regexes. Each match has a
confidence (high / medium / low), evidence lines (`pyproject.toml: [project.scripts] tldr = "tldr:cli"`)
and the settings it implies, keyed and valued as in the settings table (core/settings.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cadence.core.manifests import Manifests, RepoFacts, as_dict, as_list

CONFIDENCE = ("high", "medium", "low")

WEB_JS = {"next": "hybrid", "nuxt": "hybrid", "@remix-run/react": "ssr", "@sveltejs/kit": "hybrid",
          "gatsby": "ssg", "astro": "ssg", "react-dom": "spa", "vue": "spa", "@angular/core": "spa",
          "svelte": "spa", "solid-js": "spa", "vite": "spa"}
BACKEND_JS = ("express", "fastify", "@nestjs/core", "koa", "hono", "@hapi/hapi")
MOBILE_JS = ("react-native", "expo")
PY_WEB = ("flask", "django", "quart", "pyramid", "bottle", "sanic", "tornado")
PY_API = ("fastapi", "litestar", "starlette", "djangorestframework", "flask-restful", "flask-smorest",
          "connexion", "falcon")
PY_PIPELINE = {"apache-airflow": "dag-based", "dagster": "dag-based", "prefect": "dag-based", "luigi": "dag-based",
               "dbt-core": "none", "pyspark": "none", "apache-beam": "none", "kedro": "dag-based", "faust": "none",
               "faust-streaming": "none"}
PY_STREAMING = ("faust", "faust-streaming", "kafka-python", "confluent-kafka", "apache-flink")
PY_ML_DEEP = ("torch", "tensorflow", "keras", "jax", "pytorch-lightning", "lightning")
PY_ML_CLASSICAL = ("scikit-learn", "xgboost", "lightgbm", "catboost", "statsmodels")
PY_ML_LLM = ("transformers", "langchain", "openai", "anthropic", "llama-index", "vllm", "sentence-transformers")
PY_ML_SERVING = ("bentoml", "torchserve", "mlflow-serving", "ray", "tritonclient", "fastapi", "vllm")
PY_ML_TRACKING = ("mlflow", "wandb", "neptune", "comet-ml", "clearml", "dvc")
PY_INTERACTIVE = ("prompt-toolkit", "questionary", "inquirer", "inquirerpy", "textual", "urwid", "npyscreen")
GO_BACKEND = ("github.com/gin-gonic/gin", "github.com/labstack/echo", "github.com/gofiber/fiber",
              "github.com/go-chi/chi", "github.com/gorilla/mux", "google.golang.org/grpc")
GO_CLI = ("github.com/spf13/cobra", "github.com/urfave/cli", "github.com/alecthomas/kong")
RUST_BACKEND = ("axum", "actix-web", "rocket", "warp", "tonic", "poem")
RUST_CLI = ("clap", "structopt", "argh")
ANDROID_FILES = ("android/app/build.gradle", "android/app/build.gradle.kts", "app/src/main/AndroidManifest.xml")


@dataclass
class Match:
    type: str
    confidence: str
    evidence: list[str]
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "confidence": self.confidence, "evidence": self.evidence,
                "settings": self.settings}


def _ev(pairs: list[tuple[str, str]]) -> list[str]:
    return [where for _, where in pairs]


# ------------------------------------------------------------------ detectors

def _scripts(m: Manifests) -> list[str]:
    proj = as_dict(m.pyproject.get("project"))
    ev = [f"pyproject.toml: [project.scripts] {k} = \"{v}\"" for k, v in as_dict(proj.get("scripts")).items()]
    poetry = as_dict(as_dict(m.pyproject.get("tool")).get("poetry"))
    ev += [f"pyproject.toml: [tool.poetry.scripts] {k} = \"{v}\"" for k, v in as_dict(poetry.get("scripts")).items()]
    gui = as_dict(proj.get("gui-scripts"))
    ev += [f"pyproject.toml: [project.gui-scripts] {k}" for k in gui]
    return ev


def _deploy(facts: RepoFacts, default: str | None) -> tuple[str | None, list[str]]:
    if facts.has("vercel.json") or facts.has("netlify.toml") or facts.has("serverless.yml"):
        f = next(f for f in ("vercel.json", "netlify.toml", "serverless.yml") if facts.has(f))
        return "serverless", [f"{f}: serverless hosting configuration"]
    if facts.has("Dockerfile") or facts.has("docker-compose.yml") or facts.has("compose.yaml"):
        f = next(f for f in ("Dockerfile", "docker-compose.yml", "compose.yaml") if facts.has(f))
        return "container", [f"{f}: container image"]
    if facts.has("Procfile"):
        return "long-running", ["Procfile: a long-running process definition"]
    return default, []


def _templates(facts: RepoFacts) -> list[str]:
    return sorted(f for f in facts.files if "/templates/" in f"/{f}" and f.endswith((".html", ".jinja", ".jinja2",
                                                                                      ".j2")))


def detect_web(m: Manifests) -> Match | None:
    facts = m.facts
    js = m.js(*WEB_JS)
    if js:
        rendering = WEB_JS[js[0][0]]
        deploy, dev = _deploy(facts, None)
        settings: dict[str, Any] = {"rendering": rendering}
        if deploy and not (deploy == "static" and rendering in ("ssr", "hybrid")):
            settings["deploy-target"] = deploy
        return Match("web-app", "high", _ev(js) + dev, settings)
    py = m.py(*PY_WEB)
    templates = _templates(facts)
    if py and templates:
        ev = _ev(py[:1]) + [f"{templates[0]}: server-rendered template ({len(templates)} template file(s))"]
        settings = {"rendering": "ssr"}
        deploy, dev = _deploy(facts, "long-running")
        settings["deploy-target"] = deploy
        ev += dev
        login = m.py("flask-login", "django-allauth", "flask-security", "flask-security-too")
        if login or py[0][0] == "django":
            settings["auth-flow"] = "session"
            ev += _ev(login[:1])
        socket = m.py("flask-socketio", "channels", "python-socketio")
        if socket:
            settings["realtime"] = "websocket"
            ev += _ev(socket[:1])
        return Match("web-app", "high", ev, settings)
    if facts.has("index.html") and not m.package and not m.pyproject:
        return Match("web-app", "low", ["index.html: a static page at the root"], {"rendering": "ssg",
                                                                                    "deploy-target": "static"})
    return None


def _py_store(m: Manifests) -> tuple[list[str], list[str]]:
    stores, ev = [], []
    for kind, names in (("relational", ("sqlalchemy", "flask-sqlalchemy", "psycopg2", "psycopg2-binary", "psycopg",
                                        "django", "asyncpg", "pymysql", "peewee", "sqlmodel", "alembic")),
                        ("document", ("pymongo", "motor", "mongoengine", "beanie")),
                        ("key-value", ("redis", "pymemcache", "aioredis"))):
        found = m.py(*names)
        if found:
            stores.append(kind)
            ev += _ev(found[:1])
    return stores, ev


def detect_backend(m: Manifests) -> Match | None:
    facts = m.facts
    api = m.py(*PY_API)
    web = m.py(*PY_WEB)
    js = m.js(*BACKEND_JS)
    go = m.go(*GO_BACKEND)
    rust = m.rust(*RUST_BACKEND)
    if not (api or web or js or go or rust):
        return None
    ev = _ev(api[:1] or web[:1]) + _ev(js[:1]) + [f"go.mod: require {g}" for g in go[:1]] \
        + [f"Cargo.toml: [dependencies] {r}" for r in rust[:1]]
    api_dirs = sorted({f.split("/api/")[0] + "/api/" for f in facts.files if "/api/" in f"/{f}"})
    settings: dict[str, Any] = {"api-style": "rest"}
    if m.py("graphene", "strawberry-graphql", "ariadne") or m.js("@apollo/server", "apollo-server", "graphql-yoga"):
        settings["api-style"] = "graphql"
    elif go and "google.golang.org/grpc" in go or m.py("grpcio") or m.rust("tonic"):
        settings["api-style"] = "grpc"
    elif m.js("@trpc/server"):
        settings["api-style"] = "trpc"
    stores, sev = _py_store(m)
    if stores:
        settings["data-store"] = stores
        ev += sev
    jwt = m.py("pyjwt", "python-jose", "flask-jwt-extended", "djangorestframework-simplejwt") or m.js("jsonwebtoken")
    if jwt:
        settings["auth"] = "jwt"
        ev += _ev(jwt[:1])
    queue = m.py("celery", "rq", "dramatiq", "kombu", "pika", "arq") or m.js("bullmq", "bull", "amqplib")
    if queue:
        settings["messaging"] = "queue"
        ev += _ev(queue[:1])
    deploy, dev = _deploy(facts, None)
    if deploy in ("serverless", "container", "long-running"):
        settings["deploy-target"] = deploy
        ev += dev
    templated = bool(web) and bool(_templates(facts))
    if api or js or go or rust:
        confidence = "high"
    elif templated:
        confidence = "medium" if api_dirs else "low"  # a server-rendered app with an API beside it
        ev += [f"{api_dirs[0]}: an API package beside the pages"] if api_dirs else []
    else:
        confidence = "high"
    return Match("backend", confidence, ev, settings)


def detect_cli(m: Manifests) -> Match | None:
    facts = m.facts
    ev = _scripts(m)
    bin_ = m.package.get("bin")
    if bin_:
        names = list(bin_) if isinstance(bin_, dict) else [str(m.package.get("name", "bin"))]
        ev.append(f"package.json: \"bin\" {', '.join(names)}")
    bins = as_list(m.cargo.get("bin"))
    if bins or (m.cargo and facts.has("src/main.rs")):
        ev.append("Cargo.toml: [[bin]] target" if bins else "src/main.rs: a binary crate")
    go_cli = m.go(*GO_CLI)
    if facts.texts.get("go.mod") is not None and (facts.has("main.go") or facts.under("cmd/")):
        ev.append("main.go: package main" if facts.has("main.go") else f"{facts.under('cmd/')[0]}: a command")
    ev += [f"go.mod: require {g}" for g in go_cli[:1]]
    ev += [f"Cargo.toml: [dependencies] {r}" for r in m.rust(*RUST_CLI)[:1]]
    if not ev:
        return None
    settings: dict[str, Any] = {"interactivity": "args-only"}
    interactive = m.py(*PY_INTERACTIVE) or m.js("inquirer", "@inquirer/prompts", "prompts", "ink", "enquirer")
    if interactive:
        settings["interactivity"] = "hybrid"
        ev += _ev(interactive[:1])
    dist: list[str] = []
    if m.pyproject.get("project") or m.package.get("bin") or m.cargo.get("package"):
        dist.append("package-manager")
    system = [f for f in ("snap/snapcraft.yaml", "snapcraft.yaml", "PKGBUILD", "debian/control") if facts.has(f)] \
        + facts.under("Formula/", ".rb")[:1]
    if system:
        dist.append("system-package-manager")
        ev.append(f"{system[0]}: a system package definition")
    binary = [f for f in (".goreleaser.yml", ".goreleaser.yaml") if facts.has(f)] + _ev(m.py("pyinstaller")[:1])
    if binary or (m.go_requires and facts.texts.get("go.mod")):
        dist.append("standalone-binary")
        ev += binary[:1]
    settings["distribution"] = dist or ["package-manager"]
    web = detect_web(m)
    return Match("cli", "medium" if web else "high", ev, settings)


def detect_library(m: Manifests) -> Match | None:
    facts = m.facts
    proj = as_dict(m.pyproject.get("project"))
    ev: list[str] = []
    settings: dict[str, Any] = {}
    public: list[str] = []
    if proj.get("name") and not _scripts(m):
        ev.append(f"pyproject.toml: [project] name = \"{proj['name']}\" with no entry points")
        settings["bundle-format"] = "unbundled"
        classifiers = [str(c) for c in as_list(proj.get("classifiers"))]
        licence = next((c for c in classifiers if c.startswith("License ::")), None)
        if proj.get("license") or licence:
            public.append(f"pyproject.toml: [project] license = {proj.get('license') or licence!r}")
        urls = as_dict(proj.get("urls"))
        if urls:
            public.append(f"pyproject.toml: [project.urls] {', '.join(list(urls)[:3])}")
        pkg = str(proj["name"]).replace("-", "_")
        if facts.has(f"{pkg}/py.typed") or facts.has(f"src/{pkg}/py.typed"):
            settings["type-definitions"] = True
            ev.append(f"{pkg}/py.typed: ships type information")
    pkg_json = m.package
    if pkg_json.get("name") and not pkg_json.get("bin") and (pkg_json.get("main") or pkg_json.get("exports")
                                                               or pkg_json.get("module")) and not m.js(*WEB_JS):
        ev.append(f"package.json: \"name\": \"{pkg_json['name']}\" with an entry point and no \"bin\"")
        if pkg_json.get("private") is not True:
            public.append("package.json: not \"private\"")
        exports = pkg_json.get("exports")
        dual = isinstance(exports, dict) and any(isinstance(v, dict) and "import" in v and "require" in v
                                                 for v in [exports, *exports.values()])
        settings["bundle-format"] = "dual" if dual or (pkg_json.get("module") and pkg_json.get("main")) else \
            "esm" if pkg_json.get("type") == "module" else "cjs"
        settings["type-definitions"] = bool(pkg_json.get("types") or pkg_json.get("typings"))
        if pkg_json.get("browser"):
            settings["runtime-target"] = "browser"
        elif as_dict(pkg_json.get("engines")).get("node"):
            settings["runtime-target"] = "node"
    cargo_pkg = as_dict(m.cargo.get("package"))
    if cargo_pkg.get("name") and (facts.has("src/lib.rs") or m.cargo.get("lib")) and not facts.has("src/main.rs"):
        ev.append(f"Cargo.toml: [package] name = \"{cargo_pkg['name']}\" with a library target")
        if cargo_pkg.get("publish") is not False:
            public.append("Cargo.toml: publish is not disabled")
    if not ev:
        return None
    workflows = [f for f in facts.under(".github/workflows/") if any(w in f.rsplit("/", 1)[-1]
                                                                    for w in ("release", "publish", "pypi"))]
    public += [f"{w}: a release workflow" for w in workflows[:1]]
    settings["visibility"] = "public" if public else "internal"
    ev += public
    docs = [f for f in ("docs/conf.py", "doc/source/conf.py", "doc/conf.py", "mkdocs.yml", ".readthedocs.yml",
                        ".readthedocs.yaml", "docusaurus.config.js") if facts.has(f)]
    if docs:
        settings["doc-level"] = "full-site"
        ev.append(f"{docs[0]}: a documentation site")
    elif any(facts.has(f) for f in ("README.md", "README.rst")):
        settings["doc-level"] = "readme"
    has_web = m.py(*PY_WEB, *PY_API) or m.js(*BACKEND_JS)
    return Match("library", "high" if public and not has_web else "medium" if not has_web else "low", ev, settings)


def detect_mobile(m: Manifests) -> Match | None:
    facts = m.facts
    js = m.js(*MOBILE_JS)
    pubspec = facts.texts.get("pubspec.yaml")
    if js:
        return Match("mobile-app", "high", _ev(js[:1]), {"platform": "cross-platform"})
    if pubspec is not None:
        from cadence import yamlio
        try:
            data = as_dict(yamlio.load(pubspec))
        except yamlio.YamlError:
            data = {}
        if "flutter" in as_dict(data.get("dependencies")):
            return Match("mobile-app", "high", ["pubspec.yaml: dependencies.flutter"], {"platform": "cross-platform"})
    ios = [f for f in facts.files if ".xcodeproj/" in f or f.endswith("Info.plist")]
    android = [f for f in ANDROID_FILES if facts.has(f)]
    if ios or android:
        platform = "cross-platform" if ios and android else "ios" if ios else "android"
        ev = ([f"{sorted(ios)[0]}: an Xcode project"] if ios else []) + [f"{a}: an Android app" for a in android[:1]]
        return Match("mobile-app", "medium", ev, {"platform": platform})
    return None


def detect_pipeline(m: Manifests) -> Match | None:
    facts = m.facts
    ev: list[str] = []
    settings: dict[str, Any] = {"processing": "batch"}
    dbt = facts.texts.get("dbt_project.yml")
    confidence = ""
    if dbt is not None:
        from cadence import yamlio
        try:
            data = as_dict(yamlio.load(dbt))
        except yamlio.YamlError:
            data = {}
        name = data.get("name")
        ev.append(f"dbt_project.yml: name: {name}" if name else "dbt_project.yml: a dbt project")
        paths = [str(p) for p in as_list(data.get("model-paths") or data.get("source-paths"))]
        if paths:
            ev.append(f"dbt_project.yml: model-paths: [{', '.join(paths)}]")
        models = sum(1 for f in facts.files if any(f.startswith(p.rstrip("/") + "/") for p in paths or ["models"])
                     and f.endswith(".sql"))
        if models:
            ev.append(f"{(paths or ['models'])[0]}/: {models} SQL model(s)")
        schema_tests = [f for f in facts.files if f.endswith(("schema.yml", "schema.yaml"))]
        if schema_tests:
            settings["quality"] = "testing"
            ev.append(f"{sorted(schema_tests)[0]}: model tests declared beside the models")
        if facts.under("seeds/", ".csv"):
            ev.append(f"seeds/: {len(facts.under('seeds/', '.csv'))} seed file(s)")
        confidence = "high"
    orch = m.py(*PY_PIPELINE)
    if orch:
        ev += _ev(orch[:2])
        settings["orchestration"] = PY_PIPELINE[orch[0][0]] if PY_PIPELINE[orch[0][0]] != "none" else \
            settings.get("orchestration", "none")
        confidence = confidence or ("high" if orch[0][0] not in ("pyspark", "apache-beam") else "medium")
    streaming = m.py(*PY_STREAMING)
    if streaming:
        settings["processing"] = "hybrid" if confidence else "streaming"
        ev += _ev(streaming[:1])
        confidence = confidence or "medium"
    quality = m.py("great-expectations", "pandera", "soda-core")
    if quality:
        settings.setdefault("quality", "validation")
        ev += _ev(quality[:1])
    if facts.has("dags/") or facts.under("dags/", ".py"):
        settings["orchestration"] = "dag-based"
        ev.append(f"{facts.under('dags/', '.py')[0]}: a DAG definition")
        confidence = confidence or "medium"
    if not confidence:
        return None
    return Match("data-pipeline", confidence, ev, settings)


def detect_ml(m: Manifests) -> Match | None:
    facts = m.facts
    deep, classical, llm = m.py(*PY_ML_DEEP), m.py(*PY_ML_CLASSICAL), m.py(*PY_ML_LLM)
    if not (deep or classical or llm):
        return None
    ev = _ev((llm or deep or classical)[:2])
    settings: dict[str, Any] = {"model-type": "llm" if llm else "deep-learning" if deep else "classical"}
    notebooks = facts.under("", ".ipynb")
    training = [f for f in facts.files if f.rsplit("/", 1)[-1] in ("train.py", "training.py", "trainer.py")]
    serving = m.py(*PY_ML_SERVING)
    if notebooks:
        ev.append(f"{notebooks[0]}: {len(notebooks)} notebook(s)")
    if training:
        ev.append(f"{sorted(training)[0]}: a training entry point")
    if serving:
        ev += _ev(serving[:1])
    settings["phase"] = "both" if training and serving else "inference" if serving else "training"
    settings["serving"] = "realtime" if serving else "none"
    tracking = m.py(*PY_ML_TRACKING)
    settings["experiment-tracking"] = bool(tracking)
    ev += _ev(tracking[:1])
    return Match("ml", "high" if notebooks or training else "medium", ev, settings)


def detect_extension(m: Manifests) -> Match | None:
    for name in ("manifest.json", "src/manifest.json", "public/manifest.json", "extension/manifest.json"):
        text = m.facts.texts.get(name)
        if text is None:
            continue
        try:
            data = as_dict(json.loads(text))
        except ValueError:
            continue
        version = data.get("manifest_version")
        if version not in (2, 3):
            continue
        ev = [f"{name}: \"manifest_version\": {version}"]
        surfaces = []
        action = as_dict(data.get("action") or data.get("browser_action"))
        for key, surface in ((action.get("default_popup"), "popup"),
                             (data.get("options_page") or data.get("options_ui"), "options"),
                             (as_dict(data.get("chrome_url_overrides")).get("newtab"), "newtab"),
                             (data.get("devtools_page"), "devtools"), (data.get("side_panel"), "sidepanel")):
            if key:
                surfaces.append(surface)
        if surfaces:
            ev.append(f"{name}: UI surfaces {', '.join(surfaces)}")
        scripts = bool(as_list(data.get("content_scripts")))
        worker = bool(data.get("background"))
        if scripts:
            ev.append(f"{name}: \"content_scripts\"")
        if worker:
            ev.append(f"{name}: \"background\"")
        return Match("browser-extension", "high", ev, {"manifest": str(version), "ui-surfaces": surfaces,
                                                       "content-script": scripts, "background-worker": worker})
    return None


def detect_game(m: Manifests) -> Match | None:
    facts = m.facts
    if facts.has("project.godot"):
        return Match("game", "high", ["project.godot: a Godot project"], {"engine": "godot"})
    uproject = [f for f in facts.files if "/" not in f and f.endswith(".uproject")]
    if uproject:
        return Match("game", "high", [f"{uproject[0]}: an Unreal project"], {"engine": "unreal"})
    if facts.has("ProjectSettings/ProjectVersion.txt"):
        return Match("game", "high", ["ProjectSettings/ProjectVersion.txt: a Unity project"], {"engine": "unity"})
    if any(f.startswith("Assets/") and f.endswith(".meta") for f in facts.files):
        return Match("game", "medium", ["Assets/: Unity asset metadata (.meta files)"], {"engine": "unity"})
    games = m.py("pygame", "arcade", "pyglet", "panda3d") or m.js("phaser", "pixi.js", "three", "babylonjs")
    if games:
        return Match("game", "medium", _ev(games[:1]), {"engine": "custom"})
    if m.rust("bevy", "macroquad", "ggez"):
        return Match("game", "high", [f"Cargo.toml: [dependencies] {m.rust('bevy', 'macroquad', 'ggez')[0]}"],
                     {"engine": "custom"})
    return None


DETECTORS = (detect_game, detect_extension, detect_mobile, detect_pipeline, detect_ml, detect_web, detect_backend,
             detect_cli, detect_library)


def detect(facts: RepoFacts) -> tuple[list[Match], list[str]]:
    """Every type the repository plausibly is, most confident first (ties keep the detectors' order),
    and the manifests that could not be parsed."""
    m = Manifests(facts)
    found = [r for r in (d(m) for d in DETECTORS) if r is not None]
    found.sort(key=lambda r: CONFIDENCE.index(r.confidence))
    return found, m.problems


def choose(matches: list[Match]) -> tuple[Match | None, list[Match]]:
    """The type to use without asking, or None with the candidates a person must choose between: one
    match alone in the top confidence tier wins; a tie there (or only low-confidence guesses) is ambiguous."""
    plausible = [r for r in matches if r.confidence != "low"]
    if not plausible:
        return None, []
    top = [r for r in plausible if r.confidence == plausible[0].confidence]
    if len(top) == 1:
        return top[0], plausible
    return None, top
