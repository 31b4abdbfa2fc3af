"""Session tax: the bytes of a session's first model request with cadence installed minus without.

    python benchmarks/bench_session_tax.py [--clients claude,opencode,codex,gemini] [--peers] [--sonnet] [--files N]

Each real client (from `scripts/install-clients`, or on PATH) starts in a fresh project with an
isolated HOME, inside a loopback-only network namespace, against a recording fake model on
127.0.0.1 (`_recorder.py`), and is asked "hello". The first request that carries the user's
message is measured, as compact JSON, for a bare git repository and for the same repository after
`cadence init` (an mvp cli project and a deep web-app project, all four clients installed). The
difference is split into what cadence adds: instructions (CLAUDE.md / AGENTS.md / GEMINI.md and
the MCP server's instructions), agents, skills, commands and MCP tool schemas. Budget warnings and
truncation notices that a client logs are reported beside the figures.

With `--peers` the same is measured for Claude Code with the tools of the field that install offline
from the registries reachable here (spec-kit's `specify-cli`, OpenSpec, get-shit-done, task-master's
MCP server), installed on first use into `benchmarks/.peers/` (ignored).
With `--files N` every project (the bare one too) starts with N small source files, as a project that
already has code would: Gemini's first message lists up to 200 of the project's files and folders.
Tokens are estimated as bytes / 4.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, cadence_bin, table  # noqa: E402

CLIENTS = ("claude", "opencode", "codex", "gemini")
PEERS_DIR = ROOT / "benchmarks" / ".peers"
QUIET = dict(CI="1", NO_UPDATE_NOTIFIER="1", DISABLE_AUTOUPDATER="1", DISABLE_TELEMETRY="1",
             DISABLE_ERROR_REPORTING="1", DO_NOT_TRACK="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
             OPENCODE_DISABLE_AUTOUPDATE="1", OPENCODE_DISABLE_SHARE="1", OPENCODE_DISABLE_MODELS_FETCH="1",
             GEMINI_TELEMETRY_ENABLED="false", NO_COLOR="1", MCP_CONNECTION_NONBLOCKING="false",
             MCP_CONNECT_TIMEOUT_MS="60000")
PROJECTS = {
    "cadence mvp cli": ["--methodology", "mvp", "--project-type", "cli", "--cli-interactivity", "args-only"],
    "cadence deep web-app": ["--methodology", "deep", "--project-type", "web-app", "--web-rendering", "ssr"],
}


def binary(name: str) -> str | None:
    local = ROOT / ".clients" / "node_modules" / ".bin" / name
    return str(local) if local.exists() else shutil.which(name)


def netns() -> list[str]:
    try:
        return ["unshare", "-n"] if subprocess.run(["unshare", "-n", "true"], capture_output=True,
                                                   timeout=10).returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired):
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def compact(x: object) -> int:
    return len(json.dumps(x, separators=(",", ":"), ensure_ascii=False).encode())


# ---------------------------------------------------------------- one client run

class Run:
    def __init__(self, client: str, proj: Path, work: Path, model: str | None = None) -> None:
        self.client, self.proj, self.work, self.model = client, proj, work, model
        self.home = work / f"home-{client}"
        self.log = work / f"{client}.requests.jsonl"
        self.debug = work / f"{client}.debug.log"

    def env(self, port: int) -> dict[str, str]:
        h = self.home
        env = {**os.environ, **QUIET, "HOME": str(h), "XDG_CONFIG_HOME": str(h / ".config"),
               "XDG_DATA_HOME": str(h / ".local/share"), "XDG_CACHE_HOME": str(h / ".cache"),
               "XDG_STATE_HOME": str(h / ".local/state"), "CODEX_HOME": str(h / "codex"), "PWD": str(self.proj)}
        base = f"http://127.0.0.1:{port}"
        if self.client == "claude":
            env.update(ANTHROPIC_BASE_URL=base, ANTHROPIC_API_KEY="sk-fake", ENABLE_TOOL_SEARCH="false")
        elif self.client == "opencode":
            env["OPENCODE_CONFIG_CONTENT"] = json.dumps({
                "provider": {"fake": {"npm": "@ai-sdk/openai-compatible", "options": {"baseURL": f"{base}/v1",
                                                                                      "apiKey": "x"},
                                      "models": {"fake-model": {"tool_call": True}}}},
                "model": "fake/fake-model", "small_model": "fake/fake-model"})
        elif self.client == "codex":
            env["FAKE_API_KEY"] = "x"
        elif self.client == "gemini":
            env.update(GEMINI_API_KEY="fake", GOOGLE_GEMINI_BASE_URL=base)
        return env

    def prepare(self, port: int) -> None:
        (self.home / ".config").mkdir(parents=True, exist_ok=True)
        if self.client == "codex":
            (self.home / "codex").mkdir(exist_ok=True)
            (self.home / "codex" / "config.toml").write_text(
                f'model = "fake-model"\nmodel_provider = "fake"\n[model_providers.fake]\nname = "fake"\n'
                f'base_url = "http://127.0.0.1:{port}/v1"\nenv_key = "FAKE_API_KEY"\nwire_api = "responses"\n'
                f'[projects."{self.proj}"]\ntrust_level = "trusted"\n')
        if self.client == "gemini":
            g = self.home / ".gemini"
            g.mkdir(exist_ok=True)
            (g / "settings.json").write_text(json.dumps({
                "privacy": {"usageStatisticsEnabled": False}, "telemetry": {"enabled": False},
                "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
                "security": {"auth": {"selectedType": "gemini-api-key"}}}))
            (g / "trustedFolders.json").write_text(json.dumps({str(self.proj): "TRUST_FOLDER"}))

    def argv(self) -> list[str]:
        exe = binary(self.client)
        assert exe
        if self.client == "claude":
            model = ["--model", self.model] if self.model else []
            return [exe, "-p", "hello", "--output-format", "stream-json", "--verbose", *model, "--debug-file",
                    str(self.debug), "--settings", '{"enableAllProjectMcpServers": true}']
        if self.client == "opencode":
            return [exe, "run", "--print-logs", "--format", "json", "hello"]
        if self.client == "codex":
            wait = ["-c", "mcp_servers.cadence.required=true"] if (self.proj / ".codex").is_dir() else []
            return [exe, "exec", "--json", "--skip-git-repo-check", "-s", "read-only", *wait, "hello"]
        return [exe, "-p", "hello", "--output-format", "stream-json", "--yolo", "--debug"]

    def go(self) -> tuple[dict, str]:
        port = free_port()
        self.prepare(port)
        with tempfile.TemporaryFile("w+") as out:
            subprocess.run([*netns(), sys.executable, str(Path(__file__).with_name("_recorder.py")), str(port),
                            str(self.log), "--", *self.argv()], cwd=self.proj, env=self.env(port), stdout=out,
                           stderr=subprocess.STDOUT, text=True, timeout=300, stdin=subprocess.DEVNULL)
            out.seek(0)
            output = out.read()
        if self.debug.exists():
            output += self.debug.read_text(errors="replace")
        bodies = [json.loads(json.loads(line)["body"]) for line in self.log.read_text().splitlines()] \
            if self.log.exists() else []
        with_tools = [b for b in bodies if "hello" in json.dumps(b) and b.get("tools")]
        first = max(with_tools, key=lambda b: len(b.get("tools") or []), default=None)
        if first is None:
            raise RuntimeError(f"{self.client}: no request with the user's message\n{output[-3000:]}")
        return first, output


# ---------------------------------------------------------------- splitting a request into parts

def _texts(x: object) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _texts(v)]
    if isinstance(x, list):
        return [t for v in x for t in _texts(v)]
    return []


def _frontmatter(path: Path) -> dict:
    from ruamel.yaml import YAML
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".toml":
        import tomllib
        return tomllib.loads(text)
    if not text.startswith("---"):
        return {}
    try:
        return YAML(typ="safe").load(text.split("\n---", 1)[0][3:]) or {}
    except Exception:  # noqa: BLE001 - a file the client cannot read either
        return {}


def sources(proj: Path) -> dict[str, list[str]]:
    """The texts cadence put into a project that a client may hand the model, by part."""
    out: dict[str, list[str]] = {"instructions": [], "agents": [], "skills": [], "commands": []}
    for name in ("CLAUDE.md", "AGENTS.md", "GEMINI.md"):
        f = proj / name
        if f.is_file():
            out["instructions"] += re.findall(r"cadence managed -->\n(.*?)<!-- <<<", f.read_text(), re.S)
    from cadence.mcp.server import INSTRUCTIONS
    out["instructions"].append(INSTRUCTIONS)
    for pattern, part in ((".claude/agents/*.md", "agents"), (".opencode/agents/*.md", "agents"),
                          (".codex/agents/*.toml", "agents"), (".gemini/agents/*.md", "agents"),
                          ("*/skills/*/SKILL.md", "skills"), (".agents/skills/*/SKILL.md", "skills"),
                          (".claude/commands/**/*.md", "commands"), (".opencode/commands/*.md", "commands"),
                          (".gemini/commands/**/*.toml", "commands")):
        for f in proj.glob(pattern):
            fm = _frontmatter(f)
            out[part] += [str(v) for k, v in fm.items() if k in ("description",) and v]
            if part == "agents":
                body = f.read_text(errors="replace").split("\n---\n", 1)[-1].strip()
                out[part] += [str(fm.get("developer_instructions") or body)[:20000]]
    return {k: sorted(set(v), key=len, reverse=True) for k, v in out.items()}


def parts(body: dict, src: dict[str, list[str]]) -> dict[str, int]:
    """Bytes per part of one request: cadence's MCP tool schemas, then every text cadence wrote that the
    request carries (longest first, each occurrence counted once); the rest is `other`."""
    out: dict[str, int] = {}
    tools = body.get("tools") or []
    flat = [d for t in tools for d in t.get("functionDeclarations", [])] if tools and "functionDeclarations" in \
        json.dumps(tools[:1]) else tools

    def tool_name(t: dict) -> str:
        return str(t.get("name") or t.get("function", {}).get("name") or "")
    mcp = [t for t in flat if "cadence" in tool_name(t)]
    out["mcp tools"] = sum(compact(t) for t in mcp)
    text = "\n".join(_texts({k: v for k, v in body.items() if k != "tools"}) + _texts([t for t in flat
                                                                                       if t not in mcp]))
    for part in ("instructions", "agents", "skills", "commands"):
        n = 0
        for s in src[part]:
            if len(s) >= 12 and s in text:
                n += len(s.encode()) * text.count(s)
                text = text.replace(s, "")
        out[part] = n
    out["total"] = compact(body)
    out["other"] = out["total"] - sum(v for k, v in out.items() if k != "total")
    return out


WARNINGS = re.compile(r"over budget[^\n]*|duplicate skill name[^\n]*|truncat[^\n]*skill[^\n]*|"
                      r"Skipping invalid command[^\n]*|Agent loading error[^\n]*", re.I)


def warnings(output: str) -> list[str]:
    """Budget, truncation and duplicate warnings the client logged, counted by kind."""
    seen: dict[str, int] = {}
    for w in WARNINGS.findall(output):
        key = re.sub(r"\d+", "N", re.sub(r'" name=.*', "", w))[:90]
        seen[key] = seen.get(key, 0) + 1
    return [f"{k} ×{n}" if n > 1 else k for k, n in seen.items()]


# ---------------------------------------------------------------- projects

def bare_project(work: Path, name: str, files: int = 0) -> Path:
    proj = work / name
    proj.mkdir(parents=True)
    for i in range(files):  # 25 per folder, like a small codebase
        src = proj / "src" / f"module_{i // 25:02d}" / f"file_{i % 25:02d}.py"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text("x = 1\n")
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=proj, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], cwd=proj, check=True)
    return proj


def commit_all(proj: Path) -> None:
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "add", "-A"], cwd=proj, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "tool"], cwd=proj, check=True)


def cadence_project(work: Path, name: str, args: list[str]) -> Callable[[Path], None]:
    def setup(proj: Path) -> None:
        env = {**os.environ, "CADENCE_CACHE_DIR": str(work / "cache")}
        subprocess.run([*cadence_bin(), "init", "--no-input", *args, "--clients", ",".join(CLIENTS)], cwd=proj,
                       env=env, check=True, stdout=subprocess.DEVNULL)
    return setup


def measure(client: str, work: Path, label: str, setup: Callable[[Path], None] | None,
            model: str | None = None, files: int = 0) -> tuple[dict[str, int], list[str]]:
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    proj = bare_project(work / client / slug, "proj", files)  # the same path length for every project
    if setup:
        setup(proj)
        commit_all(proj)
    else:
        commit_all(proj)
    body, output = Run(client, proj, work / client / slug, model).go()
    return parts(body, sources(proj)), warnings(output)


# ---------------------------------------------------------------- peers (Claude Code only)

def peer_setups(work: Path) -> dict[str, Callable[[Path], None]]:
    """Installs each peer once into benchmarks/.peers/ (from PyPI / npm) and returns its project setup."""
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    out: dict[str, Callable[[Path], None]] = {}
    venv = PEERS_DIR / "venv"
    if not (venv / "bin" / "specify").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "specify-cli==1.2.3"], check=False)
    if (venv / "bin" / "specify").exists():
        out["spec-kit 1.2.3"] = lambda p: _run([str(venv / "bin" / "specify"), "init", "--here", "--force",
                                                 "--non-interactive", "--integration", "claude",
                                                 "--ignore-agent-tools", "--script", "sh"], p)
    npm = PEERS_DIR / "npm"
    wanted = ["@fission-ai/openspec@1.13.2", "get-shit-done-cc", "task-master-ai@0.43.1"]
    if not (npm / "node_modules" / ".bin" / "openspec").exists() and shutil.which("npm"):
        subprocess.run(["npm", "install", "--prefix", str(npm), "--no-fund", "--no-audit", "--loglevel=error",
                        *wanted], check=False)
    bin_ = npm / "node_modules" / ".bin"
    if (bin_ / "openspec").exists():
        out["OpenSpec 1.13.2"] = lambda p: _run([str(bin_ / "openspec"), "init", "--tools", "claude",
                                                 "--no-animation", "."], p)
    gsd = npm / "node_modules" / "get-shit-done-cc"
    if gsd.exists():
        version = json.loads((gsd / "package.json").read_text())["version"]
        out[f"get-shit-done {version}"] = lambda p: _run(["node", str(gsd / "bin" / "install.js"), "--claude",
                                                          "--local"], p)
    tm = bin_ / "task-master-ai"
    if tm.exists():
        out["task-master 0.43.1 (MCP, core tier)"] = lambda p: (p / ".mcp.json").write_text(json.dumps(
            {"mcpServers": {"task-master-ai": {"type": "stdio", "command": str(tm), "args": []}}}))
    return out


def _run(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=300, check=False, env={**os.environ, **QUIET})


# ---------------------------------------------------------------- main

COLUMNS = ["instructions", "agents", "skills", "commands", "mcp tools", "other"]


def row(label: str, base: dict[str, int], with_tool: dict[str, int], warns: list[str]) -> list[object]:
    tax = with_tool["total"] - base["total"]
    return [label, f"{tax:+,} ({tax // 4:,} tok)",
            *[f"{with_tool[c] - base[c]:+,}" for c in COLUMNS], "; ".join(warns) or "none"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", default=",".join(CLIENTS))
    ap.add_argument("--peers", action="store_true", help="also measure peer tools (Claude Code)")
    ap.add_argument("--sonnet", action="store_true", help="Claude Code with --model sonnet (6,000-char budget)")
    ap.add_argument("--files", type=int, default=0, metavar="N", help="start every project with N source files")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cadence-tax-"))
    headers = ["setup", "tax B (≈tokens)", *COLUMNS, "client warnings"]
    try:
        for client in a.clients.split(","):
            if not binary(client):
                print(f"\n{client}: not installed (scripts/install-clients) — skipped")
                continue
            model = "sonnet" if a.sonnet and client == "claude" else None
            base, _ = measure(client, work, "bare", None, model, a.files)
            rows = []
            setups = {k: cadence_project(work, k, v) for k, v in PROJECTS.items()}
            if a.peers and client == "claude":
                setups |= peer_setups(work)
            for label, setup in setups.items():
                try:
                    res, warns = measure(client, work, label, setup, model, a.files)
                except (RuntimeError, subprocess.SubprocessError) as exc:
                    rows.append([label, f"failed: {str(exc).splitlines()[0][:80]}", *[""] * len(COLUMNS), ""])
                    continue
                rows.append(row(label, base, res, warns))
            files = f" with {a.files} files" if a.files else ""
            title = f"{client}{' (sonnet)' if model else ''}: bare project{files} {base['total']:,} B"
            print(f"\n{title}\n\n" + table(headers, rows))
    finally:
        if a.keep:
            print(f"\nwork directory: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
