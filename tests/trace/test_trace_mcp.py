"""The `trace` MCP tool (standard tier) through a real stdio server."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from tests.e2e.test_mcp import call, session

FIXTURE = Path(__file__).parent.parent / "fixtures" / "trace" / "shop"


def test_trace_tool_returns_the_matrix_and_gaps(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE, root)

    async def go() -> tuple[tuple, tuple, bool]:
        async with session(root, "standard") as s:
            tools = {t.name: t for t in (await s.list_tools()).tools}
            read_only = bool(tools["trace"].annotations and tools["trace"].annotations.read_only_hint)
            return await call(s, "trace"), await call(s, "trace", {"tests": True}), read_only

    (err, data, _), (err2, full, _), read_only = asyncio.run(go())
    assert not err and not err2 and read_only
    assert {r["id"]: r["status"] for r in data["requirements"]}["FR-003"] == "red"
    assert data["tests"] == {"omitted": 13}
    assert len(full["tests"]) == 13
    assert ("undefined_id", "US-099") in {(g["kind"], g["id"]) for g in data["gaps"]}
