"""Typed models of the content library. Imported only when content is (re)validated."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cadence.core.phases import PHASE_SLUGS
from cadence.core.predicate import PredicateError, compile_predicate
from cadence.core.settings import METHODOLOGIES, TYPE_NAMES

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=80)]
PhaseSlug = Literal[PHASE_SLUGS]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)


class DetectCheck(_Strict):
    """One check of a `detect:` contract; exactly one of path, glob, heading, contains. `heading` and
    `contains` are regular expressions (case-insensitive) read against `file`, or against the files that
    stand for the step's outputs when `file` is absent; reads are bounded, nothing runs a shell."""
    path: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    glob: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    heading: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    contains: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    file: Annotated[str, Field(min_length=1, max_length=300)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> DetectCheck:
        kinds = [k for k in ("path", "glob", "heading", "contains") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a check needs exactly one of path, glob, heading, contains")
        if self.file is not None and kinds[0] in ("path", "glob"):
            raise ValueError("'file' only goes with heading or contains")
        for p in (self.path, self.glob, self.file):
            if p is not None and (p.startswith("/") or ".." in p.split("/") or "\\" in p):
                raise ValueError(f"{p!r} must be a project-relative path")
        for rx in (self.heading, self.contains):
            if rx is not None:
                try:
                    re.compile(rx)
                except re.error as exc:
                    raise ValueError(f"invalid regular expression {rx!r}: {exc}") from None
        return self


class Detect(_Strict):
    """A step's `detect:` contract: what an existing repository must show for the step to count as done.
    `candidates` are files that may stand in for the outputs (the first that exists and passes the checks
    becomes the step's artifact_map entry); `all` must all pass, and at least one of `any` when it is given.
    `evidence` checks never decide completion: what they find is what the repository already has for the
    step (a linter's config, the tests, CI), shown in the adoption plan and given to adoption mode."""
    candidates: list[Annotated[str, Field(min_length=1, max_length=300)]] = []
    all: list[DetectCheck] = []
    any: list[DetectCheck] = []
    evidence: list[DetectCheck] = []

    @field_validator("candidates")
    @classmethod
    def _relative(cls, v: list[str]) -> list[str]:
        for p in v:
            if p.startswith("/") or ".." in p.split("/") or "\\" in p or p == "README.md":
                raise ValueError(f"candidate {p!r} must be a project-relative path other than README.md")
        return v


class StepMeta(_Strict):
    name: Name
    description: Annotated[str, Field(min_length=1, max_length=200)]
    summary: Annotated[str, Field(max_length=500)] | None = None
    phase: PhaseSlug | None = None
    order: int | None = None
    dependencies: list[Name] = []
    outputs: list[str] = []
    conditional: Literal["if-needed"] | None = None
    when: str | None = None
    knowledge_base: Annotated[list[Name], Field(alias="knowledge-base", max_length=8)] = []
    reads: list[Name] = []
    stateless: bool = False
    category: Literal["pipeline", "tool"] = "pipeline"
    argument_hint: str | None = Field(default=None, alias="argument-hint")
    detect: Detect | None = None

    @field_validator("description")
    @classmethod
    def _one_line(cls, v: str) -> str:
        if "\n" in v:
            raise ValueError("must be one line")
        return v

    @field_validator("outputs")
    @classmethod
    def _relative(cls, v: list[str]) -> list[str]:
        for p in v:
            if p.startswith("/") or ".." in p.split("/") or "\\" in p:
                raise ValueError(f"output {p!r} must be a project-relative path")
        return v

    @field_validator("when")
    @classmethod
    def _predicate(cls, v: str | None) -> str | None:
        return _valid_predicate(v)


def _valid_predicate(v: str | None) -> str | None:
    if v is not None:
        try:
            compile_predicate(v)
        except PredicateError as exc:
            raise ValueError(f"invalid predicate: {exc}") from None
    return v


class KnowledgeMeta(_Strict):
    name: Name
    description: Annotated[str, Field(min_length=1, max_length=400)]
    topics: list[str] = []
    applies_to: list[Literal[TYPE_NAMES]] = Field(default=[], alias="applies-to")  # type: ignore[valid-type]
    # freshness (docs/authoring.md): when a person last checked the entry, how fast its topic moves, and the
    # product versions it names (checked against content/eol.yml by `cadence knowledge stale`)
    last_reviewed: date | None = Field(default=None, alias="last-reviewed")
    volatility: Literal["low", "medium", "high"] | None = None
    pins: dict[Name, Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]*$")]] = {}
    when: str | None = None  # injected only when this predicate (config + run.depth/step/category) is not false

    @field_validator("last_reviewed", mode="before")
    @classmethod
    def _a_date(cls, v: Any) -> Any:
        if v is not None and not isinstance(v, date | str):
            raise ValueError("must be a date (YYYY-MM-DD)")
        return v

    @field_validator("pins", mode="before")
    @classmethod
    def _quoted_versions(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for product, version in v.items():
                if not isinstance(version, str):
                    raise ValueError(f"{product}: quote the version ({product}: \"{version}\"); YAML reads 3.10 as 3.1")
        return v

    @field_validator("when")
    @classmethod
    def _predicate(cls, v: str | None) -> str | None:
        return _valid_predicate(v)


class PresetStep(_Strict):
    enabled: bool
    conditional: Literal["if-needed"] | None = None


class Preset(_Strict):
    name: Literal[METHODOLOGIES]  # type: ignore[valid-type]
    title: str
    description: str
    default_depth: Annotated[int, Field(ge=1, le=5, alias="default-depth")]
    steps: dict[Name, PresetStep]


class Append(_Strict):
    append: list[Name] = []


class ReplaceAppend(_Strict):
    replace: dict[Name, Name] = {}
    append: list[Name] = []


class Overlay(_Strict):
    name: Name
    description: str
    project_type: Literal[TYPE_NAMES] = Field(alias="project-type")  # type: ignore[valid-type]
    step_overrides: dict[Name, PresetStep] = Field(default={}, alias="step-overrides")
    knowledge_overrides: dict[Name, Append] = Field(default={}, alias="knowledge-overrides")
    reads_overrides: dict[Name, ReplaceAppend] = Field(default={}, alias="reads-overrides")
    dependency_overrides: dict[Name, ReplaceAppend] = Field(default={}, alias="dependency-overrides")


Permission = Literal["allow", "ask", "deny"]
CanonicalTool = Literal["read", "write", "edit", "bash", "grep", "glob", "web", "task", "skill"]


class AgentMeta(_Strict):
    name: Name
    description: Annotated[str, Field(min_length=1, max_length=600)]
    mode: Literal["primary", "subagent"]
    temperature: Annotated[float, Field(ge=0, le=1)] = 0.1
    model: Literal["primary", "subagent"]
    tools: list[CanonicalTool]
    mcp: list[str] = []
    permissions: dict[Literal["edit", "bash", "webfetch", "task"], Permission | dict[str, Permission]] = {}
    skills: list[Name] = []
    launches: list[Name] = []


class SkillPack(_Strict):
    name: Name
    description: Annotated[str, Field(min_length=1, max_length=1024)]
    # the project types it is installed for (`all`; `none` = a project without a type); install --all: every pack
    project_types: list[Literal[(*TYPE_NAMES, "all", "none")]] = Field(  # type: ignore[valid-type]
        default=["all"], alias="project-types")
    entries: Annotated[list[Name], Field(min_length=1)]


def describe_errors(exc: Any) -> list[tuple[str, str]]:
    """pydantic ValidationError → [(dotted field, message)]."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(file)"
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        out.append((loc, msg))
    return out
