"""The TOML side of the config editor: the same small interface as `jsonc.Document`, on tomlkit
(which round-trips comments, order and formatting)."""

from __future__ import annotations

import json
from typing import Any


class TomlDocument:
    def __init__(self, text: str) -> None:
        import tomlkit
        self._tk = tomlkit
        # A UTF-8 byte-order mark is legal before a TOML document (Codex reads such files);
        # tomlkit does not accept it, so it is set aside and put back unchanged.
        self._bom = text[:1] == "\ufeff"
        self.doc = tomlkit.parse(text[1:] if self._bom else text)

    @property
    def text(self) -> str:
        return ("\ufeff" if self._bom else "") + str(self._tk.dumps(self.doc))

    def _node(self, path: tuple[str, ...]) -> Any:
        node: Any = self.doc
        for k in path:
            if not hasattr(node, "keys") or k not in node:
                return None
            node = node[k]
        return node

    def has(self, path: tuple[str, ...]) -> bool:
        return self._node(path) is not None

    def get(self, path: tuple[str, ...]) -> Any:
        node = self._node(path)
        if node is None:
            return None
        return node.unwrap() if hasattr(node, "unwrap") else node

    def raw(self, path: tuple[str, ...]) -> str | None:
        value = self.get(path)
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def existing_prefix(self, path: tuple[str, ...]) -> int:
        n = 0
        node: Any = self.doc
        for k in path:
            if not hasattr(node, "keys") or k not in node:
                break
            n += 1
            node = node[k]
        return n

    def _convert(self, value: Any, super_table: bool = False, inline: bool = False) -> Any:
        if isinstance(value, dict):
            if inline:  # inside an inline table (`mcp_servers = { … }`) only inline tables are allowed
                itbl = self._tk.inline_table()
                for k, v in value.items():
                    itbl[k] = self._convert(v, inline=True)
                return itbl
            tbl = self._tk.table(super_table and all(isinstance(v, dict) for v in value.values()))
            for k, v in value.items():
                tbl[k] = self._convert(v)
            return tbl
        return value

    def set(self, path: tuple[str, ...], value: Any) -> None:
        n = self.existing_prefix(path)
        node: Any = self.doc
        inline = False
        for k in path[:min(n, len(path) - 1)]:
            node = node[k]
            inline = inline or isinstance(node, self._tk.items.InlineTable)
        if n >= len(path) - 1:
            node[path[-1]] = self._convert(value, inline=inline)
            return
        nested: Any = value
        for k in reversed(path[n + 1:]):
            nested = {k: nested}
        node[path[n]] = self._convert(nested, super_table=True, inline=inline)

    def set_raw(self, path: tuple[str, ...], raw: str | None, value: Any = None) -> None:
        self.set(path, json.loads(raw) if raw is not None else value)

    def delete(self, path: tuple[str, ...]) -> bool:
        parent = self._node(path[:-1]) if len(path) > 1 else self.doc
        if parent is None or path[-1] not in parent:
            return False
        del parent[path[-1]]
        return True

    def is_empty_object(self, path: tuple[str, ...] = ()) -> bool:
        node = self._node(path) if path else self.doc
        return node is not None and hasattr(node, "keys") and len(node) == 0
