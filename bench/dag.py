"""The DAG: how long ``snakemake -n`` takes, where the time goes, and per-rule peak memory.

- ``dry_run``: wall time of ``.venv/bin/snakemake -n`` in the checkout on the paper's config.yaml
  (plus the jobs it plans); it sees whatever ``results/`` holds there at the time.
- ``profile_dry_run``: the same under cProfile, attributed to Snakemake's phases and to the
  project's own code (Snakefile, workflow/rules/*.smk, src/specmlm).
- ``rerun``: ``snakemake -n --profile profiles/demo`` in a copy of the repository under
  bench/out (results/ hard-linked, so mtimes are the originals', and .snakemake/metadata
  copied, so params triggers see the recorded values), for a target and for the whole demo.
- ``stage_memory``: Snakemake ``benchmark:`` files under results/benchmarks, per rule.
"""

from __future__ import annotations

import csv
import pstats
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from common import OUT, ROOT, median

SNAKEMAKE = ROOT / ".venv" / "bin" / "snakemake"
COPY = OUT / "dag-copy"
COPIED = ("Snakefile", "config.yaml", "demo", "profiles", "workflow", "tests/configs")


def _snakemake(args: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([str(SNAKEMAKE), *args], cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"snakemake {' '.join(args)} failed in {cwd}:\n{proc.stderr[-3000:]}")
    return wall, proc.stdout + proc.stderr


def _jobs(output: str) -> int:
    if "Nothing to be done" in output:
        return 0
    found = re.search(r"^total\s+(\d+)\s*$", output, re.M)
    return int(found.group(1)) if found else -1


def dry_run(repeats: int) -> dict[str, Any]:
    runs = [_snakemake(["-n"], ROOT) for _ in range(repeats)]
    walls = [wall for wall, _ in runs]
    return {"wall_s": median(walls), "walls_s": walls, "jobs": _jobs(runs[-1][1]), "cwd": str(ROOT)}


PHASES = {
    "imports (outermost)": r"<frozen importlib._bootstrap>:\d+\(_find_and_load\)",
    "parse Snakefile + rules (include)": r"snakemake/workflow\.py:\d+\(include\)",
    "  of which config validation (specmlm.config.validate)": r"specmlm/config\.py:\d+\(validate\)",
    "  of which Study grid (specmlm.config.Study)": r"specmlm/config\.py:\d+\(__init__\)",
    "build DAG (workflow._build_dag)": r"snakemake/workflow\.py:\d+\(_build_dag\)",
    "  of which input functions (rules.apply_input_function)": r"snakemake/rules\.py:\d+\(apply_input_function\)",
    "  of which job objects (jobs.Job.__init__)": r"snakemake/jobs\.py:\d+\(__init__\)",
    "  of which needrun / provenance (dag.update_needrun)": r"snakemake/dag\.py:\d+\(update_needrun\)",
    "schedule + print jobs (dry-run executor)": r"snakemake/scheduling/job_scheduler\.py:\d+\(schedule\)",
    "  of which job info text (jobs.log_info)": r"snakemake/jobs\.py:\d+\(log_info\)",
    "  of which script source hashing (script.get_source)": r"snakemake/script/__init__\.py:\d+\(get_source\)",
}
"""Cumulative time of one function per phase (outermost calls only, as cProfile counts them)."""


def _label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    return f"{path}:{line}({name})"


def profile_dry_run() -> dict[str, Any]:
    """``snakemake -n`` under cProfile: phases, project-code self time, the top project functions."""
    prof = OUT / "dry-run.prof"
    start = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "cProfile", "-o", str(prof), str(SNAKEMAKE), "-n"],
                   cwd=ROOT, capture_output=True, check=True)
    wall = time.perf_counter() - start
    stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    total = max(cum for (_, _, _, cum, _) in stats.values())
    phases = {}
    for phase, pattern in PHASES.items():
        matching = [cum for func, (_, _, _, cum, _) in stats.items() if re.search(pattern, _label(func))]
        phases[phase] = round(max(matching), 3) if matching else None
    ours = [(func, tt, cum) for func, (_, _, tt, cum, _) in stats.items() if _project(func[0])]
    top = sorted(ours, key=lambda row: -row[2])[:10]
    snakefile = [cum for func, (_, _, _, cum, _) in stats.items() if func[0] == str(ROOT / "Snakefile")]
    called = 0.0  # project functions entered from Snakemake (input functions, params); they do not nest
    for func, (_, _, _, _, callers) in stats.items():
        if _project(func[0]) and func[2] != "<module>":
            called += sum(edge[3] for caller, edge in callers.items() if not _project(caller[0]))
    entered = {"Snakefile module code (every rules file, config validation, specmlm imports)":
               max(snakefile, default=0.0), "functions called by Snakemake (input functions, params)": called}
    return {"profiled_wall_s": round(wall, 2), "profiled_total_s": round(total, 3), "phases_s": phases,
            "project_self_s": round(sum(tt for _, tt, _ in ours), 3),
            "project_entered_from_snakemake_s": {k: round(v, 3) for k, v in entered.items()},
            "project_top_cumulative": [{"function": _short(_label(func)), "cumulative_s": round(cum, 3)}
                                       for func, _, cum in top],
            "profile": str(prof)}


