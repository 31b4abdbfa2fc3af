"""Which steps run, in what order, at what depth: preset → overlay → user overrides → predicates."""

from __future__ import annotations

from cadence.core.graph import DONE, topo_order

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MULTI_MODEL_FILES = ("review-summary.md", "codex-review.json", "gemini-review.json")
MULTI_MODEL_DEPTH = 4
REVIEWS_DIR = "docs/reviews/"


class Step:
    """One step or tool as this project sees it (after preset, overlay, user overrides, predicates)."""

    __slots__ = ("name", "phase", "order", "description", "summary", "category", "stateless", "conditional", "when",
                 "outputs", "dependencies", "reads", "knowledge", "argument_hint", "path", "enabled", "applicable",
                 "reason")

    def __init__(self, *, name: str, phase: str | None, order: int | None, description: str, summary: str,
                 category: str, stateless: bool, conditional: str | None, when: str | None, outputs: list[str],
                 dependencies: list[str], reads: list[str], knowledge: list[str], argument_hint: str | None,
                 path: str, enabled: bool = True, applicable: bool = True, reason: str | None = None) -> None:
        self.name, self.phase, self.order, self.description = name, phase, order, description
        self.summary, self.category, self.stateless, self.conditional = summary, category, stateless, conditional
        self.when, self.outputs, self.dependencies, self.reads = when, outputs, dependencies, reads
        self.knowledge, self.argument_hint, self.path = knowledge, argument_hint, path
        self.enabled, self.applicable = enabled, applicable
        self.reason = reason  # why disabled or not applicable

    @property
    def active(self) -> bool:
        """Enabled and applicable: the step belongs to this project's pipeline."""
        return self.enabled and self.applicable

    @property
    def is_review(self) -> bool:
        """A review step writes only review records (every output under docs/reviews/); what it reviewed
        are the outputs of its own dependencies."""
        return bool(self.outputs) and all(o.startswith(REVIEWS_DIR) for o in self.outputs)

    def required_outputs(self, depth: int) -> list[str]:
        """Outputs that must exist to complete at `depth` (multi-model review files only at depth ≥ 4)."""
        if depth >= MULTI_MODEL_DEPTH:
            return list(self.outputs)
        return [o for o in self.outputs if o.rsplit("/", 1)[-1] not in MULTI_MODEL_FILES]


class Pipeline:
    """The resolved pipeline: steps in topological order, tools, and the depth rules."""

    def __init__(self, methodology: str, default_depth: int, project_type: str | None, steps: dict[str, Step],
                 tools: dict[str, Step], config_depth: int | None = None,
                 step_depths: dict[str, int] | None = None) -> None:
        self.methodology = methodology
        self.default_depth = default_depth
        self.project_type = project_type
        self.steps = steps
        self.tools = tools
        self.config_depth = config_depth
        self.step_depths = step_depths or {}

    def get(self, name: str) -> Step | None:
        return self.steps.get(name) or self.tools.get(name)

    def depth_for(self, name: str, cli_depth: int | None = None) -> tuple[int, str]:
        if cli_depth is not None:
            return cli_depth, "--depth flag"
        if name in self.step_depths:
            return self.step_depths[name], f"config steps.{name}.depth"
        if self.methodology == "custom" and self.config_depth is not None:
            return self.config_depth, "config depth (custom)"
        return self.default_depth, f"{self.methodology} preset default"

    def context_steps(self, name: str) -> list[str]:
        """The steps whose outputs make `name`'s Project Context, in priority order: each direct dependency —
        a review step preceded by what it reviewed (its own dependencies, followed through further reviews) —
        then `reads`. Disabled steps and unknown names are left out."""
        out: dict[str, None] = {}

        def add(dep: str, seen: frozenset[str]) -> None:
            step = self.steps.get(dep)
            if step is None or dep in seen or not step.enabled:
                return
            if step.is_review:
                for reviewed in step.dependencies:
                    add(reviewed, seen | {dep})
            out.setdefault(dep)

        step = self.get(name)
        for dep in step.dependencies if step else []:
            add(dep, frozenset({name}))
        for r in step.reads if step else []:
            if r in self.steps and self.steps[r].enabled:
                out.setdefault(r)
        return list(out)

    def ancestors(self, name: str) -> set[str]:
        """Every step `name` depends on, directly or through other steps."""
        seen: set[str] = set()
        step = self.get(name)
        stack = list(step.dependencies) if step else []
        while stack:
            d = stack.pop()
            if d in seen or d not in self.steps:
                continue
            seen.add(d)
            stack.extend(self.steps[d].dependencies)
        return seen

    def satisfied_anyway(self) -> set[str]:
        """Steps whose dependents do not wait for them: disabled or not applicable."""
        return {n for n, s in self.steps.items() if not s.active}

    def stateful(self) -> list[Step]:
        return [s for s in self.steps.values() if not s.stateless]

    def status(self, name: str, statuses: dict[str, str]) -> str:
        step = self.steps.get(name)
        if step is not None and step.enabled and not step.applicable:
            return statuses.get(name) if statuses.get(name) in DONE else "skipped"  # type: ignore[return-value]
        return statuses.get(name, "pending")

    def unmet(self, name: str, statuses: dict[str, str]) -> list[str]:
        step = self.steps[name]
        anyway = self.satisfied_anyway()
        return [d for d in step.dependencies
                if d in self.steps and d not in anyway and statuses.get(d, "pending") not in DONE]

    def eligible(self, statuses: dict[str, str]) -> list[Step]:
        anyway = self.satisfied_anyway()
        out = []
        for s in self.steps.values():
            if not s.active or statuses.get(s.name, "pending") != "pending":
                continue
            if all(d not in self.steps or d in anyway or statuses.get(d, "pending") in DONE for d in s.dependencies):
                out.append(s)
        out.sort(key=lambda s: (s.order if s.order is not None else 9999, s.name))
        return out

    def progress(self, statuses: dict[str, str]) -> dict[str, int]:
        """Counts over enabled, applicable, stateful steps only: build steps, tools, disabled and
        not-applicable steps never count (pipeline.md, `status`)."""
        counts = {"enabled": 0, "completed": 0, "skipped": 0, "pending": 0, "in_progress": 0}
        for s in self.stateful():
            if not s.active:
                continue
            counts["enabled"] += 1
            st = self.status(s.name, statuses)
            counts[st if st in counts else "pending"] += 1
        done = counts["completed"] + counts["skipped"]
        counts["percent"] = round(100 * done / counts["enabled"]) if counts["enabled"] else 100
        return counts


