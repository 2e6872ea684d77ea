"""Concatenate the per-view tokenization statistics into results/tables/tokenization.csv."""

import json

import pandas as pd

from specmlm.atomic import atomic_open
from specmlm.logs import stage_log

with stage_log(snakemake.log[0], snakemake.output) as log:
    views = json.loads(snakemake.params.settings)["settings"]["views"]
    table = pd.concat([pd.read_csv(path) for path in snakemake.input], ignore_index=True)
    for column in ("type", "script", "language"):
        table.insert(1, column, table["view"].map(lambda v: views[v][column]))
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    log.info("%d rows from %d tokenizer-view pairs", len(table), len(snakemake.input))
