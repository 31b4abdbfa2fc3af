"""An opened project — content index, validated config, resolved pipeline and state — and its outputs
on disk. Shared by the pipeline operations."""

from __future__ import annotations

from pathlib import Path

from cadence.errors import USAGE, CadenceError, did_you_mean
from cadence.project import fsio, paths
from cadence.project.state import OUTPUT_ALIASES, load_state, save_state, statuses

MAX_DIR_FILES = 200
LEGACY_NAMES = {new: [old for old, n in OUTPUT_ALIASES.items() if n == new] for new in set(OUTPUT_ALIASES.values())}


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Project:
    """An opened project: content index, validated config, resolved pipeline, state (read lazily)."""

    def __init__(self, root: Path, index: dict[str, Any], config: dict[str, Any], pipeline: Any,
                 warnings: list[str]) -> None:
        self.root = root
        self.index = index
        self.config = config
        self.pipeline = pipeline
        self.warnings = warnings
        self._state: dict[str, Any] | None = None

    @property
    def state(self) -> dict[str, Any]:
        if self._state is None:
            self._state = load_state(self.root)
        return self._state

    def statuses(self) -> dict[str, str]:
        return statuses(self.state)

    def step(self, name: str, tools: bool = True) -> Any:
        step = self.pipeline.steps.get(name) or (self.pipeline.tools.get(name) if tools else None)
        if step is None:
            near = step_suggestions(self.pipeline, name[:200])
            shown = name if len(name) <= 80 else name[:80] + "…"
            mean = f"Did you mean {' or '.join(repr(n) for n in near)}? " if near else ""
            raise CadenceError("UNKNOWN_STEP", f"unknown step {shown!r}",
                               mean + "Run 'cadence status' for the steps, 'cadence list --section tools' for the "
                               "tools.", USAGE)
        return step


def open_project(root: Path, warnings: list[str] | None = None) -> Project:
    from cadence.content.loader import pipeline_index
    from cadence.core.graph import CycleError
    from cadence.core.resolve import resolve
    from cadence.project.config import load_config
    warnings = warnings if warnings is not None else []
    paths.require_project(root)
    index = pipeline_index()
    config, cfg_warnings = load_config(root, tuple(index["steps"]))
    warnings.extend(cfg_warnings)
    try:
        pipeline = resolve(index, config)
    except CycleError as exc:
        raise CadenceError("DEPENDENCY_CYCLE", str(exc), "Remove one of these dependencies (content or overlay).",
                           USAGE) from None
    return Project(root, index, config, pipeline, warnings)


def save_project(proj: Project, state: dict[str, Any]) -> None:
    """Save under the caller's lock; the state records the methodology the config now names."""
    state["methodology"] = proj.config.get("methodology", state.get("methodology"))
    save_state(proj.root, state)


# ------------------------------------------------------------------ outputs on disk

def output_exists(root: Path, rel: str) -> bool:
    try:
        p = paths.contained(root, rel.rstrip("/") or ".", "output")
    except CadenceError:
        return False
    if rel.endswith("/"):  # a directory counts when it holds a real file (not only a .gitkeep)
        return p.is_dir() and any(f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
                                  for f in p.rglob("*"))
    return p.is_file()


def missing_outputs(root: Path, step: Any, depth: int) -> list[str]:
    return [o for o in step.required_outputs(depth) if not output_exists(root, o)]


def read_output(root: Path, rel: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Read an output: a file, or every file under a directory (sorted). Returns (files, skipped)."""
    try:
        p = paths.contained(root, rel.rstrip("/"), "output")
    except CadenceError:
        return [], []
    files: list[Path]
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".")
                       for part in f.relative_to(p).parts))
    elif p.is_file():
        files = [p]
    else:
        return [], []
    out, skipped = [], []
    base = root.resolve()
    for i, f in enumerate(files):
        relf = f.resolve().relative_to(base).as_posix() if base in f.resolve().parents else None
        if relf is None:
            continue
        if i >= MAX_DIR_FILES:
            skipped.append(relf)
            continue
        try:
            out.append((relf, fsio.read_text(root, f)))
        except (OSError, UnicodeDecodeError, CadenceError):
            skipped.append(relf)
    return out, skipped


# ------------------------------------------------------------------ names

def parse_phases(spec: str) -> list[str]:
    """`--phase` for status and rework: phase slugs, or UNKNOWN_PHASE with a did-you-mean (a backwards range
    such as '3-1' is an error too, never silently read as '1-3')."""
    from cadence.core.phases import PHASE_SLUGS, BackwardsRange, parse_phase_range
    try:
        return parse_phase_range(spec)
    except BackwardsRange as exc:
        raise CadenceError("UNKNOWN_PHASE", f"phase range {exc.part!r} runs backwards",
                           f"Did you mean {exc.turned!r}? A range goes from the earlier phase to the later one.",
                           USAGE) from None
    except ValueError as exc:
        bad = str(exc)
        raise CadenceError("UNKNOWN_PHASE", f"unknown phase {bad!r}" + (f" in {spec!r}" if bad != spec else ""),
                           (did_you_mean(bad, list(PHASE_SLUGS)) + " Use a phase name or number, or a range like "
                            "'pre-architecture' or '1-7'. Phases: " + ", ".join(PHASE_SLUGS)).strip(),
                           USAGE) from None


def step_suggestions(pipeline: Any, word: str) -> list[str]:
    """Steps a mistyped name may mean, the first kind that matches: the steps that write an output of that
    name (`tdd-standards` → tdd), steps with the word as a part of their name (`prd` → create-prd, review-prd,
    innovate-prd), near spellings."""
    from cadence.errors import suggest
    known = list(pipeline.steps) + list(pipeline.tools)
    stem = word.strip().lower().removesuffix(".md").rstrip("/").rsplit("/", 1)[-1]
    by_output = [n for n in known for o in pipeline.get(n).outputs
                 if o.rstrip("/").rsplit("/", 1)[-1].removesuffix(".md").removesuffix(".json") == stem]
    by_part = [n for n in known if stem and stem in n.split("-")]
    return list(dict.fromkeys(by_output or by_part or suggest(stem, known)))[:4]
