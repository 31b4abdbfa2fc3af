"""AI client renderers and the install / uninstall engine. Nothing here is imported by `cadence next`."""

from __future__ import annotations

from cadence.clients.base import Renderer

ORDER = ("claude", "opencode", "codex", "gemini")


def renderer(name: str) -> Renderer:
    if name == "claude":
        from cadence.clients.claude import Claude
        return Claude()
    if name == "opencode":
        from cadence.clients.opencode import OpenCode
        return OpenCode()
    if name == "codex":
        from cadence.clients.codex import Codex
        return Codex()
    if name == "gemini":
        from cadence.clients.gemini import Gemini
        return Gemini()
    from cadence.errors import USAGE, CadenceError, did_you_mean
    raise CadenceError("UNKNOWN_CLIENT", f"unknown client {name!r}",
                       (did_you_mean(name, list(ORDER)) + " Clients: " + ", ".join(ORDER)).strip(), USAGE)
