"""`cadence adopt` on a repository: the adoption plan, applying it, and the live check of completions.

The repository is read through `FsRepo`: paths resolved inside the project (symlinks out are refused),
at most MAX_READ_BYTES per file, globs over the bounded listing type detection uses. Nothing here
writes a user's file; applying changes `.cadence/state.json` and appends to `.cadence/decisions.jsonl`.
"""

from __future__ import annotations

from pathlib import Path

from cadence.errors import CONFLICT, USAGE, CadenceError
from cadence.project import fsio, paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from cadence.core.adoption import StepPlan
    from cadence.pipeline.project import Project

MAX_READ_BYTES = 256 * 1024
PLAN_FILE = "docs/adoption-plan.md"


class FsRepo:
    """The RepoView of core/adoption.py over a real repository (cached per instance)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listing: list[str] | None = None
        self._bytes: dict[str, bytes | None] = {}

    def _path(self, rel: str) -> Path | None:
        try:
            return paths.contained(self.root, rel.rstrip("/") or ".", "path")
        except CadenceError:
            return None

    def exists(self, rel: str) -> bool:
        from cadence.pipeline.project import output_exists
        if rel.endswith("/"):
            return output_exists(self.root, rel)
        p = self._path(rel)
        return p is not None and p.exists()

    def glob(self, pattern: str) -> list[str]:
        from cadence.core.globs import compile_glob
        if self._listing is None:
            from cadence.pipeline.detect import repo_facts
            self._listing = sorted(repo_facts(self.root).files)
        rx = compile_glob(pattern)
        return [f for f in self._listing if rx.fullmatch(f)]

    def _read(self, rel: str) -> bytes | None:
        if rel not in self._bytes:
            from cadence.pipeline.detect import read_head
            self._bytes[rel] = read_head(self.root, self.root / rel, MAX_READ_BYTES) if self._path(rel) else None
        return self._bytes[rel]

    def lines(self, rel: str) -> list[str] | None:
        data = self._read(rel)
        return None if data is None else data.decode("utf-8", errors="replace").splitlines()

    def digest(self, rel: str) -> str:
        """sha256 of a file's (bounded) bytes; of a directory, of its file names and their digests."""
        import hashlib
        p = self._path(rel)
        if p is not None and p.is_dir():
            h = hashlib.sha256()
            for f in sorted(x for x in p.rglob("*") if x.is_file())[:500]:
                name = f.relative_to(self.root.resolve()).as_posix()
                h.update(name.encode() + b"\0" + self.digest(name).encode())
            return h.hexdigest()
        data = self._read(rel)
        return "absent" if data is None else hashlib.sha256(data).hexdigest()


def _facts(proj: Project, s: Any, mapping: dict[str, str]) -> Any:
    from cadence.core.adoption import StepFacts
    pl = proj.pipeline
    required = s.required_outputs(pl.depth_for(s.name)[0])
    upstream = {o for d in pl.ancestors(s.name) for o in pl.steps[d].outputs}
    return StepFacts(name=s.name, phase=s.phase, status=proj.statuses().get(s.name, "pending"), outputs=required,
                     detect=proj.index["steps"][s.name].get("detect"),
                     upstream_only=bool(required) and not set(required) - upstream, mapped=mapping.get(s.name))


def parse_map(items: list[str] | None, proj: Project) -> dict[str, str]:
    """`--map STEP=PATH` (repeatable): the user's artifact_map entries, checked before anything runs."""
    mapping: dict[str, str] = {}
    for item in items or []:
        step, sep, path = item.partition("=")
        step, path = step.strip(), path.strip()
        if not sep or not step or not path:
            raise CadenceError("USAGE", f"--map {item!r}: expected STEP=PATH",
                               "Example: --map coding-standards=CONTRIBUTING.md", USAGE)
        s = proj.step(step)
        if s.stateless:
            raise CadenceError("USAGE", f"--map {item!r}: {s.name} is stateless and never completes",
                               "Map a pipeline step.", USAGE)
        if path == "README.md":
            raise CadenceError("USAGE", "--map: README.md never stands in for a step's outputs",
                               "Point at the document that holds the step's content.", USAGE)
        paths.contained(proj.root, path, "--map path")
        if not FsRepo(proj.root).exists(path):
            raise CadenceError("USAGE", f"--map {item!r}: {path} does not exist", "Map an existing file.", USAGE)
        mapping[s.name] = path
    return mapping


