"""`.cadence/config.yml`: validation driven by the settings table, defaults, and YAML output.

Validation collects every problem (key path, allowed values, "did you mean") before failing,
and holds for hand-edited files exactly as for `init`'s flags.
"""

from __future__ import annotations

from pathlib import Path

from cadence import cache
from cadence.errors import SHOWN_MAX, USAGE, CadenceError, did_you_mean
from cadence.errors import shown as show
from cadence.project.paths import CONFIG

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from cadence.core.settings import ProjectType, Setting

YAML_WORDS = ("true", "false", "null", "yes", "no", "on", "off", "y", "n", "~")  # quoted when written
DEFAULT_PROTECTED = ["main", "master", "develop", "production", "staging"]
DEFAULT_BUDGET = 120_000
TOP_KEYS = ("version", "methodology", "depth", "steps", "clients", "project", "pipeline", "workflow", "models",
            "traceability")
WORKFLOW_KEYS = ("protected-branches", "verify", "max-retries", "command-timeout", "commands", "scope", "worktree",
                 "sessions")
MAX_SECONDS = 7 * 24 * 3600  # the largest command-timeout (a week)
MAX_COUNT = 1_000_000        # the largest max-retries / retention / context-budget unit count


def _key(key: Any) -> str:
    text = str(key)
    return text if len(text) <= SHOWN_MAX else text[:SHOWN_MAX - 1] + "…"


