"""Validate a treebank's splits and write them to the view's ud/ folder."""

from pathlib import Path

from specmlm.atomic import write_json
from specmlm.logs import stage_log
from specmlm.prepare import prepare_ud

with stage_log(snakemake.log[0]) as log:
    raw = {split: snakemake.input[split] for split in ("train", "dev", "test")}
    report = prepare_ud(raw, Path(snakemake.output.train).parent)
    log.info("UD splits: %s", report)
    write_json(snakemake.output.report, report)