def build_plan(proj: Project, mapping: dict[str, str] | None = None) -> dict[str, Any]:
    """The adoption plan against the live repository (read-only)."""
    from cadence.core.adoption import judge, plan_key
    from cadence.pipeline.detect import detect_types
    from cadence.pipeline.project import output_exists
    mapping = mapping or {}
    repo = FsRepo(proj.root)
    plans: list[StepPlan] = []
    for s in proj.pipeline.stateful():
        if s.active:
            plans.append(judge(_facts(proj, s, mapping), repo, lambda o: output_exists(proj.root, o)))
    key = plan_key(plans, proj.pipeline.methodology, mapping)
    steps = [p.to_dict() for p in plans]
    return {"plan_key": key, "methodology": proj.pipeline.methodology, "project_type": proj.pipeline.project_type,
            "mode": proj.state.get("mode"), "detection": detect_types(proj.root),
            "steps": steps, "artifact_map": {p.step: p.mapped for p in plans if p.mapped and p.action == "complete"},
            "adoption_mode": [p.step for p in plans if p.action == "adopt"],
            # the spec's shape, kept: the steps applying would mark completed, with the files that satisfy them
            "proposed": [{"step": p.step, "outputs": p.files, "verification": p.verification}
                         for p in plans if p.action == "complete"],
            "_plans": plans}


def adopt(proj: Project, apply: bool = False, plan_key: str | None = None, mapping: dict[str, str] | None = None,
          write: str | None = None, wait: float | None = None) -> dict[str, Any]:
    """Propose (and with `apply`, apply) the adoption plan. `plan_key` pins the plan a person reviewed:
    the plan is re-derived under the lock and a different key aborts with PLAN_DRIFT (exit 3). A bare
    `--apply` (the spec's form) applies the plan as it is at that moment and reports its key."""
    if plan_key is not None and not apply:
        raise CadenceError("USAGE", "--plan-key only goes with --apply", "cadence adopt --apply --plan-key KEY", USAGE)
    if write is not None and apply:
        raise CadenceError("USAGE", "--write renders the plan for review; it does not go with --apply",
                           "Write the plan first, review it, then apply it with --plan-key.", USAGE)
    if plan_key is not None and (len(plan_key) < 12 or any(c not in "0123456789abcdef" for c in plan_key.lower())):
        raise CadenceError("USAGE", f"--plan-key {plan_key[:80]!r} is not a plan key",
                           "Copy the key 'cadence adopt' printed (at least its first 12 hex digits).", USAGE)
    plan = build_plan(proj, mapping)
    if write is not None:
        _write_plan(proj, plan, write)
    if not apply:
        plan.pop("_plans")
        return {**plan, "applied": False, "written": write, "changes": []}
    from cadence.project.lock import project_lock
    with project_lock(proj.root, "adopt --apply", wait):
        proj._state = None  # re-read under the lock: the plan is judged against what is there now
        plan = build_plan(proj, mapping)
        if plan_key is not None and not plan["plan_key"].startswith(plan_key.lower()):
            raise CadenceError("PLAN_DRIFT", f"the repository changed since plan {plan_key[:12]}…: the live plan is "
                               f"{plan['plan_key'][:12]}…; nothing was applied",
                               "Run 'cadence adopt' again, review the new plan, and apply its key.", CONFLICT,
                               data={"expected": plan_key, "actual": plan["plan_key"]})
        changes = _apply(proj, plan)
    plan.pop("_plans")
    return {**plan, "applied": bool(changes), "written": None, "changes": changes}


