"""Scale: status / next / run on synthetic pipelines of 100, 1,000 and 10,000 steps, and knowledge bases of
1,000 and 10,000 entries (run reads only the entries it injects, so its cost must not follow the base's size).

    python benchmarks/bench_scale.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from _common import bench_env, cadence_bin, median_ms, table

PHASES = ("vision", "pre", "foundation", "environment", "integration", "modeling", "decisions", "architecture",
          "specification", "quality", "parity", "consolidation", "planning", "validation", "finalization")
BODY = "\n\n".join([
    "## Purpose\n\nProduce the artifact.", "## Inputs\n\nEarlier outputs.", "## Expected Outputs\n\nOne file.",
    "## Quality Criteria\n\n- (mvp) It exists.\n- (deep) It is reviewed.",
    "## Methodology Scaling\n\n- **mvp**: short.\n- **deep**: long.\n" + "\n".join(f"- Depth {d}: d{d}."
                                                                               for d in range(1, 6)),
    "## Mode Detection\n\nCheck the file.", "## Update Mode Specifics\n\n- **Detect**: x\n- **Preserve**: y\n"
    "- **Triggers**: z\n- **Conflict resolution**: w"])


def make_library(steps: int, entries: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="cadence-synthetic-"))
    names = []
    for i in range(steps):
        phase_i = min(i * len(PHASES) // steps, len(PHASES) - 1)
        phase = PHASES[phase_i]
        name = f"step-{i:05d}"
        deps = f"[step-{i - 1:05d}]" if i else "[]"
        kb = f"[entry-{i % entries:05d}, entry-{(i * 7) % entries:05d}]"
        d = root / "pipeline" / phase
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.md").write_text(f"---\nname: {name}\ndescription: Step {i}.\nphase: {phase}\n"
                                      f"order: {phase_i * 100 + i % 100}\ndependencies: {deps}\n"
                                      f"outputs: [out/{name}.md]\nknowledge-base: {kb}\n---\n{BODY}\n")
        names.append(name)
    kdir = root / "knowledge" / "core"
    kdir.mkdir(parents=True)
    text = "\n".join(f"Guidance line {j}." for j in range(100))
    for j in range(entries):
        (kdir / f"entry-{j:05d}.md").write_text(f"---\nname: entry-{j:05d}\ndescription: Entry {j}.\ntopics: [t]\n"
                                                f"---\n# E\n\n## Summary\n\nShort.\n\n## Deep Guidance\n\n{text}\n")
    (root / "methodology").mkdir()
    listed = "\n".join(f"  {n}: {{enabled: true}}" for n in names)
    for m, depth in (("deep", 5), ("mvp", 1), ("custom", 3)):
        (root / "methodology" / f"{m}.yml").write_text(f"name: {m}\ntitle: {m}\ndescription: synthetic\n"
                                                       f"default-depth: {depth}\nsteps:\n{listed}\n")
    return root


def main() -> None:
    rows = []
    for steps, entries in ((100, 1_000), (1_000, 1_000), (10_000, 1_000), (100, 10_000)):
        lib = make_library(steps, entries)
        env = bench_env(CADENCE_CONTENT_DIR=str(lib))
        proj = Path(tempfile.mkdtemp(prefix="cadence-scale-"))
        subprocess.run(["git", "init", "-q", str(proj)], check=True)
        subprocess.run([*cadence_bin(), "--root", str(proj), "init", "--no-input"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        row = [f"{steps:,}", f"{entries:,}"]
        for args in (["status"], ["next"], ["run", "step-00000", "--preview"]):
            row.append(f"{median_ms([*cadence_bin(), '--root', str(proj), *args], env, runs=7):.0f}")
        rows.append(row)
    print(table(["steps", "knowledge entries", "status ms", "next ms", "run ms"], rows))


if __name__ == "__main__":
    main()
