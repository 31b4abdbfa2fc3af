"""finish: gate check, safe staging, commit, push, PR body and `gh pr create` / update."""

from __future__ import annotations

import shlex
from datetime import UTC
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from cadence.errors import EXTERNAL, PRECONDITION, USAGE, CadenceError
from cadence.project import fsio
from cadence.project.paths import WORKTREES
from cadence.workflow.common import require_git, workflow_config

PR_BODY = ".cadence/pr-body.md"
RUNTIME = (".cadence/loop.json", ".cadence/loop.json.bak", ".cadence/gate.json", ".cadence/gate.json.bak",
           ".cadence/.lock", PR_BODY, ".cadence/*.bak", ".cadence/.*.tmp", ".cadence/state.json.bak")
RUNTIME_DIRS = (".cadence/sessions/", f"{WORKTREES}/")


def classify_path(path: str) -> str | None:
    """Why a path must stay out of a commit ("runtime state", "worktree", "secret"), or None."""
    from cadence.core.secrets import name_rule
    p = path.replace("\\", "/")
    segs = p.split("/")
    if ".cadence" in segs[:-1]:  # a project in a sub-directory of the repository
        p = "/".join(segs[segs.index(".cadence"):])
    if any(p.startswith(d) for d in RUNTIME_DIRS):
        return "worktree" if p.startswith(WORKTREES) else "runtime state"
    if ".cadence.backup-" in p.split("/", 1)[0]:
        return "runtime state"
    if any(fnmatch(p, pat) for pat in RUNTIME):
        return "runtime state"
    return "secret" if name_rule(path) else None


def plan_stage(st: dict[str, list[str]]) -> tuple[list[str], list[dict[str, str]]]:
    """(paths to stage, paths left out with the reason) from a parsed status."""
    stage: list[str] = []
    left: list[dict[str, str]] = []
    seen: set[str] = set()
    for key in ("staged", "unstaged", "conflicted", "untracked"):
        for p in st[key]:
            if p in seen:
                continue
            seen.add(p)
            why = classify_path(p)
            if p.endswith("/") and why is None:
                why = "nested repository"
            if why == "secret":
                from cadence.core.secrets import name_rule
                left.append({"path": p, "reason": why, "detail": f"the file name matches {name_rule(p)}"})
            elif why:
                left.append({"path": p, "reason": why})
            else:
                stage.append(p)
    return stage, left


def detect_base(root: Path, branch: str) -> str:
    from cadence.vcs import git
    base = git.default_branch(root, query_remote=True)
    if base and base != branch:
        return base
    for cand in ("main", "master"):
        if cand != branch and (git.branch_exists(root, cand) or git.remote_branch_exists(root, cand)):
            return cand
    return "main"


def build_body(root: Path, top: Path, branch: str, base: str, plan_file: str | None, issues: list[int],
               warnings: list[str]) -> tuple[str, list[int], str | None]:
    """The PR body: plan sections, loop summary, gate section, `Closes #N` (root = project, top = git)."""
    from cadence.core import loop as loopcore
    from cadence.core import plan as plancore
    from cadence.project.loopfile import load_loop
    from cadence.project.planfiles import existing_plan, plans_dir, read_plan
    from cadence.vcs import git
    from cadence.workflow.common import now
    from cadence.workflow.plans import find_plan_for_branch
    from cadence.workflow.review import load_gate
    parts: list[str] = []
    closes = list(issues)
    chosen = existing_plan(root, plan_file).name if plan_file else find_plan_for_branch(root, branch)
    if chosen:
        parsed = read_plan(root, plans_dir(root) / chosen)
        parts.append(plancore.build_pr_body(chosen, parsed))
        closes += [i for i in parsed["issues"] if i not in closes]
    try:
        loop = load_loop(root)
    except CadenceError as exc:
        warnings.append(f"loop state not included: {exc.message}")
        loop = None
    if loop and chosen is None:
        try:  # without a plan, a loop whose plan names another branch is not this branch's work
            fm = read_plan(root, plans_dir(root) / str(loop["plan"]))["frontmatter"] or {}
            other = fm.get("branch")
        except (CadenceError, OSError, ValueError):
            other = None
        if other and str(other) != branch:
            warnings.append(f"loop summary not included: its plan {loop['plan']} is for branch {other}")
            loop = None
    if loop and (chosen is None or loop["plan"] == chosen):
        if chosen:
            parts[0] = tick_tasks(parts[0], loop)
        parts.append(loopcore.summary_markdown(loop, now()).strip())
    from cadence.pipeline.trace import pr_section
    covered = pr_section(root, top, base, warnings)
    if covered:
        parts.append(covered)
    try:
        gate = load_gate(root)
    except CadenceError as exc:
        warnings.append(f"gate not included: {exc.message}")
        gate = None
    if gate:
        parts.append(str(gate["pr_section"]).strip())
    if not chosen and not loop:
        log = git.run_git(top, ["log", "--oneline", f"{base}..HEAD"], check=False).strip() if \
            git.rev_parse(top, base) else ""
        if log:
            parts.insert(0, "## Changes\n\n```\n" + log + "\n```")
        else:
            parts.insert(0, f"Implementation on branch `{branch}`.")
    if closes:
        parts.append("\n".join(f"Closes #{n}" for n in closes))
    return "\n\n".join(parts) + "\n", closes, chosen