def _apply(proj: Project, plan: dict[str, Any]) -> list[dict[str, Any]]:
    from cadence.pipeline.project import save_project
    from cadence.project import decisions as dec
    from cadence.project.state import load_state, now
    state = load_state(proj.root)
    changes: list[dict[str, Any]] = []
    at = now()
    if state.get("mode") != "brownfield":
        changes.append({"step": None, "text": f"Project mode recorded as brownfield (was {state.get('mode')}): "
                        "pending steps run in adoption mode"})
        state["mode"] = "brownfield"
    for p in plan["_plans"]:
        if p.action != "complete":
            continue
        state["steps"][p.step] = {"status": "completed", "at": at, "depth": proj.pipeline.depth_for(p.step)[0],
                                  "source": "adopt", "methodology": proj.pipeline.methodology, "outputs": p.files,
                                  "reason": None, "verification": p.verification,
                                  **({"artifact_map": p.mapped} if p.mapped else {})}
        proof = "; ".join(c.evidence for c in p.checks if c.ok)
        changes.append({"step": p.step, "text": f"Adopted {p.step} as completed from {', '.join(p.files)}"
                        + (f" (artifact_map {p.step}: {p.mapped})" if p.mapped else "")
                        + f", verification {p.verification}" + (f": {proof}" if proof else "")})
    if not changes:
        return []
    save_project(proj, state)
    proj._state = state
    for c in changes:
        rec = dec.append(proj.root, c["step"], c["text"][:4000], "adoption", "adopt", at)
        c["decision"] = rec["id"]
    return changes


def _write_plan(proj: Project, plan: dict[str, Any], rel: str) -> None:
    from cadence.core.adoption import render_markdown
    target = paths.contained(proj.root, rel, "--write path")
    if target.is_dir():
        raise CadenceError("USAGE", f"--write {rel}: is a directory", f"Example: --write {PLAN_FILE}", USAGE)
    fsio.mkdirs(proj.root, target.parent)
    fsio.atomic_write(proj.root, target, render_markdown({k: v for k, v in plan.items() if k != "_plans"}))


def step_evidence(proj: Project, s: Any) -> tuple[list[str], list[str]]:
    """For an adoption-mode run of `s`: the files that already stand for its outputs (the prior version) and
    the incumbent files its detect: evidence found (lint, test, CI, manifest files)."""
    from cadence.core.adoption import judge
    from cadence.pipeline.project import output_exists
    plan = judge(_facts(proj, s, {}), FsRepo(proj.root), lambda o: output_exists(proj.root, o))
    prior = [f for f in plan.files if output_exists(proj.root, f) or FsRepo(proj.root).exists(f)]
    return prior, [f for f in plan.incumbents() if f not in prior]


# ------------------------------------------------------------------ completions that must survive a live check

def verification_for(proj: Project, s: Any, files: list[str]) -> str:
    """`verified` when the step's files pass its detect: contract, `declared` when it has no checks (the files
    on disk are all cadence can say), `unverified` when the files are missing or fail the contract."""
    from cadence.core.adoption import contract, has_checks
    repo = FsRepo(proj.root)
    detect = proj.index["steps"].get(s.name, {}).get("detect")
    if not files or not all(repo.exists(f) for f in files):
        return "unverified"
    ok, _ = contract(detect, files, repo)
    return "unverified" if not ok else "verified" if has_checks(detect) else "declared"


def stale_completions(proj: Project) -> list[dict[str, Any]]:
    """Completed steps whose recorded files (or declared outputs) no longer pass the live check: a file gone,
    or a detect: check that fails now. Completions recorded `unverified` (complete --force) are not re-judged."""
    if not any(e.get("status") == "completed" for e in proj.state["steps"].values()):
        return []
    from cadence.core.adoption import contract
    repo = FsRepo(proj.root)
    out = []
    for name, entry in proj.state["steps"].items():
        s = proj.pipeline.steps.get(name)
        if s is None or s.stateless or entry.get("status") != "completed" or entry.get("verification") == "unverified":
            continue
        files = list(entry.get("outputs") or []) or s.required_outputs(entry.get("depth") or 1)
        gone = [f for f in files if not repo.exists(f)]
        if gone:
            out.append({"step": name, "reason": f"missing now: {', '.join(gone)}", "files": files})
            continue
        ok, results = contract(proj.index["steps"].get(name, {}).get("detect"), files, repo)
        if not ok:
            failed = "; ".join(f"{r.label} ({r.evidence})" for r in results if not r.ok)
            out.append({"step": name, "reason": f"detect check fails now: {failed}", "files": files})
    return out
