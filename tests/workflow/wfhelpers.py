"""Helpers shared by the workflow tests (imported by name: tests/workflow is on sys.path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.com", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
           "GIT_CONFIG_GLOBAL": os.devnull}

FAKE_GH = textwrap.dedent('''\
    #!{python}
    """A stand-in for gh: records argv to $GH_FAKE_DIR/calls.jsonl and answers from $GH_FAKE_DIR/responses.json
    (keys: "auth status", "pr list", "pr create", "pr edit", "issue list", "issue view", "project list",
    "project item-list", "repo view"; values {{"stdout": str|json, "exit": int, "stderr": str}})."""
    import json, os, sys
    d = os.environ["GH_FAKE_DIR"]
    args = sys.argv[1:]
    with open(os.path.join(d, "calls.jsonl"), "a") as fh:
        fh.write(json.dumps(args) + "\\n")
    body = None
    if "--body-file" in args:
        with open(args[args.index("--body-file") + 1]) as fh:
            body = fh.read()
        with open(os.path.join(d, "body.md"), "w") as fh:
            fh.write(body)
    try:
        with open(os.path.join(d, "responses.json")) as fh:
            responses = json.load(fh)
    except FileNotFoundError:
        responses = {{}}
    key = " ".join(args[:2])
    r = responses.get(key, {{}})
    out = r.get("stdout", "")
    if not isinstance(out, str):
        out = json.dumps(out)
    sys.stdout.write(out)
    sys.stderr.write(r.get("stderr", ""))
    sys.exit(r.get("exit", 0))
''')


def git(cwd: Path, *args: str, check: bool = True) -> str:
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {args} failed: {proc.stderr}")
    return proc.stdout


def gh_calls(d: Path) -> list[list[str]]:
    f = d / "calls.jsonl"
    return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []


def gh_respond(d: Path, responses: dict[str, object]) -> None:
    (d / "responses.json").write_text(json.dumps(responses))


PLAN = """---
title: Add login
type: feature
issues: [12]
touches: ["src/auth/**"]
---
# Plan: Add login

## Summary

Users can log in.

## Tasks

- [ ] Task 1: Implement user model
  - AC: schema has name and email
  - AC: email is validated
- [ ] Task 2: Add endpoint
  - AC: POST /login returns 200

## Task Dependencies

- [ ] not a task

## Key Decisions

- Sessions in cookies

## Decision Log

- ignored
"""


def save_plan_file(root: Path, text: str = PLAN, title: str | None = None) -> str:
    from cadence.workflow.plans import save_plan
    return str(save_plan(root, title, None, text)["file"])


def cadence(*args: str, cwd: Path, env: dict[str, str] | None = None,
            input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (`python -m cadence`)."""
    return subprocess.run([sys.executable, "-m", "cadence", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, input=input_text if input_text is not None else "",
                          timeout=120)


def cadence_json(*args: str, cwd: Path, **kw: object) -> tuple[int, dict]:
    proc = cadence("--json", *args, cwd=cwd, **kw)  # type: ignore[arg-type]
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)
