"""MCP server: `tools/list` bytes per tier, cold start to the first `tools/list`, read-only call latency.

    python benchmarks/bench_mcp.py [--runs N]

Talks plain JSON-RPC over the server's stdio (one JSON message per line), so the figures are
the server's, not a client library's. Targets: tools/list core ≤ 3.5 KB, standard ≤ 7.7 KB, lean ≤ 2.5 KB,
all ≤ 20 KB; cold start ≤ 1 s; read-only calls ≤ 20 ms median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_env, cadence_bin, new_project, table  # noqa: E402

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "1"}}}
PLAN = "---\ntitle: Bench\ntype: feature\n---\n# Bench\n\n## Tasks\n- [ ] Task 1: one\n- [ ] Task 2: two\n"
READ_ONLY_ARGS = {"plan_load": None, "repl_status": {}, "pipeline_next": {}, "pipeline_status": {"compact": True},
                  "plan_list": {}, "repl_summary": {}, "knowledge_get": {"name": "testing-strategy"},
                  "cadence_status": {}, "plan_overlaps": {}, "session_list": {}, "docs_list": {},
                  "knowledge_search": {"query": "testing"}}


class Server:
    def __init__(self, root: Path, tier: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([*cadence_bin(), "mcp", "--tools", tier, "--root", str(root)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env=env)
        self.n = 0

    def send(self, msg: dict) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict | None = None) -> tuple[dict, int]:
        self.n += 1
        self.send({"jsonrpc": "2.0", "id": self.n, "method": method, "params": params or {}})
        assert self.proc.stdout
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server exited")
            msg = json.loads(line)
            if msg.get("id") == self.n:
                return msg, len(line.encode())

    def initialize(self) -> None:
        self.send(INIT)
        assert self.proc.stdout
        self.proc.stdout.readline()
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    runs = ap.parse_args().runs
    env = bench_env()
    root = new_project(env)
    plan_file = Path(tempfile.mkdtemp()) / "plan.md"
    plan_file.write_text(PLAN)
    out = subprocess.run([*cadence_bin(), "--root", str(root), "--json", "plan", "save", "--file", str(plan_file)],
                         env=env, capture_output=True, text=True, check=True)
    plan = json.loads(out.stdout)["data"]["file"]
    subprocess.run([*cadence_bin(), "--root", str(root), "loop", "start", plan, "--test", "true"], env=env,
                   capture_output=True, check=True)
    READ_ONLY_ARGS["plan_load"] = {"name": plan}

    targets = {"core": 3.5, "standard": 7.7, "all": 20.0, "lean": 2.5}
    rows = []
    for tier in ("core", "standard", "all", "lean"):
        s = Server(root, tier, env)
        s.initialize()
        msg, line_bytes = s.request("tools/list")
        s.close()
        tools = msg["result"]["tools"]
        payload = len(json.dumps(tools, separators=(",", ":")).encode())
        rows.append([tier, len(tools), f"{payload:,}", f"{payload / 1024:.2f}", f"≤ {targets[tier]}",
                     "yes" if payload / 1024 <= targets[tier] else "NO", f"{line_bytes:,}"])
    print("tools/list size per tier (tools array, compact JSON; and the whole JSON-RPC response line)\n")
    print(table(["tier", "tools", "bytes", "KB", "target KB", "met", "response bytes"], rows))

    cold = []
    for _ in range(runs):
        start = time.perf_counter()
        s = Server(root, "standard", env)
        s.initialize()
        s.request("tools/list")
        cold.append((time.perf_counter() - start) * 1000)
        s.close()
    print(f"\ncold start → first tools/list (standard tier), median of {runs}: {statistics.median(cold):.0f} ms "
          f"(min {min(cold):.0f}, max {max(cold):.0f}; target ≤ 1000 ms)\n")

    s = Server(root, "all", env)
    s.initialize()
    rows = []
    all_medians = []
    for name, args in READ_ONLY_ARGS.items():
        msg, _ = s.request("tools/call", {"name": name, "arguments": args})
        err = msg.get("result", {}).get("isError")
        times = []
        for _ in range(max(runs, 20)):
            start = time.perf_counter()
            s.request("tools/call", {"name": name, "arguments": args})
            times.append((time.perf_counter() - start) * 1000)
        med = statistics.median(times)
        all_medians.append(med)
        rows.append([name, f"{med:.1f}", f"{statistics.quantiles(times, n=10)[-1]:.1f}",
                     "error" if err else "ok"])
    s.close()
    print("read-only tool calls over stdio (after one warm-up call), ms\n")
    print(table(["tool", "median", "p90", "result"], rows))
    print(f"\nmedian of medians: {statistics.median(all_medians):.1f} ms (target ≤ 20 ms)")


if __name__ == "__main__":
    main()
