"""Run the workflow in a throw-away copy of the repository, as a user would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def copy_repo(dest: Path) -> Path:
    """Copy the tracked (and not ignored) files: what a fresh clone has, no results."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO, check=True, capture_output=True
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def snakemake(workdir: Path, *args: str, timeout: int = 900, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    result = subprocess.run([*SNAKEMAKE, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    return result


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """The job counts table that ``snakemake -n`` prints: rule -> count."""
    counts: dict[str, int] = {}
    in_table = False
    for line in dry_run_output.splitlines():
        if line.startswith("job") and "count" in line:
            in_table = True
            continue
        if in_table:
            match = re.match(r"^(\S+)\s+(\d+)$", line.strip())
            if match and match.group(1) != "total":
                counts[match.group(1)] = int(match.group(2))
            elif line.strip().startswith("total"):
                break
    return counts


def planned_outputs(dry_run_output: str) -> list[str]:
    return re.findall(r"^\s+output: (.+)$", dry_run_output, flags=re.M)


def planned_job_set(dry_run_output: str) -> set[tuple[str, str]]:
    """Every job ``snakemake -n`` plans, as (rule, wildcards): ``("fetch_ud", "lang=wo")``."""
    jobs = set()
    for block in re.split(r"^(?:local)?rule ", dry_run_output, flags=re.M)[1:]:
        name = block.split(":", 1)[0]
        wildcards = re.search(r"^\s+wildcards: (.+)$", block, flags=re.M)
        jobs.add((name, wildcards.group(1) if wildcards else ""))
    return jobs