def finish(root: Path, message: str | None = None, title: str | None = None, base: str | None = None,
           plan: str | None = None, issues: list[int] | None = None, draft: bool = False, push: bool = True,
           force: bool = False, allow_secrets: list[str] | None = None, by: str = "cli") -> dict[str, Any]:
    from cadence.core.scope import change_scope
    from cadence.vcs import gh, git
    from cadence.workflow.review import load_gate
    require_git(root)
    top = git.toplevel(root) or root
    warnings: list[str] = []
    branch = git.current_branch(top)
    if branch is None:
        raise CadenceError("DETACHED_HEAD", "HEAD is detached: finish needs a branch",
                           "Create one with 'cadence branch create feature NAME'.", PRECONDITION)
    protected = workflow_config(root)["protected-branches"]
    if branch in protected:
        raise CadenceError("PROTECTED_BRANCH", f"refusing to finish on protected branch {branch!r}",
                           "Create a work branch first: 'cadence branch create feature NAME' or "
                           "'cadence worktree create NAME'.", PRECONDITION)
    if base is not None:
        from cadence.workflow.branches import validate_branch
        validate_branch(base)
    if plan is not None:
        from cadence.project.planfiles import existing_plan
        plan = existing_plan(root, plan).name  # validated before anything is staged or committed
    base = base or detect_base(top, branch)
    if base == branch:
        raise CadenceError("BASE_IS_BRANCH", f"the base branch equals the current branch ({branch})",
                           "Pass --base with the branch to merge into.", USAGE)
    if push and git.remote_url(top, "origin") is None:
        raise CadenceError("NO_ORIGIN", "no 'origin' remote is configured",
                           "Add one: git remote add origin URL (or pass --no-push).", PRECONDITION)
    # 2. the gate
    try:
        gate = load_gate(root)
    except CadenceError:
        if not force:
            raise
        gate = None
        warnings.append("the gate file is corrupt; continuing because of --force")
    if gate and gate["recommendation"] == "NO-GO":
        if not force:
            raise CadenceError("GATE_NO_GO", "the last quality gate says NO-GO: "
                               + "; ".join(f"@{b['agent']}: {b['title']}" for b in gate.get("blockers", [])[:5]),
                               "Fix the blockers and re-run 'cadence gate summary', or pass --force.", PRECONDITION,
                               data={"blockers": gate.get("blockers", [])})
        warnings.append("finishing despite a NO-GO gate (--force)")
    done = _mark_plan_done(root, plan, branch, warnings)  # before staging: the new status is committed too
    st = git.status(top)
    stage, left_out = plan_stage(st)
    stage, copies = _shared_copies(top, stage, set(st["untracked"]))
    left_out += copies
    stage, flagged = scan_contents(top, stage, set(st["untracked"]))
    left_out += flagged
    stage, allowed = _allow(root, top, allow_secrets or [], stage, left_out, by, warnings)
    left_out += _ignored_runtime(top, {e["path"] for e in left_out})
    changed = list(stage)
    if git.rev_parse(top, base):
        try:
            changed += git.diff_names(top, git.merge_base(top, base, "HEAD"), "HEAD")
        except CadenceError:
            pass
    scope = change_scope(changed, workflow_config(root).get("scope") or {})["scope"] if changed else "trivial"
    last_commit = git.last_commit_time(top)
    if scope != "trivial" and (gate is None or (last_commit and str(gate.get("timestamp", "")) < _utc(last_commit))):
        warnings.append(f"change scope is {scope} but no quality gate ran after the last commit "
                        "('cadence gate summary')")
    # 3. stage safely
    _chunked(top, ["--literal-pathspecs", "add", "-A", "--"], stage)
    staged_out = [e["path"] for e in left_out if e["path"] in st["staged"]]
    if git.has_head(top):
        _chunked(top, ["--literal-pathspecs", "reset", "-q", "--"], staged_out)
    else:
        _chunked(top, ["--literal-pathspecs", "rm", "-q", "--cached", "--"], staged_out)
    staged = [p for p in git.run_git(top, ["diff", "--cached", "--name-only", "-z"]).split("\0") if p] \
        if git.has_head(top) else [p for p in git.run_git(top, ["ls-files", "-z"]).split("\0") if p]
    # 4. commit
    committed = False
    if staged:
        if not message or not message.strip():
            raise CadenceError("MESSAGE_REQUIRED", f"{len(staged)} file(s) are staged but no commit message was given",
                               "Pass --message 'feat: …'.", USAGE, data={"staged": staged})
        git.run_git(top, ["commit", "-q", "-m", message])
        committed = True
    if not git.has_head(top):
        raise CadenceError("NOTHING_TO_COMMIT", "nothing to commit and no commits yet", "", PRECONDITION)
    commit = git.run_git(top, ["rev-parse", "HEAD"]).strip()
    pushed = False
    if push:
        try:
            git.run_git(top, ["push", "-u", "origin", branch], timeout=300)
        except CadenceError as exc:
            raise CadenceError("PUSH_FAILED", f"committed {commit[:12]} but the push failed: {exc.message}",
                               f"Push by hand: git push -u origin {branch}", EXTERNAL,
                               data={"branch": branch, "commit": commit, "staged": staged}) from None
        pushed = True
    # 5. PR body
    body, closes, chosen = build_body(root, top, branch, base, plan, list(issues or []), warnings)
    dirs = git.git_dirs(top)
    body_path = (dirs[0] / "cadence-pr-body.md") if dirs else top / PR_BODY  # inside .git: never staged
    fsio.atomic_write(dirs[0] if dirs else top, body_path, body)
    pr_title = title or (message.strip().splitlines()[0] if message and message.strip() else None) or branch
    create = ["gh", "pr", "create", "--base", base, "--head", branch, "--title", pr_title,
              "--body-file", str(body_path)]
    if draft:
        create.append("--draft")
    command = shlex.join(create)
    pr: dict[str, Any] = {"url": None, "action": "none", "command": command}
    # 6/7. the pull request
    if pushed:
        remote = git.remote_url(top, "origin") or ""
        from cadence.vcs.gh import parse_repo_url
        info = parse_repo_url(remote)
        if gh.gh_path() is None:
            warnings.append("gh is not installed: open the PR with the command shown")
        elif not gh.authenticated(top, info["host"] if info else None):
            warnings.append("gh is not authenticated ('gh auth login'): open the PR with the command shown")
        else:
            try:
                found = _open_prs(top, branch, warnings)
                if found:
                    number = str(found[0]["number"])
                    args = ["pr", "edit", number, "--body-file", str(body_path)] + \
                        (["--title", title] if title else [])
                    gh.run_gh(top, args)
                    pr.update(url=found[0].get("url"), action="updated",
                              command=shlex.join(["gh", *args]))
                else:
                    pr.update(url=_url_from(gh.run_gh(top, create[1:]).stdout), action="created")
            except CadenceError as exc:
                raise CadenceError(exc.code, f"pushed {branch}, but the pull request step failed: {exc.message}",
                                   f"Open it by hand: {command}", EXTERNAL,
                                   data={"branch": branch, "base": base, "commit": commit, "pushed": True,
                                         "staged": staged, "left_out": [e["path"] for e in left_out],
                                         "pr": pr}) from None
    elif not push:
        warnings.append("not pushed (--no-push): push, then open the PR with the command shown")
    return {"branch": branch, "base": base, "commit": commit, "committed": committed, "pushed": pushed,
            "staged": staged, "left_out": [e["path"] for e in left_out], "left_out_reasons": left_out,
            "allowed_secrets": allowed, "plan": chosen, "plan_done": done, "issues": closes, "scope": scope, "pr": pr,
            "body_file": str(body_path), "warnings": warnings}


