"""Fine-tune and evaluate one run: task x view x variant x seed set."""

import json
from pathlib import Path

from specmlm.finetune import ViewFiles, run_finetune
from specmlm.identity import run_identity
from specmlm.logs import exit_now, stage_log
from specmlm.representations import kind_of

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    task = settings.pop("task")
    # run-only settings, kept out of the params so that changing them reruns nothing
    settings["threads"] = snakemake.threads
    if "checkpoint_every_s" in snakemake.config["finetune"]:
        settings["checkpoint_every_s"] = snakemake.config["finetune"]["checkpoint_every_s"]
    if "train" in snakemake.input.keys():  # a transfer run trains and picks its epoch on its source's files
        settings |= {"train_files": [str(snakemake.input.train)], "dev_file": str(snakemake.input.dev)}
    files = ViewFiles(*(Path(f) for f in snakemake.input.data))  # the evaluated view's train, dev and test
    encoder = kind_of(snakemake.config, snakemake.wildcards.variant).encoder
    metrics = run_finetune(task, encoder, snakemake.input.model, files, Path(snakemake.output[0]).parent, snakemake.params.checkpoints,
                           settings, run_identity(task, dict(snakemake.wildcards.items())))
    log.info("test: %s", metrics.get("test"))
exit_now()
