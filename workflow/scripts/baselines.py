"""Score the trivial baseline of every task and view into results/tables/baselines.csv."""

import json

from specmlm.atomic import atomic_open
from specmlm.baselines import baseline_table
from specmlm.logs import stage_log

with stage_log(snakemake.log[0]) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    table = baseline_table(settings["cells"])
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    log.info("%d baselines", len(table))
