"""YAML through ruamel.yaml (imported only when something actually needs parsing)."""

from __future__ import annotations

from typing import Any


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def load(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    yaml = YAML(typ="safe", pure=True)
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlError(f"{exc.problem or exc}" + (f" (line {line})" if line else ""), line) from None
    except YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    except Exception as exc:  # ruamel raises assorted errors on hostile input
        raise YamlError(f"invalid YAML: {exc}") from None
