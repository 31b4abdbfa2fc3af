"""State I/O: write and read `.cadence/state.json` with 10,000 steps.

    python benchmarks/bench_state.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _common import table, timed  # noqa: E402

from cadence.project.state import load_state, new_state, save_state  # noqa: E402


def main() -> None:
    rows = []
    for size in (100, 1_000, 10_000):
        root = Path(tempfile.mkdtemp())
        (root / ".cadence").mkdir()
        state = new_state("deep", "greenfield", [f"step-{i:05d}" for i in range(size)])
        write = timed(lambda root=root, state=state: save_state(root, state))
        read = timed(lambda root=root: load_state(root))
        kb = (root / ".cadence/state.json").stat().st_size / 1024
        rows.append([f"{size:,}", f"{kb:,.0f}", f"{write:.2f}", f"{read:.2f}"])
    print(table(["steps", "state.json KB", "write ms (atomic, fsync, .bak)", "read ms"], rows))


if __name__ == "__main__":
    main()
