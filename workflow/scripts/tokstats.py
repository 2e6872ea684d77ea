"""Tokenization statistics of one tokenizer on every dataset and split of one view."""

import pandas as pd

from specmlm.atomic import atomic_open
from specmlm.logs import stage_log
from specmlm.tokstats import stats_for_files

with stage_log(snakemake.log[0], snakemake.output) as log:
    rows = stats_for_files(snakemake.input.tokenizer, snakemake.input.data)
    table = pd.DataFrame(rows)
    table.insert(0, "tokenizer", snakemake.wildcards.name)
    table.insert(0, "view", snakemake.wildcards.view)
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    log.info("%d rows", len(table))
