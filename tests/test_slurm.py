"""The DAG on a real SLURM cluster, through profiles/slurm-test (docs/SLURM.md).

The tests marked ``slurm`` submit the demo's jobs with sbatch and read them back with sacct.
They need a running cluster (``tests/slurm/setup.sh``; ``.ci/slurm`` starts one, runs them and
stops it) and ``SPECMLM_SLURM=1``; without that they are skipped, so the default test run needs
no SLURM. The profile checks at the top need nothing and run everywhere.

Each cluster test runs in its own copy of the repository (the files git knows: tracked, and
untracked but not ignored), so results/ of the checkout is never touched, with ``timeout``
around every snakemake call.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
PROFILE = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text(encoding="utf-8"))
TEST_PROFILE = yaml.safe_load((REPO / "profiles/slurm-test/config.yaml").read_text(encoding="utf-8"))
RULE_FILES = sorted((REPO / "workflow/rules").glob("*.smk"))
DEMO_TARGET = "results/tables/tokenization.csv"

cluster = pytest.mark.skipif(os.environ.get("SPECMLM_SLURM") != "1",
                             reason="needs a running SLURM cluster and SPECMLM_SLURM=1 (see .ci/slurm)")


# --- The profiles, checked against the rules (no cluster needed) ---------------------------

def rule_blocks() -> dict[str, str]:
    """Each rule's text in workflow/rules/, by rule name."""
    blocks = {}
    for path in RULE_FILES:
        for match in re.finditer(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", path.read_text(encoding="utf-8"), re.M | re.S):
            blocks[match[1]] = match[2]
    return blocks


def local_rules() -> set[str]:
    names = set()
    for path in RULE_FILES:
        for match in re.finditer(r"^localrules:\s*(.+)$", path.read_text(encoding="utf-8"), re.M):
            names.update(name.strip() for name in match[1].split(","))
    return names


def test_profiles_size_existing_rules() -> None:
    rules = rule_blocks()
    for profile in (PROFILE, TEST_PROFILE):
        assert set(profile["set-resources"]) <= set(rules), "set-resources names a rule that no longer exists"


def test_every_gpu_rule_is_sized() -> None:
    gpu_rules = {name for name, text in rule_blocks().items() if re.search(r"^\s+gpu=", text, re.M)}
    assert gpu_rules, "no rule declares a gpu resource: the GPU rules moved"
    for rule in gpu_rules:
        assert {"mem_mb", "runtime"} <= set(PROFILE["set-resources"].get(rule, {})), rule
        assert rule in PROFILE["set-threads"], rule


def test_network_rules_run_on_the_submit_host() -> None:
    fetchers = {name for name in rule_blocks() if name.startswith("fetch_")}
    assert fetchers and fetchers <= local_rules()


def test_only_rules_that_retry_scale_with_attempt() -> None:
    """Rules that read input say `retries: 0` (a bad input fails the same way again); only the
    training rules retry, and only their sizes grow with `attempt`."""
    rules = rule_blocks()
    retried = {name for name, text in rules.items() if not re.search(r"^\s+retries: 0$", text, re.M)} - {"all"}
    assert retried == {"build_base_model", "pretrain", "finetune", "finetune_transfer"}
    for profile in (PROFILE, TEST_PROFILE):
        assert not any("attempt" in str(value) for value in profile["default-resources"].values())
        for rule, resources in profile["set-resources"].items():
            assert any("attempt" in str(value) for value in resources.values()) == (rule in retried), rule


def test_test_profile_is_the_user_profile_resized() -> None:
    """slurm-test differs only in sizes, status intervals, kept logs and the test account."""
    test_only = {"slurm-init-seconds-before-status-checks", "slurm-keep-successful-logs"}
    assert set(TEST_PROFILE) - test_only == set(PROFILE)
    for key, value in PROFILE.items():
        if key not in ("jobs", "latency-wait", "set-threads", "default-resources", "set-resources"):
            assert TEST_PROFILE[key] == value, key
    assert TEST_PROFILE["set-threads"].keys() == PROFILE["set-threads"].keys()
    assert set(TEST_PROFILE["default-resources"]) - {"slurm_account"} == set(PROFILE["default-resources"])
    assert TEST_PROFILE["set-resources"].keys() == PROFILE["set-resources"].keys()
    for rule, resources in PROFILE["set-resources"].items():
        assert TEST_PROFILE["set-resources"][rule].keys() == resources.keys(), rule


# --- Running snakemake on the cluster -------------------------------------------------------

JOB_HEADER = re.compile(r"^(local)?rule (\w+):\n(?:    .*\n)*?    jobid: (\d+)$", re.M)
SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.")


@dataclass
class Run:
    """What one snakemake call did, read from its own output."""

    returncode: int
    output: str

    @property
    def run_id(self) -> str:
        """The plugin's run UUID: the SLURM job name of every job this call submitted."""
        return re.search(r"SLURM run ID: (\S+)", self.output)[1]

    def jobs(self, local: bool) -> dict[int, str]:
        """Snakemake job id -> rule, for the jobs it ran on the submit host or on the cluster."""
        return {int(m[3]): m[2] for m in JOB_HEADER.finditer(self.output) if bool(m[1]) == local}

    @property
    def planned(self) -> int:
        return int(re.search(r"^Job stats:\n(?:.*\n)*?total\s+(\d+)$", self.output, re.M)[1])

    @property
    def submitted(self) -> list[tuple[int, str, str]]:
        """(snakemake job id, SLURM job id, SLURM log), one per sbatch call, retries included."""
        return [(int(m[1]), m[2], m[3]) for m in SUBMITTED.finditer(self.output)]

    def tail(self) -> str:
        return self.output[-6000:]


@dataclass(frozen=True)
class Record:
    job: str
    state: str
    comment: str
    tres: str


def copy_repo(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def environment(workdir: Path) -> dict[str, str]:
    """The copy's own package first (jobs inherit this: sbatch --export=ALL), and no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(PYTHONPATH=str(workdir / "src"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def command(timeout_s: int, *args: str) -> list[str]:
    return ["timeout", "-k", "30", str(timeout_s), str(SNAKEMAKE), "--profile", "profiles/slurm-test", *args]


def snakemake(workdir: Path, *args: str, timeout_s: int = 900) -> Run:
    done = subprocess.run(command(timeout_s, *args), cwd=workdir, env=environment(workdir),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return Run(done.returncode, done.stdout)


def sacct(run_id: str, expected: int, since: datetime) -> dict[str, Record]:
    """sacct's records of one snakemake call's jobs, waiting (bounded) for all of them to end."""
    deadline = time.monotonic() + 60
    while True:
        out = subprocess.run(
            ["sacct", "-X", "-P", "-n", "--name", run_id, "--starttime", f"{since:%Y-%m-%dT%H:%M:%S}",
             "-o", "JobIDRaw,State,Comment,ReqTRES"], check=True, capture_output=True, text=True, timeout=60).stdout
        records = {}
        for line in out.splitlines():
            job, state, comment, tres = line.split("|")
            records[job] = Record(job, state.split()[0], comment, tres)
        ended = all(r.state not in ("PENDING", "RUNNING", "COMPLETING") for r in records.values())
        if (len(records) >= expected and ended) or time.monotonic() > deadline:
            return records
        time.sleep(1)


def started() -> datetime:
    return datetime.now() - timedelta(minutes=1)


@pytest.fixture(scope="module")
def slurm() -> None:
    """A SLURM node that takes jobs, or a failure that says how to start one."""
    probe = subprocess.run(["timeout", "20", "sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
    if probe.returncode != 0 or not re.search(r"idle|mix|alloc", probe.stdout):
        pytest.fail(f"SPECMLM_SLURM=1 but no SLURM node answers (start one: tests/slurm/setup.sh): {probe.stderr}")


# --- The cluster tests ----------------------------------------------------------------------

DEMO_TIMEOUT_S = 3600


@dataclass
class Demo:
    work: Path
    run: Run
    since: datetime


@pytest.fixture(scope="module")
def demo(slurm: None, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo target, run once on the cluster; the resume test goes on from its results."""
    work = copy_repo(tmp_path_factory.mktemp("demo"))
    since = started()
    start = time.monotonic()
    run = snakemake(work, DEMO_TARGET, "--configfile", "demo/config.yaml", timeout_s=DEMO_TIMEOUT_S)
    figures = os.environ.get("SPECMLM_SLURM_FIGURES")
    if figures and run.returncode == 0:
        Path(figures).write_text(json.dumps({
            "target": DEMO_TARGET, "wall_s": round(time.monotonic() - start, 1),
            "jobs_planned": run.planned, "jobs_sbatch": len(run.jobs(local=False)), "jobs_local": len(run.jobs(local=True)),
        }) + "\n", encoding="utf-8")
    return Demo(work, run, since)


@pytest.mark.slurm
@cluster
def test_demo_target_every_job_through_sbatch_and_sacct(demo: Demo) -> None:
    run = demo.run
    assert run.returncode == 0, run.tail()
    assert (demo.work / DEMO_TARGET).is_file()

    remote, local = run.jobs(local=False), run.jobs(local=True)
    assert remote, "no job went to the cluster"
    assert len(remote) + len(local) == run.planned, "snakemake planned jobs that it never ran"
    assert set(local.values()) <= local_rules()
    submitted = {slurm_id: job for job, slurm_id, _ in run.submitted}
    assert sorted(submitted.values()) == sorted(remote), "a cluster job was not submitted exactly once"

    records = sacct(run.run_id, len(submitted), demo.since)
    assert records.keys() == submitted.keys(), "sacct's records differ from snakemake's submissions"
    assert {r.state for r in records.values()} == {"COMPLETED"}
    gpu_rules = {name for name, text in rule_blocks().items() if re.search(r"^\s+gpu=", text, re.M)}
    for slurm_id, record in records.items():
        rule = remote[submitted[slurm_id]]
        assert record.comment == f"rule_{rule}" or record.comment.startswith(f"rule_{rule}_wildcards_"), record
        if rule not in gpu_rules:
            assert "gres/gpu" not in record.tres, f"CPU rule {rule} was given a GPU"
    assert any("gres/gpu=1" in records[i].tres for i in submitted if remote[submitted[i]] == "build_base_model")


@pytest.mark.slurm
@cluster
def test_failing_rule_is_failed_for_snakemake_and_sacct(slurm: None, tmp_path: Path) -> None:
    work = copy_repo(tmp_path)
    broken = work / "demo/data/ud/UD_Wolof-WTB/wo_wtb-ud-dev.conllu"
    lines = broken.read_text(encoding="utf-8").split("\n")
    columns = lines[4].split("\t")
    columns[6] = "x"
    lines[4] = "\t".join(columns)
    broken.write_text("\n".join(lines), encoding="utf-8")
    since = started()
    run = snakemake(work, "results/data/wo/ud/train.conllu", "--configfile", "demo/config.yaml")

    assert run.returncode != 0
    assert "Error in rule prepare_ud" in run.output, run.tail()
    attempts = [slurm_id for _, slurm_id, slurm_log in run.submitted if "rule_prepare_ud" in slurm_log]
    assert len(attempts) == 1, run.tail()  # `retries: 0`: a bad input fails once, not 1 + retries times
    records = sacct(run.run_id, len(attempts), since)
    assert {records[slurm_id].state for slurm_id in attempts} == {"FAILED"}
    rule_log = (work / "results/logs/prepare_ud/wo.log").read_text(encoding="utf-8")
    assert "demo/data/ud/UD_Wolof-WTB/wo_wtb-ud-dev.conllu:5 (config key 'languages.wo.ud.files.dev'): expected an integer HEAD (ASCII digits), found 'x'" in rule_log
    assert not (work / "results/data/wo/ud").exists() or not any((work / "results/data/wo/ud").iterdir())


PRETRAIN_TARGET = "results/models/ug/lapt"
PRETRAIN_CHECKPOINTS = "results/checkpoints/pretrain/ug/lapt"


@pytest.mark.slurm
@cluster
@pytest.mark.skipif(not (REPO / "workflow/scripts/pretrain.py").is_file(),
                    reason="the pretrain stage is not written yet (workflow/scripts/pretrain.py)")
def test_cancelled_training_resumes_from_its_checkpoint(demo: Demo, tmp_path: Path) -> None:
    """scancel a LAPT job after its first epoch: the next run finishes it from that checkpoint."""
    work = demo.work
    assert (work / "results/base/mbert").is_dir(), "the demo run did not build the base model"
    args = (PRETRAIN_TARGET, "--configfile", "demo/config.yaml")
    first_output = tmp_path / "first.log"
    since = started()
    with first_output.open("w") as out:
        first = subprocess.Popen(command(1800, *args, "--retries", "0"), cwd=work, env=environment(work),
                                 stdout=out, stderr=subprocess.STDOUT, text=True)
        checkpoint = work / PRETRAIN_CHECKPOINTS / "epoch-001.pt"
        deadline = time.monotonic() + 1800
        while not checkpoint.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert checkpoint.exists(), first_output.read_text(encoding="utf-8")[-6000:]
        jobs = [slurm_id for _, slurm_id, slurm_log in Run(0, first_output.read_text(encoding="utf-8")).submitted
                if "rule_pretrain" in slurm_log]
        subprocess.run(["scancel", jobs[-1]], check=True, timeout=30)
        cancelled = Run(0, first_output.read_text(encoding="utf-8"))
        assert sacct(cancelled.run_id, len(cancelled.submitted), since)[jobs[-1]].state == "CANCELLED"
        # sacct says "CANCELLED by <uid>", which plugin 2.8.0 does not take for an end: it would
        # wait for the job forever. Stop snakemake the way docs/SLURM.md tells a user to (Ctrl-C).
        if first.poll() is None:
            first.send_signal(signal.SIGINT)
        first.wait(timeout=300)
    assert first.returncode != 0
    assert not (work / PRETRAIN_TARGET).exists()
    unlock = subprocess.run(command(120, "--unlock", *args), cwd=work, env=environment(work), capture_output=True, text=True)
    assert unlock.returncode == 0, unlock.stdout + unlock.stderr

    since = started()
    second = snakemake(work, *args, timeout_s=1800)
    assert second.returncode == 0, second.tail()
    assert (work / PRETRAIN_TARGET).is_dir()
    log = (work / "results/logs/pretrain/ug.lapt.log").read_text(encoding="utf-8")
    assert re.search(r"resumed from \S+ after epoch [1-9]", log), log[-3000:]
    resumed = [slurm_id for _, slurm_id, slurm_log in second.submitted if "rule_pretrain" in slurm_log]
    record = sacct(second.run_id, len(second.submitted), since)[resumed[-1]]
    assert record.state == "COMPLETED"
    assert "gres/gpu=1" in record.tres, "the GPU rule did not ask SLURM for a GPU"
