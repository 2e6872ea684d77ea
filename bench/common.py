"""What every benchmark shares: paths, the inputs both sides read, tiny models, the machine.

Every input is built once under ``bench/out`` and read by both sides of a comparison, so "ours"
and the baseline see the same sentences, the same vocabulary and the same initial weights.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
DATA = ROOT / "demo" / "data"
MALTESE_UD = DATA / "ud" / "UD_Maltese-MUDT"
WIKIANN_EN = DATA / "ner" / "en" / "wikiann-rahimi"
MALTESE_TEXT = DATA / "text" / "mt" / "parsing-mbert_mt_valid.txt"
MBERT_VOCAB = DATA / "vocab" / "bert-base-multilingual-cased-vocab.txt"
PYDEPS = OUT / "pydeps"
"""Packages only the baselines need (accelerate, for ``Trainer``), kept out of the shared .venv."""

ACCELERATE = "accelerate==1.15.0"
PYTHON = ROOT / ".venv" / "bin" / "python"


def env() -> dict[str, str]:
    """Environment of a worker: offline, the bench's private packages importable, one torch pool."""
    path = os.pathsep.join(p for p in (str(PYDEPS), str(BENCH), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false", "TQDM_DISABLE": "1"}


def ensure_accelerate() -> None:
    """``Trainer`` needs accelerate, which the project does not pin: install it privately once."""
    probe = subprocess.run([str(PYTHON), "-c", "import accelerate"], env=env(), capture_output=True)
    if probe.returncode:
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(PYDEPS),
                        ACCELERATE], check=True)


@dataclass(frozen=True)
class Child:
    """A finished worker: its JSON answer, its own peak RSS and CPU time (``wait4``), its wall time."""

    result: dict[str, Any]
    peak_rss_mb: float
    cpu_s: float
    wall_s: float


def run_child(args: list[str], timeout: float) -> Child:
    """Run ``python bench/<script> args`` alone in a process; the last stdout line is its JSON.

    ``os.wait4`` gives this child's own rusage, so each side's peak RSS is its own, not the
    maximum over every child so far (what ``RUSAGE_CHILDREN`` would report).
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen([str(PYTHON), *args], env=env(), cwd=ROOT, stdout=stdout, stderr=stderr, text=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise RuntimeError(f"{args} ran past {timeout:.0f} s")
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if proc.returncode:
        raise RuntimeError(f"{args} failed ({proc.returncode}):\n{err[-4000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return Child(json.loads(lines[-1]), usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, wall)


def emit(result: dict[str, Any]) -> None:
    """A worker's answer: one JSON line on stdout."""
    print(json.dumps(result), flush=True)


def machine() -> dict[str, Any]:
    """CPU model, cores, memory and library versions, for the results header."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
    versions = subprocess.run(
        [str(PYTHON), "-c", "import torch, transformers, snakemake; "
         "print(torch.__version__, transformers.__version__, snakemake.__version__, torch.cuda.is_available())"],
        env=env(), capture_output=True, text=True, check=True).stdout.split()
    return {
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "python": sys.version.split()[0],
        "torch": versions[0],
        "transformers": versions[1],
        "snakemake": versions[2],
        "cuda": versions[3] == "True",
    }


def load() -> tuple[float, float, float]:
    return os.getloadavg()


def wait_for_quiet(threshold: float, budget_s: float, step_s: float = 20.0) -> dict[str, Any]:
    """Sleep in bounded steps while the 1-minute load is above ``threshold`` (other people's jobs)."""
    start = time.monotonic()
    while load()[0] > threshold and time.monotonic() - start < budget_s:
        print(f"  load {load()[0]:.2f} > {threshold}: waiting ({time.monotonic() - start:.0f}/{budget_s:.0f} s)",
              flush=True)
        time.sleep(step_s)
    return {"waited_s": round(time.monotonic() - start, 1), "load_at_start": load()}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
