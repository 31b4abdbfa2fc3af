"""Test-count parsing and command detection (both pure)."""

from __future__ import annotations

import json

import pytest

from cadence.core.detect_commands import detect, merge
from cadence.core.testcounts import parse_counts


@pytest.mark.parametrize("out,counts", [
    ("===== 3 passed, 1 failed, 2 skipped in 0.12s =====", (3, 1, 2)),
    ("..F\n1 failed, 2 passed, 1 error in 1.2s", (2, 2, 0)),
    ("5 passed, 1 xfailed, 2 warnings in 0.3s", (5, 0, 1)),
    (" Test Files  1 passed (1)\n      Tests  2 failed | 5 passed | 1 skipped (8)", (5, 2, 1)),
    ("\x1b[32m Tests \x1b[39m 4 passed (4)", (4, 0, 0)),
    ("Tests:       1 failed, 2 skipped, 3 passed, 6 total", (3, 1, 2)),
    ("=== RUN TestA\n--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\n--- SKIP: TestC\nFAIL", (1, 1, 1)),
    ("ok  \texample.com/a\t0.01s\nok  \texample.com/b\t0.02s", (2, 0, 0)),
    ("test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n"
     "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured", (4, 2, 1)),
    ("  12 passing (30ms)\n  2 pending\n  1 failing", (12, 1, 2)),
    ("Summary: 10 passed, 2 failed", (10, 2, 0)),
])
def test_parse_counts(out: str, counts: tuple[int, int, int]) -> None:
    c = parse_counts(out)
    assert c is not None
    assert (c["passed"], c["failed"], c["skipped"]) == counts


def test_parse_counts_none() -> None:
    assert parse_counts("Compiling…\ndone") is None
    assert parse_counts("") is None


def _pkg(**kw: object) -> str:
    return json.dumps(kw)


@pytest.mark.parametrize("files,expect", [
    ({"package.json": _pkg(scripts={"build": "tsc", "test": "vitest", "lint": "eslint ."},
                           devDependencies={"vitest": "1", "jest": "29"})},
     ("npm run build", "npx vitest run", "npm run lint", "vitest")),
    ({"package.json": _pkg(devDependencies={"jest": "29"}), "yarn.lock": ""}, (None, "yarn jest", None, "jest")),
    ({"package.json": _pkg(scripts={"build": "x"}, devDependencies={"mocha": "1"}), "pnpm-lock.yaml": ""},
     ("pnpm run build", "pnpm exec mocha", None, "mocha")),
    ({"package.json": _pkg(scripts={"test": "node t.js"}), "bun.lockb": ""}, (None, "bun run test", None, "npm-test")),
    ({"package.json": _pkg(devDependencies={"vitest": "1"}), "bun.lock": ""}, (None, "bunx vitest run", None,
                                                                                "vitest")),
    ({"package.json": _pkg(scripts={"test": 'echo "Error: no test specified" && exit 1', "build": "b"})},
     ("npm run build", None, None, "unknown")),
    ({"pyproject.toml": "[project]\nname='x'\n"}, (None, "python -m pytest", None, "pytest")),
    ({"pyproject.toml": "[tool.ruff]\n", "uv.lock": ""}, (None, "uv run pytest", "uv run ruff check .", "pytest")),
    ({"pyproject.toml": "[tool.poetry]\n", "poetry.lock": ""}, (None, "poetry run pytest", None, "pytest")),
    ({"pyproject.toml": "[tool.hatch.envs.default]\n"}, (None, "hatch run pytest", None, "pytest")),
    ({"setup.cfg": "[metadata]\n"}, (None, "python -m pytest", None, "pytest")),
    ({"tox.ini": "[tox]\n"}, (None, "tox", None, "tox")),
    ({"Cargo.toml": ""}, ("cargo build", "cargo test", "cargo clippy", "cargo")),
    ({"go.mod": "module x"}, ("go build ./...", "go test ./...", "go vet ./...", "go-test")),
    ({"Makefile": "build:\n\tcc\ntest: build\n\t./t\nlint:\n\tx\nVAR := 1\n"},
     ("make build", "make test", "make lint", "make")),
    ({"mix.exs": ""}, ("mix compile", "mix test", None, "ExUnit")),
    ({"build.gradle.kts": "", "gradlew": ""}, ("./gradlew build -x test", "./gradlew test", None, "gradle")),
    ({"pom.xml": ""}, ("mvn -q compile", "mvn -q test", None, "maven")),
    ({}, (None, None, None, "unknown")),
    ({"package.json": "{not json"}, (None, None, None, "unknown")),
])
def test_detect(files: dict[str, str], expect: tuple[object, ...]) -> None:
    d = detect(files)
    assert (d["build"], d["test"], d["lint"], d["framework"]) == expect


def test_merge_precedence() -> None:
    det = {"build": "make", "test": "pytest", "lint": None}
    assert merge(det, {"test": "tox"}, {"build": None, "test": None, "lint": "ruff check ."}) == \
        {"build": "make", "test": "tox", "lint": "ruff check ."}
    assert merge(det, {}, {"build": "", "test": "go test", "lint": None})["build"] is None


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_parse_counts_total(text: str) -> None:
    c = parse_counts(text)
    assert c is None or (set(c) == {"passed", "failed", "skipped"} and all(v >= 0 for v in c.values()))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 100))
def test_pytest_summary_roundtrip(p: int, f: int, s: int) -> None:
    parts = [f"{n} {w}" for n, w in ((f, "failed"), (p, "passed"), (s, "skipped")) if n]
    if not parts:
        return
    c = parse_counts("noise\n===== " + ", ".join(parts) + " in 1.23s =====\n")
    assert c == {"passed": p, "failed": f, "skipped": s}
