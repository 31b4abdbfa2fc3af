"""Traceability computed from the artifacts: requirement → stories → acceptance criteria → tasks → tests →
the latest recorded test run. Pure: callers pass document texts, test file texts and loop evidence.

Where an ID is *defined* depends on its kind and document: requirements in the PRD, stories and their
criteria in the stories document, tasks in the implementation-tasks document (and cadence plans). Every
other occurrence is a reference. A defined entity owns the blocks under it (a heading's section, a list
item's nested items, a table row's cells); the references in those blocks are its links.
"""

from __future__ import annotations

import re
from typing import Any

from cadence.core.mdblocks import Block, parse
from cadence.core.testrefs import Test, extract_tests
from cadence.core.traceids import DEFAULT_PATTERNS, KINDS, Ids

DEFAULT_DOCUMENTS = {"requirements": "docs/plan.md", "stories": "docs/user-stories.md",
                     "tasks": "docs/implementation-plan.md"}
DEFAULT_STORY_OPTIONAL = ["NFR"]  # requirement prefixes that need no user story (quality targets)
DEFAULTS: dict[str, Any] = {"patterns": DEFAULT_PATTERNS, "documents": DEFAULT_DOCUMENTS, "tests": ["."],
                            "story-optional": DEFAULT_STORY_OPTIONAL}
HOME = {"requirements": ("requirement",), "stories": ("story", "criterion"), "tasks": ("task",)}
RESULTS = ("passed", "failed", "not_in_evidence", "no_evidence")
STEPS = ("traceability-matrix", "cross-phase-consistency", "scope-creep-check")  # get the matrix; gate `complete`


# ------------------------------------------------------------------ documents

class Entity:
    """A defined ID: its kind, title and place, the story a criterion sits under, and the IDs its blocks name.
    (A plain class, not a dataclass: there are tens of thousands, and importing dataclasses costs start-up.)"""

    __slots__ = ("kind", "id", "title", "file", "line", "parent", "refs")

    def __init__(self, kind: str, ident: str, title: str, file: str, line: int, parent: str | None = None,
                 refs: list[tuple[str, str]] | None = None) -> None:
        self.kind, self.id, self.title, self.file, self.line = kind, ident, title, file, line
        self.parent = parent
        self.refs: list[tuple[str, str]] = [] if refs is None else refs

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def _title(text: str, ident: str) -> str:
    rest = text.split(ident, 1)[1] if ident in text else text
    return rest.strip(" \t*_`[]():.-—–|").strip()[:160]


def _closes(opener: Block, kind: str, level: int) -> bool:
    """Whether a block of `kind` and `level` ends the entity `opener` opened: a row ends at the next block,
    a heading ends list items and the headings of its level or deeper, an item the items indented as
    much or more."""
    if opener.kind == "row":
        return True
    if kind == "heading":
        return opener.kind == "item" or level <= opener.level
    return opener.kind == "item" and kind == "item" and level <= opener.level


def document_entities(text: str, file: str, home: tuple[str, ...], ids: Ids
                      ) -> tuple[list[Entity], list[tuple[str, str, int]]]:
    """(entities defined here, loose references outside any entity as (kind, id, line)).
    Only kinds in `home` are defined by this document; others are references."""
    entities: list[Entity] = []
    loose: list[tuple[str, str, int]] = []
    stack: list[tuple[Block, Entity]] = []  # open entities, innermost last
    scan = ids.scan
    for b in parse(text):
        kind_b, text_b, line_b, level_b, header_b, cells_b = b
        while stack and _closes(stack[-1][0], kind_b, level_b):
            stack.pop()
        found, lead = scan(text_b)
        if not found:
            continue  # no ID: defines and references nothing
        if header_b:
            lead = None
        defines = lead is not None and lead[0] in home
        if stack and (covered := [f for f in found if f[0] == "requirement"]):
            for _, outer in stack if defines else stack[:-1]:
                if outer.kind == "story":  # a story's requirement lines and criteria sit under it: it covers theirs
                    outer.refs.extend(covered)
        if defines:
            kind, ident = found[0]  # (the lead is the first token)
            parent = next((e.id for _, e in reversed(stack) if e.kind == "story"), None) \
                if kind == "criterion" else None
            title = " · ".join(c for c in cells_b[1:3] if c) if kind_b == "row" else _title(text_b, ident)
            ent = Entity(kind, ident, title[:160], file, line_b, parent, found[1:])
            entities.append(ent)
            stack.append((b, ent))
        elif stack:
            stack[-1][1].refs.extend(found)
        else:
            loose.extend((k, i, line_b) for k, i in found)
    return entities, loose


