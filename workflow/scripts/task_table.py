"""Aggregate one task's runs into results/tables/{task}.csv and its Markdown rendering."""

import json

import pandas as pd

from specmlm.aggregate import read_scores, task_table, to_markdown, with_baselines
from specmlm.atomic import atomic_open, write_text
from specmlm.logs import stage_log

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    table = task_table(read_scores(snakemake.input.runs), settings["task"], settings["views"])
    table = with_baselines(table, pd.read_csv(snakemake.input.baselines))
    with atomic_open(snakemake.output.csv) as handle:
        table.to_csv(handle, index=False)
    write_text(snakemake.output.markdown, to_markdown(table))
    log.info("%d rows from %d runs", len(table), len(snakemake.input.runs))
