"""Dependency graph: topological order with (order, name) ties, cycles named, eligibility."""

from __future__ import annotations

import heapq

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

DONE = frozenset({"completed", "skipped"})


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__("dependency cycle: " + " -> ".join(cycle))
        self.cycle = cycle


def topo_order(deps: Mapping[str, Sequence[str]], order: Mapping[str, int | None]) -> list[str]:
    """Kahn's algorithm with a global priority queue on (order, name); dependencies on unknown
    nodes are ignored here (validation reports them). Raises CycleError naming one cycle."""
    key = {n: (order.get(n) if order.get(n) is not None else 9999, n) for n in deps}
    indegree = {n: 0 for n in deps}
    dependents: dict[str, list[str]] = {n: [] for n in deps}
    for n, ds in deps.items():
        for d in dict.fromkeys(ds):
            if d in deps:
                indegree[n] += 1
                dependents[d].append(n)
    heap = [key[n] for n, k in indegree.items() if k == 0]
    heapq.heapify(heap)
    out: list[str] = []
    while heap:
        _, n = heapq.heappop(heap)
        out.append(n)
        for m in dependents[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                heapq.heappush(heap, key[m])
    if len(out) != len(deps):
        raise CycleError(find_cycle({n: [d for d in ds if d in deps] for n, ds in deps.items() if indegree[n] > 0}))
    return out


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str]:
    """One cycle among `deps` (iterative DFS), as [a, b, …, a]."""
    colour: dict[str, int] = {}
    for start in sorted(deps):
        if colour.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                colour[node] = 1
                path.append(node)
            nexts = [d for d in deps.get(node, ()) if d in deps]
            if i < len(nexts):
                stack.append((node, i + 1))
                nxt = nexts[i]
                if colour.get(nxt) == 1:
                    return path[path.index(nxt):] + [nxt]
                if not colour.get(nxt):
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                path.pop()
    return sorted(deps)[:1]


def unmet_dependencies(step: str, deps: Sequence[str], status: Mapping[str, str],
                       satisfied_anyway: frozenset[str] | set[str]) -> list[str]:
    """Dependencies of `step` that are neither completed/skipped nor disabled/not applicable."""
    return [d for d in deps if d not in satisfied_anyway and status.get(d, "pending") not in DONE]