def _project(path: str) -> bool:
    return path.startswith(str(ROOT)) and "/.venv/" not in path


def _short(label: str) -> str:
    return label.replace(str(ROOT) + "/", "")


def _fresh_copy() -> Path:
    """The repository's workflow files, results/ hard-linked, .snakemake/metadata copied."""
    shutil.rmtree(COPY, ignore_errors=True)
    COPY.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, COPY / name, symlinks=True)
        elif source.exists():
            shutil.copy2(source, COPY / name)
    if (ROOT / "results").is_dir():
        subprocess.run(["cp", "-al", str(ROOT / "results"), str(COPY / "results")], check=True)
    if (ROOT / ".snakemake" / "metadata").is_dir():
        shutil.copytree(ROOT / ".snakemake" / "metadata", COPY / ".snakemake" / "metadata")
    return COPY


RERUN_CASES = {
    "no-op: demo target results/tables/tokenization.csv, --rerun-triggers mtime":
        ["-n", "--profile", "profiles/demo", "results/tables/tokenization.csv", "--rerun-triggers", "mtime"],
    "demo target results/tables/tokenization.csv, default triggers":
        ["-n", "--profile", "profiles/demo", "results/tables/tokenization.csv"],
    "demo, whole study (rule all), default triggers": ["-n", "--profile", "profiles/demo"],
}
"""Targets come before ``--rerun-triggers``/``--configfile``, which take every argument after them."""


def rerun(repeats: int) -> dict[str, Any]:
    """``-n`` on the demo with what the checkout's results/ holds: a finished target, and the whole demo."""
    copy = _fresh_copy()
    complete = (ROOT / "results" / "README.md").exists() and (ROOT / "results" / "tables" / "ner.csv").exists()
    measured = {}
    for name, args in RERUN_CASES.items():
        runs = [_snakemake(args, copy) for _ in range(repeats)]
        measured[name] = {"wall_s": median([wall for wall, _ in runs]), "walls_s": [wall for wall, _ in runs],
                          "jobs_planned": _jobs(runs[-1][1]), "command": "snakemake " + " ".join(args)}
    return {"demo_complete": complete, "cases": measured, "copy": str(copy)}


def stage_memory() -> dict[str, Any]:
    """Per rule: jobs, max and median of max_rss (MB) and of s, from results/benchmarks/**/*.tsv."""
    rows: dict[str, list[dict[str, float]]] = {}
    base = ROOT / "results" / "benchmarks"
    for path in sorted(base.rglob("*.tsv")) if base.is_dir() else []:
        rule = path.relative_to(base).parts[0].removesuffix(".tsv")  # results/benchmarks/{rule}/... or {rule}.tsv
        with path.open() as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                rows.setdefault(rule, []).append({"s": float(row["s"]), "max_rss": float(row["max_rss"])})
    summary = {}
    for rule, jobs in sorted(rows.items()):
        rss = [job["max_rss"] for job in jobs]
        secs = [job["s"] for job in jobs]
        summary[rule] = {"jobs": len(jobs), "max_rss_mb_max": max(rss), "max_rss_mb_median": median(rss),
                         "s_max": max(secs), "s_median": median(secs), "s_sum": round(sum(secs), 1)}
    return {"rules": summary, "source": str(base)}
