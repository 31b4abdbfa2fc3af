"""Each cadence skill once per client, with all four clients installed in one project, read from the real
clients: the model's first request (through the fake model of `tests/e2e/fakes`), OpenCode's `debug skill`
and Gemini's `skills list --all`.

Claude Code reads `.claude/skills`, Codex and Gemini `.agents/skills`, and OpenCode both of them (cadence renders
no `.opencode/skills` beside them). OpenCode keeps one skill per name: it logs `duplicate skill name` for the
second copy it meets and keeps one of the two, whichever its scan order gives, so the two copies must be
byte-identical. Skipped cleanly without the binaries (`scripts/install-clients`); isolated HOMEs, stdin closed,
a loopback-only network namespace where the machine allows it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_journeys import Journey
from tests.e2e.test_real_clients import binary, build_world, run

pytestmark = pytest.mark.clients

# how each client lists a skill to the model: Claude and Codex `- name: description`, OpenCode and Gemini XML
LISTED = {"claude": r"(?m)^- {name}: ", "codex": r"(?m)^- {name}: ", "opencode": r"<name>{name}</name>",
          "gemini": r"<name>{name}</name>"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_world(tmp_path_factory.mktemp("once"))


def skills(world: dict[str, Path]) -> list[str]:
    names = sorted(p.name for p in (world["proj"] / ".claude" / "skills").iterdir())
    assert names and "cadence-pipeline" in names
    return names


def tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_the_two_copies_are_byte_identical_and_opencode_has_none(world: dict[str, Path]) -> None:
    proj = world["proj"]
    assert tree(proj / ".claude" / "skills") == tree(proj / ".agents" / "skills")
    assert not (proj / ".opencode" / "skills").exists()


def _strings(x: Any) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, dict):
        return [s for v in x.values() for s in _strings(v)]
    if isinstance(x, list):
        return [s for v in x for s in _strings(v)]
    return []


@pytest.mark.parametrize("client", ["claude", "codex", "opencode", "gemini"])
def test_the_model_is_offered_each_skill_once(world: dict[str, Path], client: str, tmp_path: Path) -> None:
    j = Journey(client, world["proj"], tmp_path)
    j.run([{"name": "main", "match": "", "steps": [{"text": "ok"}]}], "hello")
    bodies = [json.loads(r["body"]) for r in j.requests]
    first = max((b for b in bodies if b.get("tools") and "hello" in json.dumps(b)), key=lambda b: len(json.dumps(b)),
                default=None)
    assert first is not None, j.trace()
    text = "\n".join(_strings(first))
    counts = {n: len(re.findall(LISTED[client].format(name=re.escape(n)), text)) for n in skills(world)}
    assert counts == dict.fromkeys(counts, 1), counts


def test_opencode_lists_each_skill_once_from_identical_copies(world: dict[str, Path]) -> None:
    proj = world["proj"]
    out = run(world, "opencode", [binary("opencode"), "debug", "skill", "--print-logs"])
    assert out.returncode == 0, out.stderr[-1500:]
    listing = json.loads(out.stdout[out.stdout.index("["):])
    listed = Counter(s["name"] for s in listing)
    assert {n: listed[n] for n in skills(world)} == dict.fromkeys(skills(world), 1)
    found: dict[str, set[Path]] = {s["name"]: {Path(s["location"])} for s in listing}
    for name, *paths in re.findall(r'"duplicate skill name" name=(\S+) existing=(\S+) duplicate=(\S+)', out.stderr):
        found.setdefault(name, set()).update(Path(p) for p in paths)
    for name in skills(world):
        allowed = {proj / d / "skills" / name / "SKILL.md" for d in (".claude", ".agents")}
        assert found[name] <= allowed, found[name]  # no third copy (.opencode/skills)
        assert len({json.dumps({k: v.hex() for k, v in tree(p.parent).items()}) for p in found[name]}) == 1, name


def test_gemini_lists_each_skill_once(world: dict[str, Path]) -> None:
    out = run(world, "gemini", [binary("gemini"), "skills", "list", "--all"])
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-1500:]
    listed = Counter(re.findall(r"(?m)^(\S+) \[(?:Enabled|Disabled)\]", text))
    assert {n: listed[n] for n in skills(world)} == dict.fromkeys(skills(world), 1), text
    assert "Skill conflict detected" not in text, text