def tick_tasks(markdown: str, loop: dict[str, Any]) -> str:
    """Tick (`- [x]`) the tasks the loop passed in a PR body's `## Tasks` section. The loop's tasks are the
    plan's, in order; when the counts differ (the plan changed since `loop start`) nothing is ticked."""
    import re
    passed = [t.get("status") == "passed" for t in loop.get("tasks", [])]
    lines = markdown.split("\n")
    in_tasks = fence = False
    seen: list[int] = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence and line.startswith("## "):
            in_tasks = line.strip() == "## Tasks"
        elif in_tasks and not fence and re.match(r"[-*] \[ \]", line):
            seen.append(i)
    if len(seen) != len(passed):
        return markdown
    for i, ok in zip(seen, passed, strict=True):
        if ok:
            lines[i] = lines[i][:2] + "[x]" + lines[i][5:]
    return "\n".join(lines)


def _mark_plan_done(root: Path, plan: str | None, branch: str, warnings: list[str]) -> bool:
    """Move the branch's plan to `status: done` when its loop finished with every task passed or skipped."""
    from cadence.core import plan as plancore
    from cadence.project.loopfile import load_loop
    from cadence.project.planfiles import plans_dir, read_plan
    from cadence.workflow.plans import find_plan_for_branch
    try:
        chosen = plan or find_plan_for_branch(root, branch)
        loop = load_loop(root) if chosen else None
    except CadenceError:
        return False  # reported when the PR body is built
    tasks = loop.get("tasks", []) if loop else []
    if not loop or loop.get("plan") != chosen or loop.get("aborted") or not tasks or \
            any(t.get("status") not in ("passed", "skipped") for t in tasks):
        return False
    path = plans_dir(root) / str(chosen)
    try:
        parsed = read_plan(root, path)
    except (CadenceError, OSError) as exc:
        warnings.append(f"plan {chosen} not marked done: {getattr(exc, 'message', exc)}")
        return False
    fm = dict(parsed["frontmatter"] or {})
    if fm.get("status") == "done":
        return False
    fm["status"] = "done"
    fsio.atomic_write(root, path, plancore.render_plan(fm, parsed["body"]))
    return True


