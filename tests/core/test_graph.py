import pytest

from cadence.core.graph import CycleError, find_cycle, topo_order


def test_topological_order_respects_dependencies_and_breaks_ties_by_order_then_name():
    deps = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": []}
    order = {"a": 10, "b": 30, "c": 20, "d": 40, "e": 10}
    assert topo_order(deps, order) == ["a", "e", "c", "b", "d"]


def test_unknown_dependencies_are_ignored_by_the_sort():
    assert topo_order({"a": ["ghost"], "b": ["a"]}, {"a": 1, "b": 2}) == ["a", "b"]


def test_cycle_is_named():
    with pytest.raises(CycleError) as exc:
        topo_order({"a": ["c"], "b": ["a"], "c": ["b"], "d": []}, {})
    cyc = exc.value.cycle
    assert cyc[0] == cyc[-1] and set(cyc) == {"a", "b", "c"}
    assert "->" in str(exc.value)


def test_self_cycle():
    assert find_cycle({"x": ["x"]}) == ["x", "x"]


def test_large_chain_is_linear_and_deterministic():
    n = 5000
    deps = {f"s{i:05d}": ([f"s{i - 1:05d}"] if i else []) for i in range(n)}
    assert topo_order(deps, {}) == sorted(deps)
