"""`cadence demo`: walk a throwaway repository through cadence, printing what happens at each step."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cadence.cli.output import Context, paint


def _cadence(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cadence", "--root", str(root), *args], capture_output=True,
                          text=True, check=False, env={**os.environ, "NO_COLOR": "1"})


def run_demo(ctx: Context, keep: bool = False) -> tuple[dict[str, Any], str]:
    root = Path(tempfile.mkdtemp(prefix="cadence-demo-"))
    out: list[str] = []
    steps: list[dict[str, Any]] = []

    def say(title: str, detail: str = "") -> None:
        line = f"{paint('▶', '36')} {title}" + (f"\n    {detail}" if detail else "")
        out.append(line)
        if not ctx.json:
            print(line, flush=True)

    def do(title: str, *args: str) -> subprocess.CompletedProcess[str]:
        proc = _cadence(root, *args)
        steps.append({"command": "cadence " + " ".join(args), "exit_code": proc.returncode})
        first = (proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines() or [""])[0]
        say(f"{title}: cadence {' '.join(args)}  (exit {proc.returncode})", first[:160])
        if proc.returncode != 0:
            raise RuntimeError(f"cadence {' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    try:
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
        (root / "README.md").write_text("# tool-library\n\nA small app for lending tools between neighbours.\n")
        say("created a throwaway git repository", str(root))
        do("initialise", "init", "--no-input", "--methodology", "mvp", "--name", "tool-library",
           "--project-type", "web-app", "--web-rendering", "ssr")
        do("what can run now", "next", "--count", "3")
        for step, output, body in (
            ("create-vision", "docs/vision.md", "# tool-library — Vision\n\nNeighbours lend tools without friction.\n"),
            ("review-vision", "docs/reviews/vision-review-vision.md", "# Vision review\n\nNo P0/P1 findings.\n"),
        ):
            proc = do(f"assemble the {step} prompt", "run", step)
            say(f"  the prompt has {len(proc.stdout.encode())} bytes; the assistant would now write {output}")
            path = root / output
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            do(f"record {step} (cadence checks the output exists)", "complete", step)
        do("progress", "status", "--compact")
        say("the pipeline part of the demo is done",
            "plan → loop → gate → finish, client rendering and the MCP server join the demo as they land")
        data = {"root": str(root) if keep else None, "steps": steps}
        return data, ""
    finally:
        if keep:
            say("kept the repository", str(root))
        else:
            shutil.rmtree(root, ignore_errors=True)