def _text(value: Any) -> str | None:
    """A free-form scalar as text (YAML turns `2024-01-01` into a date and `1.0` into a float); None otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value) if isinstance(value, (int, float)) else None


class Problems:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def enum(self, path: str, value: Any, allowed: tuple[str, ...] | list[str]) -> None:
        hint = did_you_mean(str(value)[:SHOWN_MAX], list(allowed)) if isinstance(value, str) else ""
        self.errors.append(f"{path}: {show(value)} is not one of {', '.join(allowed)}" + (f". {hint}" if hint else ""))

    def unknown(self, path: str, key: str, allowed: tuple[str, ...] | list[str], error: bool = True) -> None:
        key = _key(key)
        hint = did_you_mean(key, list(allowed))
        msg = f"{path}{key}: unknown key" + (f". {hint}" if hint else f" (known: {', '.join(allowed)})")
        (self.errors if error else self.warnings).append(msg)


def _check_setting(s: Setting, value: Any, path: str, p: Problems) -> Any:
    import re
    if s.kind == "bool":
        if not isinstance(value, bool):
            p.errors.append(f"{path}: must be true or false, not {show(value)}")
        return value
    if s.kind == "enum":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in s.values:
            value = str(value)
        if value not in s.values:
            p.enum(path, value, s.values)
        return value
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        p.errors.append(f"{path}: must be a list")
        return value
    out = []
    for i, item in enumerate(value):
        item = str(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else item
        if s.pattern:
            if not isinstance(item, str) or not re.match(s.pattern, item):
                p.errors.append(f"{path}[{i}]: {show(item)} must match {s.pattern} (e.g. en, fr-CA)")
        elif item not in s.values:
            p.enum(f"{path}[{i}]", item, s.values)
        if item not in out:
            out.append(item)
    if s.pattern and not out:
        p.errors.append(f"{path}: needs at least one value")
    return out


def validate_block(ptype: ProjectType, block: Any, path: str, p: Problems, require: bool = True) -> dict[str, Any]:
    from cadence.core.settings import RULES, defaults_for
    if block is None:
        block = {}
    if not isinstance(block, dict):
        p.errors.append(f"{path}: must be a mapping of {ptype.name} settings")
        return {}
    keys = [s.key for s in ptype.settings]
    before = len(p.errors)  # cross-field rules run unless this block's own values are invalid
    checked: dict[str, Any] = {}
    for k, v in block.items():
        s = ptype.setting(str(k))
        if s is None:
            p.unknown(f"{path}.", str(k), keys)
            continue
        checked[s.key] = _check_setting(s, v, f"{path}.{s.key}", p)
    full = defaults_for(ptype, checked)
    for s in ptype.settings:
        if s.required and s.key not in full and require:
            p.errors.append(f"{path}.{s.key}: required for {ptype.name} projects "
                            f"(one of {', '.join(s.values)}; flag {ptype.flag(s)})")
    if len(p.errors) == before:
        for rule in RULES:
            if rule.type == ptype.name and rule.broken(full):
                p.errors.append(f"{path}.{rule.path}: {rule.message}")
    return {s.key: full[s.key] for s in ptype.settings if s.key in full}


def validate_config(raw: Any, known_steps: list[str] | tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """Return (normalised config with defaults, warnings) or raise CONFIG_INVALID listing every problem."""
    from cadence.core.settings import CLIENTS, METHODOLOGIES
    p = Problems()
    if not isinstance(raw, dict):
        raise CadenceError("CONFIG_INVALID", f"{CONFIG}: the top level must be a mapping",
                           "Start from 'cadence init', or see the config section of the README.", USAGE)
    cfg: dict[str, Any] = {}
    for k in raw:
        if k not in TOP_KEYS:
            p.unknown("", str(k), TOP_KEYS, error=False)
    version = raw.get("version", 1)
    if version != 1:
        p.errors.append(f"version: {show(version)} is not supported (this cadence writes version 1)")
    cfg["version"] = 1
    meth = raw.get("methodology", "deep")
    if meth not in METHODOLOGIES:
        p.enum("methodology", meth, METHODOLOGIES)
    cfg["methodology"] = meth
    depth = raw.get("depth")
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= 5):
        p.errors.append(f"depth: {show(depth)} must be an integer from 1 to 5")
    cfg["depth"] = depth
    if depth is not None and meth != "custom" and meth in METHODOLOGIES:
        p.warnings.append(f"depth: {depth} has no effect with methodology {meth} (it is the default depth of "
                          "custom); use steps.<name>.depth to change one step")
    steps = raw.get("steps") or {}
    cfg["steps"] = {}
    if not isinstance(steps, dict):
        p.errors.append("steps: must be a mapping of step name → {enabled, depth}")
        steps = {}
    from cadence.project.state import RENAMES
    for name, ov in steps.items():
        if known_steps and name not in known_steps and RENAMES.get(name) in known_steps:
            p.warnings.append(f"steps.{name}: this step is now called {RENAMES[name]!r}; the override applies to it "
                              "(rename the key to silence this warning)")
            name = RENAMES[name]
            if name in steps:
                continue  # the new name's own entry wins
        if known_steps and name not in known_steps:
            hint = did_you_mean(_key(name), list(known_steps))
            p.errors.append(f"steps.{_key(name)}: unknown step" + (f". {hint}" if hint else ""))
            continue
        if not isinstance(ov, dict):
            p.errors.append(f"steps.{name}: must be a mapping like {{enabled: false}} or {{depth: 4}}")
            continue
        entry: dict[str, Any] = {}
        for k, v in ov.items():
            if k == "enabled":
                if not isinstance(v, bool):
                    p.errors.append(f"steps.{name}.enabled: must be true or false")
                entry["enabled"] = v
            elif k == "depth":
                if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 5:
                    p.errors.append(f"steps.{name}.depth: {show(v)} must be an integer from 1 to 5")
                entry["depth"] = v
            else:
                p.unknown(f"steps.{name}.", str(k), ("enabled", "depth"))
        cfg["steps"][name] = entry
    clients = raw.get("clients") or []
    if isinstance(clients, str):
        clients = [c.strip() for c in clients.split(",") if c.strip()]
    if not isinstance(clients, list):
        p.errors.append("clients: must be a list")
        clients = []
    for c in clients:
        if c not in CLIENTS:
            p.enum("clients", c, CLIENTS)
    cfg["clients"] = list(dict.fromkeys(c for c in clients if c in CLIENTS))
    cfg["project"] = _validate_project(raw.get("project") or {}, p)
    cfg["pipeline"] = _validate_pipeline(raw.get("pipeline") or {}, p)
    cfg["workflow"] = _validate_workflow(raw.get("workflow") or {}, p)
    cfg["traceability"] = _validate_traceability(raw.get("traceability") or {}, p)
    models = _validate_models(raw.get("models"), p)
    if models:
        cfg["models"] = models
    if p.errors:
        shown = p.errors[:ERRORS_SHOWN] + ([f"… and {len(p.errors) - ERRORS_SHOWN} more"]
                                           if len(p.errors) > ERRORS_SHOWN else [])
        listing = "\n  - ".join(shown)
        raise CadenceError("CONFIG_INVALID", f"{CONFIG} has {len(p.errors)} problem(s):\n  - {listing}",
                           f"Fix the keys named above in {CONFIG}, then run 'cadence validate'.", USAGE,
                           data={"errors": shown})
    return cfg, p.warnings[:ERRORS_SHOWN]


ERRORS_SHOWN = 50


def _validate_models(models: Any, p: Problems) -> dict[str, Any]:
    """Model names are free-form: any scalar is taken as text; anything else is an error naming the key."""
    if models is None:
        return {}
    if not isinstance(models, dict) or any(k not in ("primary", "subagent", "agents") for k in models):
        p.errors.append("models: must be a mapping with primary, subagent and agents")
        return {}
    out: dict[str, Any] = {}
    for k in ("primary", "subagent"):
        if models.get(k) is not None:
            name = _text(models[k])
            if name is None:
                p.errors.append(f"models.{k}: {show(models[k])} must be a model name")
            out[k] = name
    agents = models.get("agents")
    if agents is not None:
        if not isinstance(agents, dict):
            p.errors.append("models.agents: must map agent names to model names")
        else:
            out["agents"] = {}
            for agent, model in agents.items():
                name = _text(model)
                if name is None:
                    p.errors.append(f"models.agents.{_key(agent)}: {show(model)} must be a model name")
                out["agents"][_key(agent)] = name
    return out


def _validate_project(project: Any, p: Problems) -> dict[str, Any]:
    from cadence.core.settings import TRAITS, TYPES_BY_NAME
    if not isinstance(project, dict):
        p.errors.append("project: must be a mapping")
        return {"traits": []}
    out: dict[str, Any] = {}
    allowed = ("name", "traits", "type", *TYPES_BY_NAME)
    for k in project:
        if k not in allowed:
            p.unknown("project.", str(k), allowed)
    if project.get("name") is not None:
        name = _text(project["name"])
        if name is None:
            p.errors.append(f"project.name: {show(project['name'])} must be text")
        out["name"] = name
    traits = project.get("traits") or []
    if isinstance(traits, str):
        traits = [t.strip() for t in traits.split(",") if t.strip()]
    if not isinstance(traits, list):
        p.errors.append("project.traits: must be a list")
        traits = []
    for t in traits:
        if t not in TRAITS:
            p.enum("project.traits", t, TRAITS)
    out["traits"] = list(dict.fromkeys(t for t in traits if t in TRAITS))
    ptype = project.get("type")
    if ptype is not None and (not isinstance(ptype, str) or ptype not in TYPES_BY_NAME):
        p.enum("project.type", ptype, list(TYPES_BY_NAME))
        ptype = None
    blocks = [k for k in project if k in TYPES_BY_NAME]
    for b in blocks:
        if b != ptype:
            p.errors.append(f"project.{b}: a {b} settings block needs project.type: {b}"
                            + (f" (project.type is {ptype})" if ptype else " (project.type is not set)"))
    if ptype:
        out["type"] = ptype
        out[ptype] = validate_block(TYPES_BY_NAME[ptype], project.get(ptype), f"project.{ptype}", p)
    return out


def _validate_pipeline(pipeline: Any, p: Problems) -> dict[str, Any]:
    if not isinstance(pipeline, dict):
        p.errors.append("pipeline: must be a mapping")
        return {"context-budget": DEFAULT_BUDGET}
    for k in pipeline:
        if k != "context-budget":
            p.unknown("pipeline.", str(k), ("context-budget",))
    budget = pipeline.get("context-budget", DEFAULT_BUDGET)
    if not isinstance(budget, int) or isinstance(budget, bool) or not 0 <= budget <= MAX_COUNT * 1000:
        p.errors.append(f"pipeline.context-budget: {show(budget)} must be a non-negative number of bytes")
        budget = DEFAULT_BUDGET
    return {"context-budget": budget}


def _validate_workflow(wf: Any, p: Problems) -> dict[str, Any]:
    if not isinstance(wf, dict):
        p.errors.append("workflow: must be a mapping")
        wf = {}
    for k in wf:
        if k not in WORKFLOW_KEYS:
            p.unknown("workflow.", str(k), WORKFLOW_KEYS)
    out: dict[str, Any] = {}
    prot = wf.get("protected-branches", DEFAULT_PROTECTED)
    if not isinstance(prot, list) or not all(isinstance(b, str) and b for b in prot):
        p.errors.append("workflow.protected-branches: must be a list of branch names")
        prot = DEFAULT_PROTECTED
    out["protected-branches"] = prot
    verify = wf.get("verify", "strict")
    if verify not in ("strict", "warn", "off"):
        p.enum("workflow.verify", verify, ("strict", "warn", "off"))
    out["verify"] = verify
    for key, default, top in (("max-retries", 3, MAX_COUNT), ("command-timeout", 600, MAX_SECONDS)):
        v = wf.get(key, default)
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= top:
            p.errors.append(f"workflow.{key}: {show(v)} must be a whole number from 1 to {top}")
            v = default
        out[key] = v
    cmds = wf.get("commands") or {}
    if not isinstance(cmds, dict) or any(k not in ("build", "test", "lint") for k in cmds):
        p.errors.append("workflow.commands: must map build / test / lint to a command")
        cmds = {}
    for k, v in cmds.items():
        if v and not isinstance(v, str):
            p.errors.append(f"workflow.commands.{k}: {show(v)} must be a command line (text)")
    out["commands"] = {k: v for k, v in cmds.items() if v and isinstance(v, str)}
    scope = wf.get("scope") or {}
    if not isinstance(scope, dict) or any(k not in ("high", "low", "trivial") for k in scope):
        p.errors.append("workflow.scope: may only hold high / low / trivial glob lists")
        scope = {}
    for k, v in scope.items():
        if not isinstance(v, list) or not all(isinstance(g, str) for g in v):
            p.errors.append(f"workflow.scope.{k}: must be a list of glob patterns (text)")
    out["scope"] = {k: list(v) for k, v in scope.items() if isinstance(v, list) and all(isinstance(g, str) for g in v)}
    wt = wf.get("worktree") or {}
    if not isinstance(wt, dict) or any(k != "setup" for k in wt):
        p.errors.append("workflow.worktree: may only hold 'setup' (a command run in a new worktree)")
        wt = {}
    setup = wt.get("setup")
    if setup is not None and not isinstance(setup, str):
        p.errors.append(f"workflow.worktree.setup: {show(setup)} must be a command line (text)")
        setup = None
    out["worktree"] = {"setup": setup}
    sessions = wf.get("sessions") or {}
    retention = sessions.get("retention", 50) if isinstance(sessions, dict) else 50
    if not isinstance(retention, int) or isinstance(retention, bool) or not 1 <= retention <= MAX_COUNT:
        p.errors.append(f"workflow.sessions.retention: {show(retention)} must be a whole number from 1 to {MAX_COUNT}")
        retention = 50
    out["sessions"] = {"retention": retention}
    return out


def _validate_traceability(tr: Any, p: Problems) -> dict[str, Any]:
    """`traceability:` — ID patterns, the documents that define them, where tests live (docs/traceability.md)."""
    from cadence.core.trace import DEFAULTS
    from cadence.core.traceids import pattern_problem
    out: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in DEFAULTS.items()}
    if not isinstance(tr, dict):
        p.errors.append("traceability: must be a mapping")
        return out
    for k in tr:
        if k not in DEFAULTS:
            p.unknown("traceability.", str(k), tuple(DEFAULTS))
    for group in ("patterns", "documents"):
        given = tr.get(group) or {}
        if not isinstance(given, dict):
            p.errors.append(f"traceability.{group}: must map {' / '.join(DEFAULTS[group])} to text")
            continue
        for k, v in given.items():
            if k not in DEFAULTS[group]:
                p.unknown(f"traceability.{group}.", str(k), tuple(DEFAULTS[group]))
                continue
            why = pattern_problem(v) if group == "patterns" else (
                None if isinstance(v, str) and v.strip() and "\x00" not in v else "must be a project-relative path")
            if why:
                p.errors.append(f"traceability.{group}.{k}: {show(v)} {why}")
            else:
                out[group][k] = v
    for key in ("tests", "story-optional"):
        if key not in tr:
            continue
        v = tr[key]
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            p.errors.append(f"traceability.{key}: {show(tr[key])} must be a list of text")
        else:
            out[key] = list(v)
    return out


def load_config(root: Path, known_steps: list[str] | tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """Read and validate the project's config (cached by the file's bytes and the step list)."""
    from cadence.project.paths import require_project
    require_project(root)
    from cadence.project.fsio import read_bytes
    try:
        raw_bytes = read_bytes(root, root / CONFIG)
    except OSError as exc:
        raise CadenceError("CONFIG_UNREADABLE", f"cannot read {CONFIG}: {exc.strerror}",
                           "Check the file's permissions.", USAGE) from None
    ck = cache.key("config", raw_bytes, "\n".join(known_steps))
    hit = cache.get(ck)
    if hit is not None:
        return hit["config"], hit["warnings"]
    from cadence import yamlio
    try:
        raw = yamlio.load(raw_bytes.decode("utf-8")) if raw_bytes.strip() else None
    except yamlio.YamlLimitError as exc:
        raise CadenceError("CONFIG_INVALID", f"{CONFIG} is refused: {exc}",
                           f"A config is a few dozen keys: remove the anchors/aliases or the bulk from {CONFIG}.",
                           USAGE) from None
    except (yamlio.YamlError, UnicodeDecodeError) as exc:
        raise CadenceError("CONFIG_PARSE_ERROR", f"{CONFIG} is not valid YAML: {exc}",
                           "Fix the syntax, or re-create it with 'cadence init --force'.", USAGE) from None
    if raw is None:
        raise CadenceError("CONFIG_EMPTY", f"{CONFIG} is empty", "Re-create it with 'cadence init --force'.", USAGE)
    cfg, warnings = validate_config(raw, known_steps)
    cache.put(ck, {"config": cfg, "warnings": warnings})
    return cfg, warnings


def _scalar(v: Any) -> str:
    import json
    import re
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", s) and s.lower() not in YAML_WORDS:
        return s
    return json.dumps(s, ensure_ascii=False)


def _flow(items: list[Any]) -> str:
    return "[" + ", ".join(_scalar(i) for i in items) + "]"


def dump_config(cfg: dict[str, Any]) -> str:
    """Render a normalised config as commented YAML (deterministic)."""
    def c(code: str, comment: str) -> str:  # marked here, lined up in one column at the end
        return f"{code}\x00{comment}"
    out = ["# cadence configuration — see 'cadence validate' and the README's config section", "version: 1",
           c(f"methodology: {cfg['methodology']}", "deep | mvp | brownfield | custom")]
    if cfg.get("depth") is not None:
        out.append(c(f"depth: {cfg['depth']}", "default depth (custom methodology)"))
    out.append(c("steps:", "per-step overrides, applied last: {enabled: false} / {depth: 4}")
               if cfg.get("steps") else c("steps: {}", "per-step overrides, e.g. tdd: {depth: 5}"))
    for name, ov in (cfg.get("steps") or {}).items():
        out.append(f"  {name}: {{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in ov.items()) + "}")
    out.append(c(f"clients: {_flow(cfg.get('clients') or [])}", "claude | opencode | codex | gemini"))
    project = cfg.get("project") or {}
    out.append("project:")
    if project.get("name"):
        out.append(f"  name: {_scalar(project['name'])}")
    out.append(f"  traits: {_flow(project.get('traits') or [])}")
    if project.get("type"):
        ptype = project["type"]
        out.append(f"  type: {ptype}")
        out.append(f"  {ptype}:")
        for k, v in project[ptype].items():
            out.append(f"    {k}: {_flow(v) if isinstance(v, list) else _scalar(v)}")
    out.append("pipeline:")
    out.append(c(f"  context-budget: {cfg['pipeline']['context-budget']}", "bytes of project context per prompt"))
    wf = cfg["workflow"]
    out += ["workflow:", f"  protected-branches: {_flow(wf['protected-branches'])}",
            c(f"  verify: {wf['verify']}", "strict | warn | off"), f"  max-retries: {wf['max-retries']}",
            c(f"  command-timeout: {wf['command-timeout']}", "seconds per verify command")]
    if wf.get("commands"):
        out.append("  commands:")
        out += [f"    {k}: {_scalar(v)}" for k, v in wf["commands"].items()]
    if wf.get("scope"):
        out.append("  scope:")
        out += [f"    {k}: {_flow(v)}" for k, v in wf["scope"].items()]
    if (wf.get("worktree") or {}).get("setup"):
        out += ["  worktree:", f"    setup: {_scalar(wf['worktree']['setup'])}"]
    out += ["  sessions:", f"    retention: {wf['sessions']['retention']}"]
    tr = cfg.get("traceability")
    from cadence.core.trace import DEFAULTS
    if tr and tr != DEFAULTS:
        out.append("traceability:               # see docs/traceability.md")
        for k, v in tr.items():
            if isinstance(v, dict):
                out.append(f"  {k}:")
                out += [f"    {a}: {_scalar(x)}" for a, x in v.items()]
            else:
                out.append(f"  {k}: {_flow(v)}")
    if cfg.get("models"):
        out.append("models:")
        for k, v in cfg["models"].items():
            if isinstance(v, dict):
                out.append(f"  {k}:")
                out += [f"    {a}: {_scalar(m)}" for a, m in v.items()]
            else:
                out.append(f"  {k}: {_scalar(v)}")
    width = max(len(line.split("\x00")[0]) for line in out if "\x00" in line) + 2
    return "\n".join(line.replace("\x00", " " * (width - len(line.split("\x00")[0])) + "# ")
                     for line in out) + "\n"
