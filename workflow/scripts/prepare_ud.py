"""Validate a treebank's splits and write them to the view's ud/ folder."""

import json
from pathlib import Path

from specmlm.atomic import write_json
from specmlm.logs import stage_log
from specmlm.prepare import prepare_ud

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    raw = {split: snakemake.input[split] for split in ("train", "dev", "test")}
    report = prepare_ud(raw, Path(snakemake.output.train).parent, settings["pos_column"])
    log.info("UD splits: %s", report)
    write_json(snakemake.output.report, report)
