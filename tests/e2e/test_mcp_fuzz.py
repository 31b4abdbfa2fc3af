"""Fuzz the MCP tool layer in-process: any JSON arguments give a result or a coded tool error, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence.errors import CadenceError
from cadence.mcp.tools import TOOLS, validate

pytest.importorskip("mcp")

junk = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
                    st.text(max_size=300) | st.sampled_from(["../../etc/passwd", "$(id)", "a;b", "\x00", "x" * 5000]),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                    max_leaves=8)


def args_for(name: str) -> st.SearchStrategy[dict]:
    props = list(TOOLS[name].props) or ["x"]
    return st.dictionaries(st.sampled_from(props) | st.text(max_size=12), junk, max_size=5)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_validate_never_crashes(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(TOOLS)))
    args = data.draw(args_for(name) | junk)
    try:
        out = validate(TOOLS[name], args)
    except CadenceError as err:
        assert err.code == "INVALID_ARGUMENTS" and err.message
        return
    assert isinstance(out, dict) and set(out) <= set(TOOLS[name].props)


READ_ONLY = sorted(n for n, t in TOOLS.items() if t.read_only and not n.startswith("github"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    root = tmp_path_factory.mktemp("fuzz") / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([sys.executable, "-m", "cadence", "--root", str(root), "init", "--no-input"], check=True,
                   capture_output=True)
    from cadence.mcp.server import CadenceServer
    return CadenceServer("all", str(root))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_read_only_tools_answer_anything(server, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    name = data.draw(st.sampled_from(READ_ONLY))
    args = data.draw(args_for(name))
    res = server.call(name, args)
    assert res.content and res.content[0].text
    if res.is_error:
        err = res.structured_content["error"]
        assert err["code"] and err["code"] != "INTERNAL_ERROR", err
        assert json.loads(res.content[0].text)["error"] == err
