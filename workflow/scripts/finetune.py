"""Fine-tune and evaluate one run: task x view x variant x seed set."""

from pathlib import Path

from specmlm.finetune import ViewFiles, run_finetune
from specmlm.identity import run_identity
from specmlm.logs import exit_now, stage_log
from specmlm.representations import kind_of
from specmlm.settings import FinetuneSettings, job_settings

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = job_settings(snakemake, FinetuneSettings, snakemake.config["finetune"])
    task = settings.pop("task")
    if "train" in snakemake.input.keys():  # a transfer run trains and picks its epoch on its source's files
        settings |= {"train_files": [str(snakemake.input.train)], "dev_file": str(snakemake.input.dev)}
    files = ViewFiles(*(Path(f) for f in snakemake.input.data))  # the evaluated view's train, dev and test
    encoder = kind_of(snakemake.config, snakemake.wildcards.variant).encoder
    metrics = run_finetune(task, encoder, snakemake.input.model, files, Path(snakemake.output[0]).parent, snakemake.params.checkpoints,
                           settings, run_identity(task, dict(snakemake.wildcards.items())))
    log.info("test: %s", metrics.get("test"))
exit_now()