def _shared_copies(top: Path, paths: list[str], new: set[str]) -> tuple[list[str], list[dict[str, str]]]:
    """In a linked worktree, the repository's config and plans that were copied in from the main tree (so the
    worktree sees them) and are unchanged belong to the main tree's work, not to this branch."""
    from cadence.project.paths import CONFIG, PLANS
    from cadence.workflow.common import main_tree
    from cadence.workflow.worktrees import same_as_main
    main = main_tree(top)
    if main is None:
        return paths, []
    keep: list[str] = []
    out: list[dict[str, str]] = []
    for p in paths:
        if p in new and (p == CONFIG or p.startswith(PLANS + "/")) and same_as_main(main, top, p):
            out.append({"path": p, "reason": "copy of the main tree's file"})
        else:
            keep.append(p)
    return keep, out


def scan_contents(top: Path, paths: list[str], new: set[str]) -> tuple[list[str], list[dict[str, str]]]:
    """Split the paths to stage into (clean, left out): a text file whose first `SCAN_LIMIT` bytes hold a
    well-known credential format stays out. In a tracked file, only lines the last commit did not have count:
    a secret already in the history is not new, and leaving the file out would not take it back."""
    import os
    import stat

    from cadence.core.secrets import SCAN_LIMIT, describe, looks_binary, scan_text
    from cadence.vcs import git
    clean: list[str] = []
    out: list[dict[str, str]] = []
    for p in paths:
        try:
            if not stat.S_ISREG(os.lstat(top / p).st_mode):
                clean.append(p)  # deleted, a symlink (git stores its target, not the file), a directory
                continue
            with open(top / p, "rb") as fh:
                head = fh.read(SCAN_LIMIT)
        except OSError:
            clean.append(p)
            continue
        if looks_binary(head):
            clean.append(p)
            continue
        text = head.decode("utf-8", errors="replace")
        found = scan_text(text)
        if found and p not in new and git.has_head(top):
            try:
                old = git.run_git(top, ["cat-file", "blob", f"HEAD:{p}"], timeout=30, check=False)
            except (CadenceError, UnicodeDecodeError):
                old = ""
            found = scan_text(text, frozenset(old.splitlines())) if old else found
        if found:
            more = f" and {len(found) - 3} more" if len(found) > 3 else ""
            out.append({"path": p, "reason": "secret", "detail": "; ".join(describe(f) for f in found[:3]) + more})
        else:
            clean.append(p)
    return clean, out


