"""Ask a freshly started `cadence mcp` for its tools over stdio, with plain JSON-RPC (no SDK import).

Used by `cadence doctor` (does the server start and answer?) and usable by the demo.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from cadence.errors import ASSEMBLY, CadenceError


def list_tools(root: Path, tier: str = "standard", timeout: float = 20.0,
               command: list[str] | None = None) -> dict[str, Any]:
    """{'tools': [...], 'seconds': float, 'server': serverInfo}; raises CadenceError when it fails."""
    cmd = [*(command or [sys.executable, "-m", "cadence", "mcp"]), "--tools", tier, "--root", str(root)]
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                        "clientInfo": {"name": "cadence-probe", "version": "1"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}]
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        raise CadenceError("MCP_START_FAILED", f"cannot start the MCP server: {exc}",
                           "Run 'cadence mcp --debug' by hand to see why.", ASSEMBLY) from None
    inbox: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout
        for line in proc.stdout:
            inbox.put(line)
        inbox.put(None)
    threading.Thread(target=pump, daemon=True).start()
    info: dict[str, Any] = {}
    tools = None
    try:
        assert proc.stdin
        for m in msgs:
            proc.stdin.write(json.dumps(m) + "\n")
        proc.stdin.flush()
        deadline = start + timeout
        while tools is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                line = inbox.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                raise CadenceError("MCP_STDOUT_POLLUTED", f"the server wrote a non-protocol line: {line[:120]!r}",
                                   "Something printed to stdout; only protocol messages may go there.",
                                   ASSEMBLY) from None
            if msg.get("id") == 1:
                info = (msg.get("result") or {}).get("serverInfo") or {}
            elif msg.get("id") == 2:
                tools = (msg.get("result") or {}).get("tools")
    finally:
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
    if tools is None:
        err = (proc.stderr.read() if proc.stderr else "")[-500:]
        raise CadenceError("MCP_NO_ANSWER", "the MCP server did not answer tools/list"
                           + (f": {err.strip()}" if err.strip() else ""),
                           "Run 'cadence mcp --debug' by hand to see its error on stderr.", ASSEMBLY)
    return {"tools": tools, "seconds": round(time.monotonic() - start, 3), "server": info}
