"""Pipeline commands: next, status, run, complete, skip, reset, rework, adopt, check, info, list,
validate, decisions."""

from __future__ import annotations

import argparse

from cadence.cli.output import Context, paint, sub
from cadence.errors import DECISION, USAGE, CadenceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PRESET_ORDER = ("deep", "mvp", "brownfield", "custom")
ICONS = {"completed": ("✓", "32"), "skipped": ("⊘", "2"), "in_progress": ("●", "33"), "pending": ("○", "0"),
         "stateless": ("◇", "36")}
LEGEND = "✓ completed  ● in progress  ○ pending  ⊘ skipped  ◇ tool (runs any time, no state)"


def _wait(p: argparse.ArgumentParser) -> None:
    from cadence.cli._wf import add_wait
    add_wait(p)


def _open(ctx: Context) -> Any:
    from cadence.pipeline.project import open_project
    return open_project(ctx.root(), ctx.warnings)


# ------------------------------------------------------------------ next

def add_next(p: argparse.ArgumentParser) -> None:
    p.add_argument("--count", type=int, default=None, help="show at most N steps")
    p.set_defaults(func=cmd_next)


def cmd_next(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import next_steps
    if args.count is not None and args.count < 1:
        raise CadenceError("USAGE", f"--count {args.count}: must be at least 1", "Example: cadence next --count 3",
                           USAGE)
    proj = _open(ctx)
    data = next_steps(proj, args.count)
    if not data["eligible"]:
        prog = proj.pipeline.progress(proj.statuses())
        text = ("Pipeline complete: every step is completed or skipped." if prog["completed"] + prog["skipped"]
                >= prog["enabled"] else "No step can run now: the remaining steps are in progress or blocked "
                "(see 'cadence status').")
        return data, text
    lines = [f"Next ({len(data['eligible'])}):"]
    for e in data["eligible"]:
        tag = paint(" [build]", "36") if e["stateless"] else ""
        lines.append(f"  {paint(e['command'], '1')}{tag}\n      {e['summary']}")
    return data, "\n".join(lines)


# ------------------------------------------------------------------ status

def add_status(p: argparse.ArgumentParser) -> None:
    p.add_argument("--compact", action="store_true", help="show only what remains")
    p.add_argument("--phase", help="one phase or a range (name or number, e.g. 'pre' or '2-5')")
    p.set_defaults(func=cmd_status)


def cmd_status(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.core.phases import PHASE_NAMES
    from cadence.pipeline.steps import status
    proj = _open(ctx)
    data = status(proj, args.phase, args.compact)
    pr = data["progress"]
    head = (f"{paint('cadence', '1')} {data['methodology']}"
            + (f" · {data['project_type']}" if data["project_type"] else "")
            + f" · {pr['percent']}% ({pr['completed']} completed, {pr['skipped']} skipped, "
              f"{pr['in_progress']} in progress, {pr['pending']} pending of {pr['enabled']})")
    lines = [head]
    phase = None
    recorded = proj.state.get("steps") or {}
    shown = [s for s in data["steps"] if s["enabled"] or args.compact]
    counts: dict[str, list[int]] = {}  # phase → [done, steps with state]
    for s in shown:
        if not s["stateless"]:
            c = counts.setdefault(s["phase"], [0, 0])
            c[0] += s["status"] in ("completed", "skipped")
            c[1] += 1
    for s in shown:
        if s["phase"] != phase:
            phase = s["phase"]
            done, total = counts.get(phase, [0, 0])
            tally = paint(f"  {done}/{total}", "2") if total and not args.compact else ""
            lines.append(("" if args.compact else "\n") + paint(PHASE_NAMES.get(phase, phase), "1") + tally)
        st = "stateless" if s["stateless"] else s["status"]
        icon, colour = ICONS.get(st, ("?", "0"))
        note = ""
        if st == "skipped" and (recorded.get(s["name"]) or {}).get("reason"):
            note = paint(f" (skipped: {recorded[s['name']]['reason']})", "2")
        elif not s["applicable"]:
            note = paint(" (not applicable)", "2")
        elif s["conditional"]:
            note = paint(" (if needed)", "2")
        lines.append(f"  {paint(icon, colour)} {s['name']}{note}")
    if data["stale"]:
        lines.append(f"\n{paint('Completions that no longer pass the live check', '33')}:")
        lines += [f"  ! {s['step']}: {s['reason']} (re-run it, or 'cadence reset {s['step']}')" for s in data["stale"]]
    if data["next"]:
        lines.append(f"\nNext: {', '.join(data['next'][:6])}")
    if not args.compact:
        lines.append(paint(LEGEND, "2"))
    return data, "\n".join(lines)


# ------------------------------------------------------------------ run

def add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("step", help="step or tool name")
    p.add_argument("arguments", nargs="*", default=[],
                   help="arguments for tools ($ARGUMENTS); unknown options pass through")
    p.add_argument("--depth", type=int, help="depth 1-5 for this run")
    p.add_argument("--instructions", help="extra instructions for this run")
    p.add_argument("--preview", action="store_true", help="print without marking the step in progress")
    p.add_argument("--force", action="store_true", help="assemble even when dependencies are unfinished")
    _wait(p)
    p.set_defaults(func=cmd_run, pass_unknown=True)


def cmd_run(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import run
    proj = _open(ctx)
    extra = getattr(args, "extra", [])
    step = proj.step(args.step)
    if extra and not step.stateless:  # only tools and build steps take $ARGUMENTS; a typo'd flag is an error
        raise CadenceError("USAGE", f"unrecognized arguments: {' '.join(extra)}",
                           "Run 'cadence run --help' for usage (options pass through to tools only).", USAGE)
    arguments = " ".join([*args.arguments, *extra]).strip() or None
    data = run(proj, args.step, depth=args.depth, instructions=args.instructions, arguments=arguments,
               preview=args.preview, force=args.force, wait=args.wait)
    return data, data["prompt"]


# ------------------------------------------------------------------ complete / skip / reset / rework / adopt

def add_complete(p: argparse.ArgumentParser) -> None:
    p.add_argument("step")
    p.add_argument("--force", action="store_true", help="complete even if outputs are missing")
    _wait(p)
    p.set_defaults(func=cmd_complete)


def cmd_complete(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import complete
    data = complete(_open(ctx), args.step, force=args.force, wait=args.wait)
    nxt = f"\nNext: {', '.join(data['next'][:5])}" if data["next"] else ""
    return data, f"{paint('✓', '32')} {data['step']} completed (depth {data['depth']}){nxt}"


def add_skip(p: argparse.ArgumentParser) -> None:
    p.add_argument("steps", nargs="+", metavar="STEP")
    p.add_argument("--reason", required=True, help="why the step does not apply")
    p.add_argument("--force", action="store_true", help="also skip steps already completed")
    _wait(p)
    p.set_defaults(func=cmd_skip)


def cmd_skip(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import skip
    data = skip(_open(ctx), args.steps, args.reason, force=args.force, wait=args.wait)
    return data, "\n".join(f"{paint('→', '2')} {s['step']} skipped: {data['reason']}" for s in data["steps"])


def add_reset(p: argparse.ArgumentParser) -> None:
    p.add_argument("step", nargs="?")
    p.add_argument("--all", action="store_true", help="reset every step (needs --yes)")
    p.add_argument("--yes", action="store_true", help="confirm --all")
    _wait(p)
    p.set_defaults(func=cmd_reset)


def cmd_reset(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import reset
    if args.all and args.step:
        raise CadenceError("USAGE", "give a step or --all, not both", "cadence reset STEP | cadence reset --all --yes")
    if args.all and not args.yes:
        if not ctx.interactive:
            raise CadenceError("CONFIRMATION_REQUIRED", "reset --all puts every step back to pending",
                               "Re-run with --all --yes (artifacts on disk are not touched).", DECISION)
        if input("Reset every step to pending? Files on disk are kept. [y/N] ").strip().lower() not in ("y", "yes"):
            raise CadenceError("CANCELLED", "reset cancelled", "", DECISION)
    data = reset(_open(ctx), args.step, all_steps=args.all, wait=args.wait)
    if data["step"]:
        return data, f"{data['step']} is pending again (its files are untouched)"
    return data, f"{len(data['steps'])} steps are pending again (files untouched)"


def add_rework(p: argparse.ArgumentParser) -> None:
    p.add_argument("--phase", required=True, help="phase or range: 'architecture', 'pre-quality', '1-7', 'pre,quality'")
    p.add_argument("--depth", type=int, help="depth for the re-runs")
    _wait(p)
    p.set_defaults(func=cmd_rework)


def cmd_rework(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import rework
    data = rework(_open(ctx), args.phase, args.depth, wait=args.wait)
    if not data["steps"]:
        return data, f"No completed steps in {', '.join(data['phases'])}: nothing to rework."
    return data, (f"Re-opened {len(data['steps'])} step(s) for update mode: {', '.join(data['steps'])}\n"
                  f"Next: {', '.join(data['next'][:5])}")


def add_adopt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--apply", action="store_true", help="apply the plan: mark the satisfied steps completed")
    p.add_argument("--plan-key", metavar="KEY", help="with --apply: apply only if the live plan still has this key "
                   "(exit 3 on drift)")
    p.add_argument("--write", metavar="FILE", nargs="?", const="docs/adoption-plan.md",
                   help="also write the plan as Markdown (default docs/adoption-plan.md)")
    p.add_argument("--map", action="append", metavar="STEP=PATH",
                   help="an existing file that stands in for a step's outputs (artifact_map), repeatable")
    _wait(p)
    p.set_defaults(func=cmd_adopt)


def cmd_adopt(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.adoption import adopt, parse_map
    proj = _open(ctx)
    data = adopt(proj, apply=args.apply, plan_key=args.plan_key, mapping=parse_map(args.map, proj),
                 write=args.write, wait=args.wait)
    return data, _adopt_text(data)


def _adopt_text(data: dict[str, Any]) -> str:
    lines: list[str] = []
    used = (data["detection"] or {}).get("matches") or []
    if used:
        m = used[0]
        lines.append(f"Detected {m['type']} ({m['confidence']}): " + "; ".join(m["evidence"][:3]))
    done = [s for s in data["steps"] if s["action"] == "complete"]
    todo = [s for s in data["steps"] if s["action"] == "adopt"]
    if data["applied"]:
        lines.append(f"{paint('✓', '32')} applied plan {data['plan_key'][:12]}: {len(data['changes'])} change(s), "
                     "each recorded in .cadence/decisions.jsonl")
        lines += [f"  {c['decision']} {c['text']}" for c in data["changes"]]
    else:
        lines.append(("Already satisfied by the repository" if done else
                      "No pending step is satisfied by the repository yet") + (":" if done else "."))
    if not data["applied"]:
        for s in done:
            proof = next((c["evidence"] for c in s["checks"] if c["ok"]), "")
            lines.append(f"  {paint('✓', '32')} {s['step']}: {', '.join(s['files'])}"
                         + (f"  (artifact_map → {s['mapped']})" if s["mapped"] else "")
                         + f"  [{s['verification']}]" + (f"  {proof}" if proof else ""))
    if todo:
        lines.append(f"Run in adoption mode ({len(todo)}): " + ", ".join(s["step"] for s in todo[:12])
                     + ("…" if len(todo) > 12 else ""))
        for s in todo:
            has = s["files"] + s["found"]
            if has:
                lines.append(f"  ~ {s['step']}: the repository has " + ", ".join(has[:4])
                             + (f" (+{len(has) - 4})" if len(has) > 4 else ""))
    if data.get("written"):
        lines.append(f"Plan written to {data['written']}")
    if not data["applied"]:
        lines.append(f"Plan key: {data['plan_key']}")
        if done:
            lines.append(f"Apply it: cadence adopt --apply --plan-key {data['plan_key']}")
    return "\n".join(lines)


# ------------------------------------------------------------------ check / info / list

def add_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("step")
    p.set_defaults(func=cmd_check)


def cmd_check(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import check
    data = check(_open(ctx), args.step)
    verdict = {True: "applicable", False: "not applicable", None: "undecided (the assistant judges it)"}
    return data, f"{data['step']}: {verdict[data['applicable']]}\n" + "\n".join(f"  - {r}" for r in data["reasons"])


def add_info(p: argparse.ArgumentParser) -> None:
    p.add_argument("step", nargs="?")
    p.set_defaults(func=cmd_info)


def cmd_info(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import info
    data = info(_open(ctx), args.step)
    if args.step is None:
        pr = data["progress"]
        return data, (f"{data['name'] or data['root']}\n  methodology {data['methodology']}, depth {data['depth']}, "
                      f"type {data['project_type'] or '(none)'}, {data['mode']}\n  clients: "
                      f"{', '.join(data['clients']) or '(none)'}\n  progress: {pr['percent']}% "
                      f"({pr['completed'] + pr['skipped']}/{pr['enabled']})")
    lines = [f"{paint(data['name'], '1')} — {data['description']}",
             f"  phase {data['phase']} · order {data['order']} · status {data['status']} · depth {data['depth']}"
             + (f" (set by {data['depth_source']})" if data["depth_source"] == "rework --depth" else "")
             + (" · if-needed" if data["conditional"] else "")]
    if data["reason"]:
        lines.append(f"  {data['reason']}")
    if data["dependencies"]:
        lines.append("  depends on: " + ", ".join(f"{d['name']} ({d['status']})" for d in data["dependencies"]))
    for key in ("outputs", "knowledge", "reads"):
        if data[key]:
            lines.append(f"  {key}: {', '.join(data[key])}")
    if data["argument_hint"]:
        lines.append(f"  usage: cadence run {data['name']} {data['argument_hint']}")
    return data, "\n".join(lines)


def add_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--section", choices=("methodologies", "project-types", "clients", "tools"))
    p.set_defaults(func=cmd_list)


def cmd_list(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.content.loader import pipeline_index
    from cadence.core.settings import CLIENTS, TYPES
    idx = pipeline_index()
    data: dict[str, Any] = {
        "methodologies": [{"name": p["name"], "title": p["title"], "default_depth": p["default_depth"],
                           "description": p["description"],
                           "steps": sum(1 for v in p["steps"].values() if v["enabled"])}
                          for p in sorted(idx["presets"].values(), key=lambda p: PRESET_ORDER.index(p["name"]))],
        "project_types": [{"name": t.name, "description": t.description, "flag_prefix": t.prefix,
                           "settings": [{"key": s.key, "flag": t.flag(s), "kind": s.kind, "values": list(s.values),
                                         "default": s.default, "required": s.required} for s in t.settings]}
                          for t in TYPES],
        "clients": list(CLIENTS),
        "tools": [{"name": t["name"], "description": t["description"], "argument_hint": t["argument_hint"]}
                  for t in sorted(idx["tools"].values(), key=lambda t: t["name"])],
        "build": [{"name": s["name"], "description": s["description"], "argument_hint": s["argument_hint"]}
                  for s in sorted(idx["steps"].values(), key=lambda s: s["order"]) if s["phase"] == "build"],
    }
    if args.section:
        key = args.section.replace("-", "_")
        data = {key: data[key]}
    lines: list[str] = []
    if "methodologies" in data:
        lines.append(paint("Methodologies", "1"))
        lines += [f"  {m['name']:<8} depth {m['default_depth']}, {m['steps']} steps — {m['description']}"
                  for m in data["methodologies"]]
    if "project_types" in data:
        lines.append(paint("Project types", "1"))
        lines += [f"  {t['name']:<18} --{t['flag_prefix']}-* — {t['description']}" for t in data["project_types"]]
    if "clients" in data:
        lines.append(paint("Clients", "1") + "\n  " + ", ".join(data["clients"]))
    rows = [t for k in ("tools", "build") for t in data.get(k, [])]
    name_w = max((len(t["name"]) for t in rows), default=0) + 2
    hint_w = max((len(t["argument_hint"] or "") for t in rows), default=0) + 2
    for key, title in (("tools", "Tools"), ("build", "Build steps")):
        if key in data:
            lines.append(paint(title, "1"))
            lines += [f"  {t['name']:<{name_w}}{(t['argument_hint'] or ''):<{hint_w}}{t['description']}"
                      for t in data[key]]
    return data, "\n".join(lines)


# ------------------------------------------------------------------ validate

def add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help="treat warnings (e.g. missing knowledge) as errors")
    p.set_defaults(func=cmd_validate)


def cmd_validate(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.validate import validate
    data = validate(ctx.root(), strict=args.strict)
    lines = []
    for prob in data["problems"]:
        colour = "31" if prob["severity"] == "error" else "33"
        lines.append(f"{paint(prob['severity'], colour)} [{prob['code']}] {prob['file']} {prob['field']}: "
                     f"{prob['message']}")
    summary = (f"{data['counts']['steps']} steps, {data['counts']['tools']} tools, {data['counts']['knowledge']} "
               f"knowledge entries, {data['counts']['agents']} agents, {data['counts']['skills']} skill packs: "
               f"{data['errors']} error(s), {data['warnings']} warning(s)")
    if not data["valid"]:
        raise CadenceError("VALIDATION_FAILED", "\n".join(lines + [summary]) if not ctx.json else summary,
                           "Fix the files and fields listed above.", USAGE, data=data)
    return data, "\n".join(lines + [paint("valid", "32") + ": " + summary])


# ------------------------------------------------------------------ decisions

def add_decisions(p: argparse.ArgumentParser) -> None:
    subs = sub(p)
    subs.required = False  # `cadence decisions` alone lists them
    p.set_defaults(func=cmd_decisions_list, step=None, last=None)
    ls = subs.add_parser("list", help="show recorded decisions")
    ls.add_argument("--step")
    ls.add_argument("--last", type=int)
    ls.set_defaults(func=cmd_decisions_list)
    add = subs.add_parser("add", help="append a decision")
    add.add_argument("text", nargs="+")
    add.add_argument("--step")
    add.add_argument("--category")
    _wait(add)
    add.set_defaults(func=cmd_decisions_add)


def cmd_decisions_list(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.project import decisions
    from cadence.project.paths import require_project
    if args.last is not None and args.last < 1:
        raise CadenceError("USAGE", f"--last {args.last}: must be at least 1", "Example: cadence decisions --last 5",
                           USAGE)
    require_project(ctx.root())
    recs = decisions.read(ctx.root(), ctx.warnings)
    if args.step:
        recs = [r for r in recs if r.get("step") == args.step]
    if args.last:
        recs = recs[-args.last:]
    text = "\n".join(f"{r.get('id')} [{r.get('step') or '-'}] {r.get('text')}"
                     + (f"  ({r['category']})" if r.get("category") else "") for r in recs) or "No decisions recorded."
    return {"decisions": recs, "total": len(recs)}, text


def cmd_decisions_add(ctx: Context, args: argparse.Namespace) -> tuple[Any, str]:
    from cadence.pipeline.steps import add_decision
    rec = add_decision(_open(ctx), " ".join(args.text), args.step, args.category, wait=args.wait)
    return rec, f"recorded {rec['id']}: {rec['text']}"