def _allow(root: Path, top: Path, given: list[str], stage: list[str], left_out: list[dict[str, str]], by: str,
           warnings: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """`--allow-secret PATH`: stage a file that was left out as a secret, and record the decision."""
    if not given:
        return stage, []
    import os

    from cadence.project import decisions
    from cadence.project.paths import DECISIONS
    from cadence.workflow.common import maybe_lock, now
    top_r = top.resolve()
    wanted = {}
    for g in given:
        # an absolute path (the CLI makes a relative one absolute from the current directory) is made relative
        # to the repository through its resolved parent, so a symlink named .env stays the link it names
        rel = os.path.relpath(os.path.join(os.path.realpath(os.path.dirname(g)), os.path.basename(g)), top_r) \
            if os.path.isabs(g) else os.path.normpath(g)
        wanted[rel.replace(os.sep, "/")] = g
    allowed: list[dict[str, str]] = []
    for e in list(left_out):
        if e["reason"] == "secret" and e["path"] in wanted:
            left_out.remove(e)
            wanted.pop(e["path"])
            allowed.append({"path": e["path"], "detail": e["detail"]})
    for g in wanted.values():
        warnings.append(f"--allow-secret {g}: not left out as a secret, nothing to allow")
    if not allowed:
        return stage, []
    with maybe_lock(root, "finish"):
        for a in allowed:
            rec = decisions.append(root, None, f"finish committed {a['path']} although it looks like a secret "
                                   f"({a['detail']}): allowed with --allow-secret", "security", by, now())
            a["decision"] = str(rec["id"])
    record = os.path.relpath(os.path.realpath(root / DECISIONS), top_r).replace(os.sep, "/")
    extra = [a["path"] for a in allowed] + ([record] if record not in stage else [])
    return stage + extra, allowed


def _ignored_runtime(top: Path, known: set[str]) -> list[dict[str, str]]:
    """cadence's runtime state and worktrees that an ignore rule already hides (the managed .gitignore block or
    info/exclude) are reported as left out too, so `left_out` says the same with or without `cadence init`."""
    from cadence.vcs import git
    raw = git.run_git(top, ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", "--",
                            ":(glob)**/.cadence/**", ":(glob).cadence/**", f":(glob){WORKTREES}/*"], check=False)
    out: list[dict[str, str]] = []
    for p in raw.split("\0"):
        if not p or p in known:
            continue
        why = classify_path(p)
        if why in ("runtime state", "worktree"):
            out.append({"path": p, "reason": why})
    return sorted(out, key=lambda e: e["path"])


def _chunked(top: Path, args: list[str], paths: list[str], size: int = 200) -> None:
    """Run `git <args> <paths>` in chunks: literal pathspecs, no argv limit, no shell."""
    from cadence.vcs import git
    for i in range(0, len(paths), size):
        git.run_git(top, [*args, *paths[i:i + size]])


def _open_prs(top: Path, branch: str, warnings: list[str]) -> list[dict[str, Any]]:
    """Open PRs whose head is `branch` (closed or merged ones never count)."""
    from cadence.vcs import gh
    try:
        data = gh.run_gh_json(top, ["pr", "list", "--head", branch, "--state", "open", "--json", "number,url,state",
                                    "--limit", "5"])
    except CadenceError as exc:
        warnings.append(f"could not look for an open PR ({exc.message}); creating one")
        return []
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    return [i for i in items if isinstance(i, dict) and i.get("number") is not None
            and str(i.get("state", "OPEN")).upper() == "OPEN"]


def _url_from(stdout: str) -> str | None:
    """The PR URL from `gh pr create` output (a URL line; JSON tolerated)."""
    import json
    import re
    text = stdout.strip()
    if text.startswith("{"):
        try:
            url = json.loads(text).get("url")
            return str(url) if url else None
        except (ValueError, AttributeError):
            pass
    urls = re.findall(r"https?://\S+", text)
    return urls[-1] if urls else None


def _utc(iso: str) -> str:
    from datetime import datetime
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).isoformat(timespec="microseconds")
    except ValueError:
        return iso
