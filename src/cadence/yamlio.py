"""YAML through ruamel.yaml (imported only when something actually needs parsing).

Every document is bounded before it is built: its size, its nesting depth and the number of
nodes it would have once every alias is expanded. An alias bomb (anchors that refer to anchors,
a kilobyte of text standing for billions of nodes) is rejected after one linear pass over the
parser's events, before any object exists — later code that walks the data (validation, JSON
output, the cache) can never be made to expand it.
"""

from __future__ import annotations

from typing import Any

MAX_BYTES = 1_000_000      # characters of YAML text
MAX_DEPTH = 64             # nested mappings / sequences
MAX_NODES = 100_000        # scalars + collections, with every alias counted at its expanded size


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class YamlLimitError(YamlError):
    """The document is syntactically fine but exceeds a size, depth or expansion limit."""


def _check_limits(yaml: Any, text: str) -> None:
    """One pass over the events: depth, and the expanded node count (an alias counts as its anchor's size)."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]  # [anchor, expanded size so far] per open collection
    total = 0
    for event in yaml.parse(text):
        if isinstance(event, CollectionStartEvent):
            if len(stack) > MAX_DEPTH:
                raise YamlLimitError(f"nested deeper than {MAX_DEPTH} levels" + _at(event), _line(event))
            stack.append([event.anchor, 1])
            size = 1
        elif isinstance(event, CollectionEndEvent):
            anchor, inner = stack.pop()
            stack[-1][1] += inner
            if anchor is not None:
                sizes[anchor] = inner
            continue
        elif isinstance(event, ScalarEvent):
            size = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, AliasEvent):
            if event.anchor not in sizes:  # undefined, or inside its own anchor (a recursive structure)
                raise YamlError(f"alias *{str(event.anchor)[:40]} does not refer to an earlier, complete "
                                "anchor" + _at(event), _line(event))
            size = sizes[event.anchor]
        else:
            continue
        if not isinstance(event, CollectionStartEvent):
            stack[-1][1] += size
        total += size
        if total > MAX_NODES:
            raise YamlLimitError(f"expands to more than {MAX_NODES:,} values (anchors and aliases '*name' that "
                                 "multiply the document)" + _at(event), _line(event))


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _at(event: Any) -> str:
    line = _line(event)
    return f" (line {line})" if line else ""


def load(text: str) -> Any:
    """Parse one YAML document safely; raise YamlError (YamlLimitError for a bound) on anything else."""
    if len(text) > MAX_BYTES:
        raise YamlLimitError(f"the YAML is {len(text):,} characters long; the limit is {MAX_BYTES:,}")
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    yaml = YAML(typ="safe", pure=True)
    try:
        _check_limits(yaml, text)
        return yaml.load(text)
    except YamlError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlError(f"{exc.problem or exc}" + (f" (line {line})" if line else ""), line) from None
    except YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    except Exception as exc:  # ruamel raises assorted errors on hostile input
        raise YamlError(f"invalid YAML: {str(exc)[:200]}") from None
