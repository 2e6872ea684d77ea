"""Gather every run's per-epoch history into results/tables/learning_curves.csv."""

from specmlm.atomic import atomic_open
from specmlm.curves import read_histories
from specmlm.logs import stage_log

with stage_log(snakemake.log[0]) as log:
    table = read_histories(snakemake.input)
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    improving = table.loc[table["still_improving"], ["task", "view", "variant", "seed"]].drop_duplicates()
    log.info("%d epochs of %d runs; %d runs were still improving when they stopped", len(table), len(snakemake.input), len(improving))
