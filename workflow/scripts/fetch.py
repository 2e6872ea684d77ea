"""Fetch one dataset of one language into results/raw/, verified and cached."""

import json
from pathlib import Path

from specmlm.logs import stage_log
from specmlm.download.sources import fetch_dataset

with stage_log(snakemake.log[0], snakemake.output) as log:
    spec = json.loads(snakemake.params.settings)["settings"]
    dataset = Path(snakemake.output[0]).parent.name
    files = fetch_dataset(dataset, spec["entry"], Path(snakemake.output[0]).parent, spec["downloads"], spec["where"])
    log.info("fetched %s", [str(f) for f in files])
