"""The JSON/JSONC editor: edits touch only their bytes; delete(set(x)) gives x back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.clients.jsonc import Document, JsoncError, loads, strip_comments

LAYOUTS = [
    "{}",
    "{}\n",
    '{\n  "a": 1\n}\n',
    '{\n  // leading comment\n  "a": 1, // trailing\n  "b": [1, 2],\n}\n',
    '{"a": 1, "b": {"c": true}}',
    '{\r\n\t"a": {\r\n\t\t"x": 1\r\n\t}\r\n}\r\n',
    '{\n    "mcp": {\n        "other": {"type": "local"} /* keep */\n    }\n}\n',
    '\ufeff{\n  "$schema": "https://opencode.ai/config.json"\n}',
]


@pytest.mark.parametrize("text", LAYOUTS)
@pytest.mark.parametrize("path", [("mcp", "cadence"), ("default_agent",), ("agent", "build", "disable")])
def test_insert_then_delete_restores_bytes(text: str, path: tuple[str, ...]) -> None:
    doc = Document(text)
    n = doc.existing_prefix(path)
    doc.set(path, {"type": "local", "command": ["cadence", "mcp"]})
    assert doc.get(path) == {"type": "local", "command": ["cadence", "mcp"]}
    assert loads(doc.text)  # still valid JSONC
    doc.delete(path[:n + 1])
    assert doc.text == text


@pytest.mark.parametrize("text", LAYOUTS[2:5])
def test_replace_and_restore_prior_raw(text: str) -> None:
    doc = Document(text)
    prior = doc.raw(("a",))
    doc.set(("a",), {"x": [1, 2]})
    assert doc.get(("a",)) == {"x": [1, 2]}
    doc.set_raw(("a",), prior)
    assert doc.text == text


def test_comments_and_other_keys_survive() -> None:
    text = '{\n  // why dark\n  "theme": "dark",\n  "mcp": {}\n}\n'
    doc = Document(text)
    doc.set(("mcp", "cadence"), {"enabled": True})
    assert "// why dark" in doc.text and '"theme": "dark"' in doc.text
    assert json.loads(strip_comments(doc.text)) == {"theme": "dark", "mcp": {"cadence": {"enabled": True}}}


@pytest.mark.parametrize("bad", ['{"a": ', "[1, 2]", '{"a" 1}', "{/* open", '{"a": "x\n"}'])
def test_invalid_documents_raise(bad: str) -> None:
    with pytest.raises(JsoncError):
        Document(bad)


keys = st.text(alphabet="abcdefgh_-", min_size=1, max_size=6)
values = st.recursive(st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8),
                      lambda c: st.lists(c, max_size=3) | st.dictionaries(keys, c, max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(base=st.dictionaries(keys, values, max_size=5), indent=st.sampled_from([None, 2, 4, "\t"]),
       key=keys, value=values)
def test_property_roundtrip(base: dict, indent: object, key: str, value: object) -> None:
    text = json.dumps(base, indent=indent) + "\n"  # type: ignore[arg-type]
    doc = Document(text)
    existed = key in base
    prior = doc.raw((key,))
    doc.set((key,), value)
    assert json.loads(doc.text) == {**base, key: value}
    if existed:
        doc.set_raw((key,), prior)
    else:
        doc.delete((key,))
    assert json.loads(doc.text) == base
    if not existed:
        assert doc.text == text
