"""The real AI clients read what cadence rendered (skipped cleanly when a client is not installed).

Install them with `scripts/install-clients` (npm, into the ignored `.clients/`), or put them on PATH.
Every client runs with an isolated HOME (and XDG dirs, CODEX_HOME), stdin closed, a timeout and — when
the machine allows it (`unshare -n` as root) — inside a network namespace with no route out, so
nothing here can reach the network. Commands and pass conditions follow the probe
(`shared/reference/clients-probe.md` §10).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.clients

REPO = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CLIENT_ENV = dict(CI="1", NO_UPDATE_NOTIFIER="1", DISABLE_AUTOUPDATER="1", DISABLE_TELEMETRY="1",
                  DISABLE_ERROR_REPORTING="1", DO_NOT_TRACK="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
                  OPENCODE_DISABLE_AUTOUPDATE="1", OPENCODE_DISABLE_SHARE="1", OPENCODE_DISABLE_MODELS_FETCH="1",
                  GEMINI_TELEMETRY_ENABLED="false", NO_COLOR="1", RUST_BACKTRACE="0",
                  MCP_INSPECTOR_SECRET_STORE="memory", MCP_CONNECTION_NONBLOCKING="false",
                  MCP_TIMEOUT="60000")  # Claude: wait up to 60 s for the server on a loaded machine
AGENTS = {"architect", "implement", "security", "testing"}


def binary(name: str) -> str:
    for d in (os.environ.get("CADENCE_CLIENTS_BIN"), str(REPO / ".clients" / "node_modules" / ".bin")):
        if d and (Path(d) / name).exists():
            return str(Path(d) / name)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} not installed (scripts/install-clients)")
    return found


def _netns() -> list[str]:
    try:
        ok = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return ["unshare", "-n"] if ok else []


NETNS = _netns()


def build_world(base: Path, seed: dict[str, bytes] | None = None) -> dict[str, Path]:
    """A project (optionally seeded with the user's own files) with every client installed by
    `cadence init`, and an isolated home per client."""
    proj = base / "proj"
    proj.mkdir()
    env = {**os.environ, "CADENCE_CACHE_DIR": str(base / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=proj, check=True, env=env)
    for rel, data in (seed or {}).items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_bytes(data)
    r = subprocess.run([sys.executable, "-m", "cadence", "init", "--no-input", "--clients",
                        "claude,opencode,codex,gemini"], cwd=proj, capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    homes = {}
    for c in ("claude", "opencode", "codex", "gemini", "inspector"):
        h = base / f"home-{c}"
        (h / ".config").mkdir(parents=True)
        homes[c] = h
    (homes["codex"] / "codex").mkdir()
    (homes["codex"] / "codex" / "config.toml").write_text(f'[projects."{proj}"]\ntrust_level = "trusted"\n')
    (homes["gemini"] / ".gemini").mkdir()
    (homes["gemini"] / ".gemini" / "settings.json").write_text(json.dumps(
        {"privacy": {"usageStatisticsEnabled": False}, "telemetry": {"enabled": False},
         "general": {"disableAutoUpdate": True, "disableUpdateNag": True}}))
    (homes["gemini"] / ".gemini" / "trustedFolders.json").write_text(json.dumps({str(proj): "TRUST_FOLDER"}))
    return {"proj": proj, "cache": base / "cache", **{f"home-{k}": v for k, v in homes.items()}}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_world(tmp_path_factory.mktemp("clients"))


def client_env(world: dict[str, Path], client: str) -> dict[str, str]:
    home = world[f"home-{client}"]
    return {**os.environ, **CLIENT_ENV, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local/state"), "CODEX_HOME": str(home / "codex"),
            "CADENCE_CACHE_DIR": str(world["cache"]), "PWD": str(world["proj"])}  # opencode trusts $PWD


def run(world: dict[str, Path], client: str, args: list[str], cwd: Path | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a client; stdout goes through a file (node truncates large output written to a pipe at exit)."""
    import tempfile
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.run([*NETNS, *args], cwd=cwd or world["proj"], env=client_env(world, client), stdout=out,
                              stderr=subprocess.PIPE, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        out.seek(0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), proc.stderr)


CLAUDE_SETTINGS = '{"enableAllProjectMcpServers": true}'


def test_claude_mcp_list_shows_cadence_connected(world: dict[str, Path]) -> None:
    out = run(world, "claude", [binary("claude"), "--settings", CLAUDE_SETTINGS, "mcp", "list"])
    assert re.search(r"^cadence: .* ✔ Connected", out.stdout, re.M), out.stdout + out.stderr
    assert "MCP config diagnostics" not in out.stdout


def test_claude_inventory_lists_agents_skills_commands_and_tools(world: dict[str, Path]) -> None:
    out = run(world, "claude", [binary("claude"), "-p", "x", "--output-format", "stream-json", "--verbose",
                                "--settings", CLAUDE_SETTINGS])
    init = next((json.loads(line) for line in out.stdout.splitlines()
                 if line.startswith("{") and '"init"' in line), None)
    assert init is not None, out.stdout[:500] + out.stderr[:500]
    assert AGENTS <= set(init["agents"])
    assert {"cadence-pipeline", "cadence-workflow"} <= set(init["skills"])
    assert "cadence:create-vision" in init["slash_commands"]
    assert {"name": "cadence", "status": "connected"} in [{k: s[k] for k in ("name", "status")}
                                                          for s in init["mcp_servers"]]
    assert {"mcp__cadence__read", "mcp__cadence__plan", "mcp__cadence__write"} <= set(init["tools"])  # lean tier
    assert "mcp__cadence__pipeline_next" not in init["tools"]


def test_claude_plugin_validate_strict_passes(world: dict[str, Path], tmp_path: Path) -> None:
    plug = tmp_path / "plugin"
    (plug / ".claude-plugin").mkdir(parents=True)
    (plug / ".claude-plugin" / "plugin.json").write_text(json.dumps(
        {"name": "cadence", "version": "0.1.0", "description": "cadence", "author": {"name": "cadence"}}))
    for d in ("agents", "skills", "commands"):
        shutil.copytree(world["proj"] / ".claude" / d, plug / d)
    out = run(world, "claude", [binary("claude"), "plugin", "validate", "--strict", str(plug)])
    assert out.returncode == 0 and "Validation passed" in out.stdout, out.stdout + out.stderr


def test_opencode_mcp_list_and_config(world: dict[str, Path]) -> None:
    oc = binary("opencode")
    out = run(world, "opencode", [oc, "mcp", "list"])
    text = ANSI.sub("", out.stdout + out.stderr)
    assert "✓ cadence connected" in text and "✗" not in text, text
    out = run(world, "opencode", [oc, "debug", "config"])
    assert out.returncode == 0, out.stderr
    cfg = json.loads(out.stdout[out.stdout.index("{"):])
    for name in AGENTS:
        agent = cfg["agent"][name]
        assert agent.get("description") and not agent.get("prompt", "").startswith("---"), name
    assert cfg["agent"]["architect"]["permission"]["edit"] == "deny"
    assert cfg["default_agent"] == "architect"
    cmd = cfg["command"]["cadence-create-vision"]
    assert cmd["description"] and not cmd["template"].startswith("---")
    out = run(world, "opencode", [oc, "debug", "skill"])
    skills = {s["name"] for s in json.loads(out.stdout[out.stdout.index("["):])}
    assert {"cadence-pipeline", "cadence-workflow"} <= skills


def test_codex_app_server_connects_and_calls_a_cadence_tool(world: dict[str, Path]) -> None:
    # codex is a node launcher that starts the native binary as its child: a session of their own, so that
    # the whole group is killed at the end and no app-server outlives the test
    proc = subprocess.Popen([*NETNS, binary("codex"), "app-server"], cwd=world["proj"], env=client_env(world, "codex"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    inbox: queue.Queue[dict] = queue.Queue()

    def pump() -> None:
        assert proc.stdout
        for line in proc.stdout:
            try:
                inbox.put(json.loads(line))
            except ValueError:
                pass
    threading.Thread(target=pump, daemon=True).start()
    notes: list[dict] = []
    counter = [0]

    def send(msg: dict) -> None:
        assert proc.stdin
        proc.stdin.write(json.dumps(msg) + "\n")
        proc.stdin.flush()

    def request(method: str, params: dict) -> dict:
        counter[0] += 1
        send({"jsonrpc": "2.0", "id": counter[0], "method": method, "params": params})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = inbox.get(timeout=60)
            if msg.get("id") == counter[0]:
                return msg
            notes.append(msg)
        raise TimeoutError(method)
    try:
        request("initialize", {"clientInfo": {"name": "cadence-tests", "version": "1"}})
        send({"jsonrpc": "2.0", "method": "initialized"})
        tid = request("thread/start", {"cwd": str(world["proj"]), "ephemeral": True})["result"]["thread"]["id"]
        status: dict = {}
        for _ in range(60):
            data = request("mcpServerStatus/list", {"threadId": tid}).get("result", {}).get("data", [])
            status = next((d for d in data if d.get("name") == "cadence"), {})
            if status.get("runtimeStatus") in ("connected", "failed"):
                break
            time.sleep(0.5)
        assert status.get("runtimeStatus") == "connected", status
        assert {"read", "plan", "write"} <= set(status.get("tools") or {}), status.get("tools")
        res = request("mcpServer/tool/call", {"server": "cadence", "threadId": tid, "tool": "read",
                                              "arguments": {"tool": "pipeline_next", "args": {"count": 1}}})["result"]
        assert res["isError"] is False and res["structuredContent"]["eligible"]
        skills = request("skills/list", {"cwds": [str(world["proj"])], "forceReload": True})["result"]["data"][0]
        assert skills["errors"] == []
        assert {"cadence-pipeline", "cadence-workflow"} <= {s["name"] for s in skills["skills"]}
        assert not [n for n in notes if "malformed agent" in json.dumps(n)]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_gemini_mcp_list_and_skills(world: dict[str, Path]) -> None:
    gm = binary("gemini")
    out = run(world, "gemini", [gm, "mcp", "list"])
    assert out.returncode != 52 and "Invalid configuration" not in out.stdout + out.stderr
    assert re.search(r"✓ cadence: .* - Connected", out.stdout + out.stderr), out.stdout + out.stderr
    out = run(world, "gemini", [gm, "skills", "list"])
    assert re.search(r"^cadence-pipeline \[Enabled\]", out.stdout + out.stderr, re.M), out.stdout


def test_mcp_inspector_reads_the_generated_mcp_json(world: dict[str, Path]) -> None:
    out = run(world, "inspector", [binary("mcp-inspector"), "--cli", "--config", ".mcp.json", "--server", "cadence",
                                   "--method", "tools/call", "--tool-name", "read",
                                   "--tool-arg", "tool=pipeline_status", 'args={"compact": true}'])
    assert out.returncode == 0, out.stdout + out.stderr
    res = json.loads(out.stdout)
    assert res["isError"] is False and res["structuredContent"]["progress"]["enabled"] > 0


# ---------------------------------------------------------------- end to end through a fake model (§8)

FAKES = Path(__file__).resolve().parent / "fakes"


def _port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_fake_model(world: dict[str, Path], client: str, cmd: list[str], tool: str, args: str, tmp_path: Path,
                    extra_env: dict[str, str], port: int) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    log = tmp_path / "model.log"
    env = {**client_env(world, client), **extra_env}
    import tempfile
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.run([*NETNS, sys.executable, str(FAKES / "inns.py"), str(port), str(log), tool, args, "--",
                               *cmd], cwd=world["proj"], env=env, stdout=out, stderr=subprocess.PIPE, text=True,
                              timeout=180, stdin=subprocess.DEVNULL)
        out.seek(0)
        res = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), proc.stderr)
    requests = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return res, requests


def test_claude_calls_a_cadence_tool_through_a_fake_model(world: dict[str, Path], tmp_path: Path) -> None:
    port = _port()
    res, _ = with_fake_model(world, "claude", [binary("claude"), "-p", "call pipeline_next", "--output-format",
                                              "stream-json", "--verbose", "--settings", CLAUDE_SETTINGS,
                                              "--allowedTools", "mcp__cadence__read"],
                             "read", '{"tool": "pipeline_next", "args": {"count": 1}}', tmp_path,
                             {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}", "ANTHROPIC_API_KEY": "sk-fake",
                              "ENABLE_TOOL_SEARCH": "false"}, port)
    events = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    result = next((e for e in events if e.get("type") == "result"), {})
    assert result.get("is_error") is False, res.stdout[-2000:] + res.stderr[-2000:]
    assert result["result"].startswith("RESULT:") and "eligible" in result["result"]