# ------------------------------------------------------------------ evidence

_FAIL = re.compile(r"\b(?:FAILED|FAIL|ERROR|failed)\b|[✗×✕✘]")
_PASS = re.compile(r"\b(?:PASSED|PASS|ok|passed)\b|[✓✔√]")
_WORD = re.compile(r"\w+")


def latest_test_run(loop: dict[str, Any] | None) -> dict[str, Any] | None:
    """The most recent `test` evidence entry across the loop's tasks, or None."""
    best: dict[str, Any] | None = None
    for task in (loop or {}).get("tasks") or []:
        for e in task.get("evidence") or []:
            if not isinstance(e, dict) or e.get("kind") != "test":
                continue
            if best is None or str(e.get("at")) >= str(best.get("at")):
                best = e
    return best


class Evidence:
    """Looks tests up in the recorded output of the latest test run (only its tail is recorded)."""

    def __init__(self, run: dict[str, Any] | None) -> None:
        self.run = run
        self.tail = str((run or {}).get("tail") or "")
        self.lines = self.tail.split("\n")
        self.words = set(_WORD.findall(self.tail))  # every maximal run of word characters

    def summary(self) -> dict[str, Any] | None:
        if self.run is None:
            return None
        counts = self.run.get("counts") or {}
        green = self.run.get("exit_code") == 0 and not counts.get("failed")
        return {"at": self.run.get("at"), "command": self.run.get("command"), "exit_code": self.run.get("exit_code"),
                "counts": self.run.get("counts"), "green": green}

    def result(self, test: Test) -> str:
        if self.run is None:
            return "no_evidence"
        # a short name of word characters is named only as a whole run of them (a set look-up, not a scan)
        if (test.short not in self.words) if _WORD.fullmatch(test.short) else (test.short not in self.tail):
            return "not_in_evidence"
        word = re.compile(rf"(?<![\w/.]){re.escape(test.short)}(?![\w.])")  # not inside a file name
        seen = None
        for line in self.lines:
            if test.short in line and word.search(line):
                if _FAIL.search(line):
                    return "failed"
                if _PASS.search(line):
                    seen = "passed"
        return seen or "not_in_evidence"


# ------------------------------------------------------------------ the matrix

