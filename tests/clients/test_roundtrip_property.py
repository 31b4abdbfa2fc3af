"""Property: whatever the user's shared files hold, install → uninstall gives back the same bytes."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import tomlkit
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from cadence.clients.install import install
from cadence.clients.uninstall import uninstall
from cadence.errors import CadenceError

keys = st.text(alphabet="abcdefgh_-$", min_size=1, max_size=8)
scalars = st.none() | st.booleans() | st.integers(-99, 99) | st.text(max_size=10)
values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(keys, c, max_size=3), max_leaves=5)
# objects that often collide with what cadence owns (mcp, agent, default_agent, mcpServers)
owned = st.sampled_from(["mcp", "agent", "default_agent", "mcpServers", "theme"])
json_docs = st.dictionaries(owned | keys, values, max_size=5)
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: each example installs twice
@example(claude_md="no newline", agents_md="\r", opencode={"mcp": {}}, indent=None, crlf=False, codex=None)
@example(claude_md=None, agents_md=None, opencode={"agent": None, "mcp": 5}, indent=2, crlf=False, codex=None)
@example(claude_md=None, agents_md=None, opencode={"agent": None}, indent=2, crlf=False, codex=None)
@example(claude_md="", agents_md="a\nb", opencode={"agent": {"build": {"disable": False}}, "default_agent": "x"},
         indent="\t", crlf=True, codex={"model": "o3"})
@given(claude_md=st.none() | text, agents_md=st.none() | text, opencode=st.none() | json_docs,
       indent=st.sampled_from([None, 2, 4, "\t"]), crlf=st.booleans(),
       codex=st.none() | st.dictionaries(keys, scalars.filter(lambda v: v is not None), max_size=4))
def test_install_uninstall_restores_any_user_files(claude_md: str | None, agents_md: str | None,
                                                   opencode: dict | None, indent: object, crlf: bool,
                                                   codex: dict | None) -> None:
    root = Path(tempfile.mkdtemp(prefix="cadence-prop-"))
    try:
        if claude_md is not None:
            (root / "CLAUDE.md").write_bytes(claude_md.encode())
        if agents_md is not None:
            data = agents_md.replace("\n", "\r\n") if crlf else agents_md
            (root / "AGENTS.md").write_bytes(data.encode())
        if opencode is not None:
            (root / "opencode.json").write_text(json.dumps(opencode, indent=indent))  # type: ignore[arg-type]
        if codex is not None:
            (root / ".codex").mkdir()
            (root / ".codex/config.toml").write_text(tomlkit.dumps(codex))
        before = snapshot(root)
        try:
            install(root, ["claude", "opencode", "codex"])
        except CadenceError as err:  # e.g. "mcp": 5 — refused before anything is written
            assert err.code == "CONFIG_FILE_INVALID"
            assert snapshot(root) == before
            return
        again = install(root, ["claude", "opencode", "codex"])
        assert set(again["counts"]) <= {"keep", "conflict"}
        uninstall(root)
        assert snapshot(root) == before
        assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()} == \
            ({".codex"} if codex is not None else set())
    finally:
        shutil.rmtree(root, ignore_errors=True)
