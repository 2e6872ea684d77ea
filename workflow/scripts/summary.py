"""Write results/README.md: what the run found, in numbers, next to the paper's findings."""

import json
from pathlib import Path

from specmlm.logs import stage_log
from specmlm.summary import write_summary

with stage_log(snakemake.log[0], snakemake.output):
    config = json.loads(snakemake.params.settings)["settings"]
    corpora = dict(zip(snakemake.params.corpora, snakemake.input.corpora, strict=True))
    write_summary(Path(snakemake.input.tokenization).parent, config, snakemake.output[0], list(snakemake.params.expected), corpora)