def test_claude_slash_command_expands_to_the_thin_prompt(world: dict[str, Path], tmp_path: Path) -> None:
    """The user's `/cadence:create-vision` runs in `-p` mode although the command is hidden from the model
    (`disable-model-invocation: true`), and the step's prompt reaches the model through `write`."""
    command = (world["proj"] / ".claude/commands/cadence/create-vision.md").read_text()
    assert "\ndisable-model-invocation: true\n" in command.split("\n---\n")[0] + "\n"  # in its front matter
    port = _port()
    prompt = assembled_prompt(world["proj"], world["cache"], "create-vision")
    res, requests = with_fake_model(world, "claude", [binary("claude"), "-p", "/cadence:create-vision be brief",
                                                      "--output-format", "stream-json", "--verbose", "--settings",
                                                      CLAUDE_SETTINGS, "--allowedTools", "mcp__cadence__write"],
                                    "write", '{"tool": "pipeline_run", "args": {"step": "create-vision"}}', tmp_path,
                                    {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}", "ANTHROPIC_API_KEY": "sk-fake",
                                     "ENABLE_TOOL_SEARCH": "false"}, port)
    bodies = "\n".join(r["body"] for r in requests)
    assert "cadence run create-vision" in bodies and "be brief" in bodies, res.stdout[-1500:]
    before = [r["body"] for r in requests if '"tool_result"' not in r["body"]]
    after = [r["body"] for r in requests if '"tool_result"' in r["body"]]
    sentences = prompt_only_sentences(prompt, before)
    assert after and all(s in after[0] for s in sentences), "pipeline_run's prompt never reached the model"


def assembled_prompt(proj: Path, cache: Path, step: str) -> str:
    """The step's prompt as `pipeline_run` will assemble it (a preview: the state does not change)."""
    r = subprocess.run([sys.executable, "-m", "cadence", "run", step, "--preview", "--json"], cwd=proj,
                       capture_output=True, text=True, timeout=60, env={**os.environ, "CADENCE_CACHE_DIR": str(cache)})
    return str(json.loads(r.stdout)["data"]["prompt"])


def prompt_only_sentences(prompt: str, bodies: list[str]) -> list[str]:
    """Lines of an assembled prompt that no request body without the tool result contains: finding them in a later
    request proves the prompt itself reached the model. ASCII without quotes or backslashes, so they read the same
    at any level of JSON escaping."""
    lines = [line.strip() for line in prompt.splitlines()]
    found = [line for line in lines if re.fullmatch(r"[A-Za-z0-9 ,.;:()'/-]{40,}", line)
             and not any(line in b for b in bodies)]
    assert len(found) >= 5, f"too few prompt-only lines in the prompt: {found}"
    return found
