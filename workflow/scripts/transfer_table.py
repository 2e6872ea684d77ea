"""The NER transfer table: source, target, base model, variant, setting, shots, mean, std, n,
and each setting's trivial baseline with the cell's margin over it."""

import json

from specmlm.atomic import atomic_open
from specmlm.baselines import transfer_baselines
from specmlm.logs import stage_log
from specmlm.transfer import transfer_table

with stage_log(snakemake.log[0], snakemake.output) as log:
    bases = json.loads(snakemake.params.settings)["settings"]
    baselines = transfer_baselines(json.loads(snakemake.params.baselines)["settings"]["cells"])
    log.info("baselines:\n%s", baselines.to_string(index=False))
    table = transfer_table([*snakemake.input.transfer, *snakemake.input.in_language], bases, baselines)
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    log.info("%d rows", len(table))
