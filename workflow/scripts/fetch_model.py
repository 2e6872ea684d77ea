"""Fetch a base model by hub name (or take a local directory) into results/base/{base}."""

import json

from specmlm.basemodel import resolve_base
from specmlm.download.models import fetch_model_entry
from specmlm.download.plan import fetch_options
from specmlm.errors import keyed
from specmlm.logs import stage_log

with stage_log(snakemake.log[0], snakemake.output) as log:
    spec = json.loads(snakemake.params.settings)["settings"]
    with keyed(spec["where"]):
        local = fetch_model_entry(spec["entry"], fetch_options(spec["downloads"]), where=spec["where"])
    resolve_base(str(local), spec["downloads"]["cache_dir"], snakemake.output[0])
    log.info("base model %s from %s", snakemake.output[0], local)
