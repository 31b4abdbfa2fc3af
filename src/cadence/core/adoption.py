"""Adoption of an existing repository: `detect:` contracts, the adoption plan, its key and its Markdown.

Pure: the repository is seen through a `RepoView` (pipeline/adoption.py implements it with bounded reads),
so the same contract decides `adopt`, `complete` and the live checks of `status` and `doctor`.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # `status` judges completions with this module: it must import nothing heavy at run time
    from collections.abc import Callable
    from typing import Any, Protocol

    class RepoView(Protocol):
        def exists(self, rel: str) -> bool: ...
        def glob(self, pattern: str) -> list[str]: ...
        def lines(self, rel: str) -> list[str] | None: ...
        def digest(self, rel: str) -> str: ...

MAX_CHECK_LINES = 5000  # content checks read at most this many lines of a file (after the byte bound)
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+<>])\1{2,}\s*$")


class CheckResult:
    __slots__ = ("label", "ok", "evidence")

    def __init__(self, label: str, ok: bool, evidence: str = "") -> None:
        self.label, self.ok, self.evidence = label, ok, evidence

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.label, "ok": self.ok, "evidence": self.evidence}


def headings(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, heading text) of Markdown `#` headings and reStructuredText underlined titles; fenced
    code is skipped."""
    out: list[tuple[int, str]] = []
    fence = False
    for i, line in enumerate(lines[:MAX_CHECK_LINES]):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        if line.startswith("#"):
            text = line.lstrip("#").strip()
            if text and line[len(line) - len(line.lstrip("#"))] in " \t":
                out.append((i + 1, text))
        elif i > 0 and _RST_UNDERLINE.match(line) and lines[i - 1].strip() and not lines[i - 1].startswith(" ") \
                and len(line.rstrip()) >= len(lines[i - 1].rstrip()):
            out.append((i, lines[i - 1].strip()))
    return out


def _content(check: dict[str, Any], files: list[str], repo: RepoView) -> CheckResult:
    kind = "heading" if "heading" in check else "contains"
    rx = re.compile(check[kind], re.IGNORECASE)
    targets = [check["file"]] if check.get("file") else files
    label = f"{kind} /{check[kind]}/" + (f" in {check['file']}" if check.get("file") else "")
    for rel in targets:
        lines = repo.lines(rel)
        if lines is None:
            continue
        if kind == "heading":
            for n, text in headings(lines):
                if rx.search(text):
                    return CheckResult(label, True, f"{rel}:{n} {text}")
        else:
            for n, line in enumerate(lines[:MAX_CHECK_LINES], 1):
                if rx.search(line):
                    return CheckResult(label, True, f"{rel}:{n} {line.strip()[:120]}")
    where = ", ".join(targets) or "(no file)"
    return CheckResult(label, False, f"not found in {where}")


def run_check(check: dict[str, Any], files: list[str], repo: RepoView) -> CheckResult:
    if "path" in check:
        ok = repo.exists(check["path"])
        return CheckResult(f"path {check['path']}", ok, check["path"] if ok else f"{check['path']} is absent")
    if "glob" in check:
        hits = repo.glob(check["glob"])
        return CheckResult(f"glob {check['glob']}", bool(hits),
                           f"{hits[0]} ({len(hits)} match(es))" if hits else f"nothing matches {check['glob']}")
    return _content(check, files, repo)


def contract(detect: dict[str, Any] | None, files: list[str], repo: RepoView) -> tuple[bool, list[CheckResult]]:
    """Whether `files` (what stands for the step's outputs) and the repository pass a `detect:` contract:
    every `all` check, and one `any` check when there are some."""
    if not detect:
        return True, []
    results = [run_check(c, files, repo) for c in detect.get("all", [])]
    ok = all(r.ok for r in results)
    anys = [run_check(c, files, repo) for c in detect.get("any", [])]
    if anys:
        ok = ok and any(r.ok for r in anys)
        results += anys
    return ok, results


def has_checks(detect: dict[str, Any] | None) -> bool:
    return bool(detect and (detect.get("all") or detect.get("any")))


class StepFacts:
    """What the plan needs to know about one step: its state status, the outputs required at its depth, its
    detect: contract, whether it only rewrites files an upstream step owns (then the disk says nothing about
    it), and the user's --map file for it."""

    def __init__(self, *, name: str, phase: str, status: str, outputs: list[str], detect: dict[str, Any] | None,
                 upstream_only: bool = False, mapped: str | None = None) -> None:
        self.name, self.phase, self.status, self.outputs = name, phase, status, outputs
        self.detect, self.upstream_only, self.mapped = detect, upstream_only, mapped


class StepPlan:
    """One step of the plan. verdict: satisfied | partial | missing | done; action: complete | adopt | none;
    `mapped` is the artifact_map entry (an existing file standing in for the outputs); `verification` is
    verified | declared for a satisfied step; `found` is what the repository already has for it."""

    def __init__(self, step: str, phase: str, verdict: str, action: str, *, files: list[str] | None = None,
                 missing: list[str] | None = None, checks: list[CheckResult] | None = None,
                 mapped: str | None = None, verification: str | None = None,
                 digests: dict[str, str] | None = None) -> None:
        self.step, self.phase, self.verdict, self.action = step, phase, verdict, action
        self.files, self.missing, self.checks = files or [], missing or [], checks or []
        self.mapped, self.verification, self.digests = mapped, verification, digests or {}
        self.found: list[CheckResult] = []

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "phase": self.phase, "verdict": self.verdict, "action": self.action,
                "files": self.files, "missing": self.missing, "checks": [c.to_dict() for c in self.checks],
                "mapped": self.mapped, "verification": self.verification,
                "found": [c.evidence for c in self.found]}

    def incumbents(self) -> list[str]:
        """The repository files the evidence checks found (for adoption mode's context), first match each."""
        return list(dict.fromkeys(c.evidence.split(":", 1)[0].split(" (", 1)[0] for c in self.found))


