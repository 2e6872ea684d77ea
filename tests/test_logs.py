"""A job's logging: the log file is complete and the exit status 0 when a job ends through exit_now."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

JOB = """
import sys
from specmlm.logs import exit_now, stage_log
with stage_log(sys.argv[1]) as log:
    log.info("written")
print("stdout line", end="")
exit_now()
print("never")
"""


def test_exit_now_keeps_the_log_and_output_and_exits_zero(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "job.log"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run([sys.executable, "-c", JOB, str(log)], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0
    assert done.stdout == "stdout line"
    assert log.read_text(encoding="utf-8").endswith("INFO specmlm: written\n")