def _dedup(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _replace_append(items: list[str], rule: dict[str, Any] | None) -> list[str]:
    if not rule:
        return list(items)
    mapping = rule.get("replace") or {}
    return _dedup([mapping.get(i, i) for i in items] + list(rule.get("append") or []))


def resolve(index: dict[str, Any], config: dict[str, Any]) -> Pipeline:
    """Pure: the content index plus a validated config → the project's pipeline."""
    methodology = config.get("methodology") or "deep"
    presets = index["presets"]
    preset = presets.get(methodology) or presets.get("deep") or {"default_depth": 3, "steps": {}}
    project = config.get("project") or {}
    ptype = project.get("type")
    overlay = index["overlays"].get(ptype) if ptype else None
    user_steps: dict[str, Any] = config.get("steps") or {}

    def build(rec: dict[str, Any]) -> Step:
        name = rec["name"]
        p = preset["steps"].get(name)
        enabled = bool(p["enabled"]) if p else rec["category"] == "tool"
        reason = None if enabled else f"disabled by the {methodology} preset"
        conditional = rec["conditional"] or (p or {}).get("conditional")
        knowledge, reads, deps = list(rec["knowledge"]), list(rec["reads"]), list(rec["dependencies"])
        if overlay:
            so = overlay["step-overrides"].get(name)
            if so is not None:
                enabled = bool(so["enabled"])
                reason = None if enabled else f"disabled by the {ptype} overlay"
                conditional = so.get("conditional") or conditional
            ko = overlay["knowledge-overrides"].get(name)
            if ko:
                knowledge = _dedup(knowledge + list(ko.get("append") or []))
            reads = _replace_append(reads, overlay["reads-overrides"].get(name))
            deps = _replace_append(deps, overlay["dependency-overrides"].get(name))
        uo = user_steps.get(name) or {}
        if "enabled" in uo and uo["enabled"] is not None:
            enabled = bool(uo["enabled"])
            reason = None if enabled else f"disabled in config (steps.{name}.enabled)"
        step = Step(name=name, phase=rec["phase"], order=rec["order"], description=rec["description"],
                    summary=rec["summary"], category=rec["category"], stateless=rec["stateless"],
                    conditional=conditional, when=rec["when"], outputs=list(rec["outputs"]), dependencies=deps,
                    reads=reads, knowledge=knowledge, argument_hint=rec["argument_hint"], path=rec["path"],
                    enabled=enabled, reason=reason)
        if enabled and rec["when"]:
            from cadence.core.predicate import evaluate
            res = evaluate(rec["when"], config)
            if res.value is False:
                step.applicable = False
                step.reason = f"not applicable: {rec['when']} is false for this project"
            elif res.value is None:
                step.reason = f"applicability unknown ({', '.join(res.missing)} not set): judge it when the step runs"
        return step

    raw_steps = index["steps"]
    built = {name: build(rec) for name, rec in raw_steps.items()}
    order = topo_order({n: s.dependencies for n, s in built.items()}, {n: s.order for n, s in built.items()})
    steps = {n: built[n] for n in order}
    tools = {name: build(rec) for name, rec in sorted(index["tools"].items())}
    step_depths = {n: int(v["depth"]) for n, v in user_steps.items() if isinstance(v, dict) and v.get("depth")}
    return Pipeline(methodology=methodology, default_depth=int(preset["default_depth"]), project_type=ptype,
                    steps=steps, tools=tools, config_depth=config.get("depth"), step_depths=step_depths)