def judge(step: StepFacts, repo: RepoView, exists: Callable[[str], bool]) -> StepPlan:
    """One step of the plan. `exists` says whether a declared output is on disk (directories need a file)."""
    if step.status in ("completed", "skipped"):
        return StepPlan(step.name, step.phase, "done", "none")
    plan = _judge(step, repo, exists)
    found = [run_check(c, [], repo) for c in (step.detect or {}).get("evidence", [])]
    plan.found = [r for r in found if r.ok]
    plan.digests.update({f: repo.digest(f) for f in plan.incumbents() if f not in plan.digests})
    return plan


def _judge(step: StepFacts, repo: RepoView, exists: Callable[[str], bool]) -> StepPlan:
    present = [o for o in step.outputs if exists(o)]
    absent = [o for o in step.outputs if o not in present]
    if step.upstream_only:
        return StepPlan(step.name, step.phase, "partial" if present else "missing", "adopt", files=present,
                        missing=["its outputs belong to an upstream step: the files say nothing about it"])
    tried: list[tuple[list[str], str | None]] = []
    if step.mapped:
        tried.append(([step.mapped], step.mapped))
    if not absent and step.outputs:
        tried.append((list(step.outputs), None))
    if len(step.outputs) == 1 and absent:
        tried += [([c], c) for c in (step.detect or {}).get("candidates", []) if c != step.mapped]
    best: StepPlan | None = None
    for files, mapped in tried:
        if not all(exists(f) or repo.exists(f) for f in files):
            continue
        ok, results = contract(step.detect, files, repo)
        plan = StepPlan(step.name, step.phase, "satisfied" if ok else "partial", "complete" if ok else "adopt",
                        files=files, checks=results, mapped=mapped,
                        missing=[] if ok else [f"failed: {r.label} ({r.evidence})" for r in results if not r.ok],
                        verification=("verified" if has_checks(step.detect) else "declared") if ok else None,
                        digests={f: repo.digest(f) for f in files})
        if ok:
            return plan
        best = best or plan
    if best is not None:
        return best
    return StepPlan(step.name, step.phase, "partial" if present else "missing", "adopt", files=present,
                    missing=absent, digests={f: repo.digest(f) for f in present})


def plan_key(plans: list[StepPlan], methodology: str, mapping: dict[str, str]) -> str:
    """A hash of the live evidence the plan rests on: every verdict, file (with its content digest) and check
    outcome, the methodology and the user's mapping. Any change in the repository that would change the
    plan changes the key."""
    import hashlib
    import json
    basis = {"methodology": methodology, "map": dict(sorted(mapping.items())),
             "steps": [[p.step, p.verdict, p.action, p.mapped, sorted(p.digests.items()),
                        [[c.label, c.ok, c.evidence] for c in p.checks + p.found], p.missing] for p in plans]}
    return hashlib.sha256(json.dumps(basis, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def render_markdown(plan: dict[str, Any]) -> str:
    """docs/adoption-plan.md: the plan a person reviews before `adopt --apply --plan-key KEY`."""
    lines = ["# Adoption plan", "",
             f"Generated by `cadence adopt` for methodology `{plan['methodology']}`. Plan key:", "",
             f"    {plan['plan_key']}", "",
             "Apply it unchanged with `cadence adopt --apply --plan-key " + plan["plan_key"][:12] + "…` (the full "
             "key above); cadence re-derives the plan and refuses if the repository changed since.", ""]
    det = plan.get("detection") or {}
    if det.get("matches"):
        lines += ["## Detected project type", ""]
        for m in det["matches"]:
            lines.append(f"- **{m['type']}** ({m['confidence']}): " + "; ".join(f"`{e}`" for e in m["evidence"]))
        lines.append("")
    groups = (("Already satisfied (apply marks them completed)", "complete"),
              ("Run in adoption mode (document what is there, fill the gaps)", "adopt"))
    for title, action in groups:
        rows = [s for s in plan["steps"] if s["action"] == action]
        lines += [f"## {title}", ""]
        if not rows:
            lines += ["(none)", ""]
            continue
        for s in rows:
            files = ", ".join(f"`{f}`" for f in s["files"]) or "nothing yet"
            lines.append(f"- `{s['step']}` ({s['phase']}): {files}"
                         + (f" — artifact_map `{s['step']}: {s['mapped']}`" if s["mapped"] else "")
                         + (f" [{s['verification']}]" if s["verification"] else ""))
            lines += [f"  - {c['check']}: {'ok' if c['ok'] else 'no'} — {c['evidence']}" for c in s["checks"]]
            lines += [f"  - missing: {m}" for m in s["missing"]]
            lines += [f"  - the repository has: {f}" for f in s["found"]]
        lines.append("")
    done = [s["step"] for s in plan["steps"] if s["action"] == "none"]
    if done:
        lines += ["## Already recorded", "", ", ".join(f"`{d}`" for d in done), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
