"""The NER transfer table: source, target, base model, variant, setting, shots, mean, std, n."""

import json

from specmlm.atomic import atomic_open
from specmlm.logs import stage_log
from specmlm.transfer import transfer_table

with stage_log(snakemake.log[0], snakemake.output) as log:
    bases = json.loads(snakemake.params.settings)["settings"]
    table = transfer_table([*snakemake.input.transfer, *snakemake.input.in_language], bases)
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    log.info("%d rows", len(table))
