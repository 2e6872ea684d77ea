"""Where a study's fine-tuning jobs spend their time: start-up and imports, reading, building the
encoder, tokenizing, training, scoring and writing, summed over every job of a finished run and
compared with the training itself (the baseline: a job that did nothing but train).

    .venv/bin/python bench/job_overhead.py [WORKDIR]     # default: the current directory

It reads what a run leaves behind, nothing is re-run: each job's wall time from its Snakemake
benchmark file (``results/benchmarks/{finetune,transfer}/...tsv``: the whole job, interpreter start-up
included) and the phase lines ``run_finetune`` logs (``results/logs/{finetune,transfer}/...log``). Start-up
is the wall time before the first phase began: the interpreter, Snakemake's script preamble and
the imports.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+ \S+ (.*)$")
PHASES = (  # (phase, the log line that ends it)
    ("read", re.compile(r"^read \d+ / \d+ / \d+ train / dev / test sentences in ([\d.]+) s")),
    ("build encoder", re.compile(r"encoder from .* built in ([\d.]+) s")),
    ("tokenize", re.compile(r"^tokenized, ([\d.]+) s after the start")),
    ("train", re.compile(r"^trained, ([\d.]+) s after the start")),
    ("score and write", re.compile(r"^scored and written, ([\d.]+) s after the start")),
)


def job_phases(log: Path, wall: float) -> dict[str, float] | None:
    """Seconds per phase of one job, or None for a log without the phase lines (an older run)."""
    if not log.is_file():
        sys.exit(f"{log}: the log of the job benchmarked in its .tsv is missing")
    ends = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        match = STAMP.match(line)
        for phase, pattern in PHASES:
            found = pattern.search(match.group(2)) if match else None
            if found:
                ends[phase] = float(found.group(1))
    if len(ends) != len(PHASES):
        return None
    phases, previous = {"start-up and imports": wall - ends["score and write"]}, 0.0
    for phase, _ in PHASES:
        phases[phase] = ends[phase] - previous
        previous = ends[phase]
    return phases


def benchmark_seconds(path: Path) -> float:
    """The wall seconds of a Snakemake benchmark file: line 2, first column, under the header ``s``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        if lines[0].split("\t")[0] != "s":
            raise ValueError
        return float(lines[1].split("\t")[0])
    except (IndexError, ValueError):
        sys.exit(f"{path}:2: expected a Snakemake benchmark file (header 's', then the seconds), found {lines[:2]}")


def main(workdir: Path) -> None:
    totals: dict[str, float] = {}
    jobs = 0
    benchmarks = workdir / "results/benchmarks"
    for benchmark in sorted([*benchmarks.glob("finetune/**/*.tsv"), *benchmarks.glob("transfer/**/*.tsv")]):
        relative = benchmark.relative_to(benchmarks).with_suffix(".log")
        phases = job_phases(workdir / "results/logs" / relative, benchmark_seconds(benchmark))
        if phases is None:
            continue
        jobs += 1
        for phase, seconds in phases.items():
            totals[phase] = totals.get(phase, 0.0) + seconds
    if not jobs:
        sys.exit(f"no fine-tuning job with phase lines under {workdir / 'results'}")
    wall = sum(totals.values())
    print(f"{jobs} fine-tuning jobs, {wall:.0f} s of job wall time in all ({wall / jobs:.1f} s a job)")
    print(f"{'phase':<22}{'s in all':>10}{'s a job':>10}{'share':>8}")
    for phase, seconds in totals.items():
        print(f"{phase:<22}{seconds:>10.1f}{seconds / jobs:>10.2f}{seconds / wall:>8.1%}")
    other = wall - totals["train"]
    print(f"baseline (training alone): {totals['train']:.0f} s; everything else adds {other:.0f} s, "
          f"{other / totals['train']:.1%} of it ({other / jobs:.1f} s a job)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))