def _uniq(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


class _Chains:
    """What an ID reaches through the defined entities. A class, not closures inside compute: recursive
    closures form reference cycles that keep every entity alive until a full collection (at exit)."""

    def __init__(self, defined: dict[str, Entity]) -> None:
        self.defined = defined
        self.memo: dict[tuple[str, str], list[str]] = {}

    def requirements_of(self, kind: str, ident: str, depth: int = 0) -> list[str]:
        """The requirements an ID reaches: itself, a story's, a criterion's story's, a task's links."""
        key = (kind, ident)
        if key not in self.memo:
            self.memo[key] = self._requirements_of(kind, ident, depth)
        return self.memo[key]

    def _requirements_of(self, kind: str, ident: str, depth: int) -> list[str]:
        defined = self.defined
        if kind == "requirement":
            return [ident] if ident in defined else []
        ent = defined.get(ident)
        if ent is None or depth > 3:
            return []
        if kind == "criterion":
            own = [i for k, i in ent.refs if k == "requirement" and i in defined]
            return _uniq(own + (self.requirements_of("story", ent.parent, depth + 1) if ent.parent else []))
        out: list[str] = []
        for k, i in ent.refs:
            if k != kind and k != "task":
                out += self.requirements_of(k, i, depth + 1)
        return _uniq(out)

    def stories_of_ref(self, kind: str, ident: str) -> list[str]:
        defined = self.defined
        if kind == "story":
            return [ident] if ident in defined else []
        if kind == "criterion" and ident in defined and defined[ident].parent:
            return [str(defined[ident].parent)]
        if kind == "task" and ident in defined:
            return _uniq([s for k, i in defined[ident].refs for s in self.stories_of_ref(k, i) if k != "task"])
        return []


def compute(docs: dict[str, tuple[str, str] | None], plans: list[tuple[str, dict[str, Any]]],
            test_files: list[tuple[str, str]], loop: dict[str, Any] | None,
            patterns: dict[str, str] | None = None, story_optional: list[str] | None = None) -> dict[str, Any]:
    """The matrix. `docs` maps requirements / stories / tasks to (path, text) or None (missing);
    `plans` are (file, parsed plan) pairs; `test_files` are (path, text) of candidate test files.
    Requirements whose prefix is in `story_optional` (NFR by default) need no user story."""
    ids = Ids(patterns or DEFAULT_PATTERNS)
    optional = set(DEFAULT_STORY_OPTIONAL if story_optional is None else story_optional)
    defined: dict[str, Entity] = {}
    duplicates: list[tuple[Entity, Entity]] = []
    loose: list[tuple[str, str, str]] = []  # (kind, id, where)
    for role in ("requirements", "stories", "tasks"):
        doc = docs.get(role)
        if doc is None:
            continue
        ents, free = document_entities(doc[1], doc[0], HOME[role], ids)
        for e in ents:
            if e.id in defined:
                duplicates.append((defined[e.id], e))
            else:
                defined[e.id] = e
        loose += [(k, i, f"{doc[0]}:{line}") for k, i, line in free]
    plan_tasks: list[Entity] = []
    for file, parsed in plans:
        shared = ids.find(parsed.get("title") or "") + ids.find((parsed.get("sections") or {}).get("Summary") or "")
        for n, t in enumerate(parsed.get("tasks") or [], 1):
            text = " ".join([t.get("description") or "", *(t.get("acceptance") or [])])
            plan_tasks.append(Entity("task", f"{file}#{n}", str(t.get("description") or "")[:160], file, n,
                                     refs=ids.find(text) + shared))
    doc_files = {doc[0] for doc in docs.values() if doc}
    tests: list[Test] = []
    for path, text in test_files:
        tests += extract_tests(path, text, ids)
    evidence = Evidence(latest_test_run(loop))

    by_kind: dict[str, list[Entity]] = {k: [e for e in defined.values() if e.kind == k] for k in KINDS}
    criteria_of: dict[str, list[str]] = {}
    for c in by_kind["criterion"]:
        if c.parent:
            criteria_of.setdefault(c.parent, []).append(c.id)

    chains = _Chains(defined)
    requirements_of, stories_of_ref = chains.requirements_of, chains.stories_of_ref

    req_rows: dict[str, dict[str, Any]] = {
        r.id: {"id": r.id, "kind": r.id.split("-", 1)[0], "title": r.title, "where": r.where, "stories": [],
               "story_needed": r.id.split("-", 1)[0] not in optional, "criteria": [], "tasks": [], "tests": [],
               "status": ""} for r in by_kind["requirement"]}
    story_rows: dict[str, dict[str, Any]] = {}
    for story in by_kind["story"]:
        reqs = requirements_of("story", story.id)
        story_rows[story.id] = {"id": story.id, "title": story.title, "where": story.where, "requirements": reqs,
                                "criteria": criteria_of.get(story.id, []), "tasks": [], "tests": []}
        for r in reqs:
            req_rows[r]["stories"].append(story.id)
            req_rows[r]["criteria"] += criteria_of.get(story.id, [])
    task_rows: list[dict[str, Any]] = []
    for task in [*by_kind["task"], *plan_tasks]:
        # a plan task realises the document tasks it names; a document task's task references are dependencies
        plan = task.file not in doc_files
        links = [(k, i) for k, i in task.refs if plan or k != "task"]
        reqs = _uniq([r for k, i in links for r in requirements_of(k, i)])
        stories = _uniq([x for k, i in links for x in stories_of_ref(k, i)])
        task_rows.append({"id": task.id, "title": task.title, "where": task.where,
                          "source": "plan" if plan else "document", "stories": stories, "requirements": reqs})
        for r in reqs:
            req_rows[r]["tasks"].append(task.id)
        for x in stories:
            story_rows[x]["tasks"].append(task.id)
    reached: dict[tuple[str, str], tuple[list[str], list[str]]] = {}  # (kind, id) → (its requirements, stories)
    test_rows: list[dict[str, Any]] = []
    for test in tests:
        kinds = {i: k for k, i in test.verifies}  # each ID once, in order, with the kind it was last read as
        verifies = list(kinds)
        reqs = []
        stories = []
        for i, k in kinds.items():
            got = reached.get((k, i))
            if got is None:
                got = reached[(k, i)] = (requirements_of(k, i), stories_of_ref(k, i))
            reqs += got[0]
            stories += got[1]
        if len(kinds) > 1:
            reqs, stories = _uniq(reqs), _uniq(stories)
        result = evidence.result(test)
        test_rows.append({"name": test.name, "file": test.file, "line": test.line, "framework": test.framework,
                          "verifies": verifies, "requirements": reqs, "result": result})
        ref = {"name": test.name, "result": result}
        for r in reqs:
            req_rows[r]["tests"].append(ref)
        for x in stories:
            story_rows[x]["tests"].append(test.name)

    for row in req_rows.values():
        row["criteria"] = _uniq(row["criteria"])
        results = {x["result"] for x in row["tests"]}
        row["status"] = ("uncovered" if not row["stories"] and not row["tasks"] and not row["tests"]
                         else "untested" if not row["tests"]
                         else "verified" if "passed" in results
                         else "red" if "failed" in results else "tested")

    gaps: list[dict[str, Any]] = []

    def gap(kind: str, ident: str, where: str, message: str) -> None:
        gaps.append({"kind": kind, "id": ident, "where": where, "message": message})

    for row in req_rows.values():
        if not row["stories"] and row["story_needed"]:
            gap("requirement_without_story", row["id"], row["where"], f"{row['id']} has no user story")
        if not row["tasks"]:
            gap("requirement_without_task", row["id"], row["where"], f"{row['id']} has no implementation task")
        if not row["tests"]:
            gap("requirement_without_test", row["id"], row["where"], f"{row['id']} has no test that names it, "
                "its stories or their criteria")
        elif row["status"] == "red":
            gap("requirement_only_red", row["id"], row["where"],
                f"{row['id']}'s tests failed in the latest recorded run and none passed")
    for srow in story_rows.values():
        sid, where = srow["id"], srow["where"]
        if not srow["requirements"]:
            gap("story_without_requirement", sid, where, f"{sid} names no defined requirement")
        if not srow["criteria"]:
            gap("story_without_criteria", sid, where, f"{sid} has no acceptance criterion with an ID")
        if not srow["tests"]:
            gap("story_without_tests", sid, where, f"{sid} has no test that names it or its criteria")
    for c in by_kind["criterion"]:
        if not c.parent:
            gap("criterion_without_story", c.id, c.where, f"{c.id} is not under a story")
    for trow in task_rows:
        if not trow["stories"] and not trow["requirements"]:
            gap("task_without_trace", trow["id"], trow["where"],
                f"task {trow['id']} names no defined story or requirement")
    for xrow in test_rows:
        if not xrow["requirements"]:
            named = ", ".join(xrow["verifies"])
            gap("test_without_trace", xrow["name"], f"{xrow['file']}:{xrow['line']}",
                f"names {named}, which reaches no requirement" if named else "names no requirement, story, "
                "criterion or task")
    for first, again in duplicates:
        gap("duplicate_id", again.id, again.where, f"{again.id} is defined again (first at {first.where})")
    referenced: dict[str, str] = {}
    for e in [*defined.values(), *plan_tasks]:
        for _, i in e.refs:
            referenced.setdefault(i, e.where)
    for _, i, where in loose:
        referenced.setdefault(i, where)
    for test in tests:
        for _, i in test.verifies:
            if i not in referenced:
                referenced[i] = f"{test.file}:{test.line}"
    for i, where in referenced.items():
        if i not in defined:
            gap("undefined_id", i, where, f"{i} is referenced but never defined")

    rows = list(req_rows.values())
    n = len(rows)

    def share(cond: Any) -> dict[str, Any]:
        k = sum(1 for r in rows if cond(r))
        return {"count": k, "percent": round(100 * k / n, 1) if n else 0.0}

    result_counts = dict.fromkeys(RESULTS, 0)
    for t in test_rows:
        result_counts[t["result"]] += 1
    gap_counts: dict[str, int] = {}
    for g in gaps:
        gap_counts[g["kind"]] = gap_counts.get(g["kind"], 0) + 1
    totals = {"requirements": n, "stories": len(story_rows), "criteria": len(by_kind["criterion"]),
              "tasks": len(task_rows), "tests": len(test_rows),
              "with_story": share(lambda r: r["stories"]), "with_task": share(lambda r: r["tasks"]),
              "with_test": share(lambda r: r["tests"]), "verified": share(lambda r: r["status"] == "verified"),
              "tests_tracing": sum(1 for t in test_rows if t["requirements"]), "results": result_counts,
              "gaps": gap_counts}
    return {"documents": {role: (doc[0] if doc else None) for role, doc in docs.items()},
            "plans": [f for f, _ in plans], "patterns": dict(patterns or DEFAULT_PATTERNS),
            "evidence": evidence.summary(), "requirements": rows, "stories": list(story_rows.values()),
            "tasks": task_rows, "tests": test_rows, "totals": totals, "gaps": gaps}


def uncovered(matrix: dict[str, Any]) -> list[str]:
    """Requirements whose chain is incomplete: no story (when one is needed), no task or no test."""
    return [r["id"] for r in matrix["requirements"]
            if not ((r["stories"] or not r["story_needed"]) and r["tasks"] and r["tests"])]


def covered_by(matrix: dict[str, Any], files: set[str]) -> list[dict[str, Any]]:
    """The requirements that tests in `files` trace to, with those tests."""
    out: dict[str, dict[str, Any]] = {}
    titles = {r["id"]: r["title"] for r in matrix["requirements"]}
    for t in matrix["tests"]:
        if t["file"] in files:
            for r in t["requirements"]:
                out.setdefault(r, {"id": r, "title": titles.get(r, ""), "tests": []})["tests"].append(t["name"])
    return [out[k] for k in sorted(out)]


def markdown(matrix: dict[str, Any], limit: int = 0) -> str:
    """The matrix as markdown: for a prompt's Project Context and for people. `limit` caps the rows and
    gaps shown (0: all)."""
    t = matrix["totals"]
    ev = matrix["evidence"]
    lines = ["# Traceability (computed by `cadence trace`)", "",
             f"{t['requirements']} requirements · {t['stories']} stories · {t['criteria']} criteria · "
             f"{t['tasks']} tasks · {t['tests']} tests. With a story {t['with_story']['percent']}%, "
             f"a task {t['with_task']['percent']}%, a test {t['with_test']['percent']}%, "
             f"verified green {t['verified']['percent']}%.",
             "Latest test run: " + ("none recorded" if ev is None else
                                    f"{ev['at']} `{ev['command']}` exit {ev['exit_code']}"
                                    f" ({'green' if ev['green'] else 'red'})"),
             "", "| Requirement | Stories | Criteria | Tasks | Tests | Status |", "|---|---|---|---|---|---|"]
    rows = matrix["requirements"][:limit] if limit else matrix["requirements"]

    def cell(items: list[str], total: int | None = None) -> str:
        """The first six of `total` items (all of `items` by default), then how many more."""
        n = len(items) if total is None else total
        return ", ".join(items[:6]) + (f" +{n - 6}" if n > 6 else "") if n else "—"

    for r in rows:
        tests = [f"{x['name'].rsplit('::', 1)[-1].rsplit(' > ', 1)[-1]} ({x['result']})" for x in r["tests"][:6]]
        lines.append(f"| {r['id']} | {cell(r['stories'])} | {cell(r['criteria'])} | {cell(r['tasks'])} | "
                     f"{cell(tests, len(r['tests']))} | {r['status']} |".replace("\n", " "))
    if limit and len(matrix["requirements"]) > limit:
        lines.append(f"\n… {len(matrix['requirements']) - limit} more requirements (`cadence trace --json`).")
    gaps = matrix["gaps"][:limit] if limit else matrix["gaps"]
    lines += ["", f"## Gaps ({len(matrix['gaps'])})", ""]
    lines += [f"- {g['kind']}: {g['id']} ({g['where']}): {g['message']}" for g in gaps] or ["None."]
    if limit and len(matrix["gaps"]) > limit:
        lines.append(f"- … {len(matrix['gaps']) - limit} more (`cadence trace --json`).")
    return "\n".join(lines) + "\n"
