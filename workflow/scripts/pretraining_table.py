"""Each pretrained model's chosen epoch and held-out loss beside PAPER §11: results/tables/pretraining.csv."""

import json
from pathlib import Path

from specmlm.atomic import atomic_open
from specmlm.logs import stage_log
from specmlm.pretrain_table import pretraining_table

with stage_log(snakemake.log[0], snakemake.output) as log:
    models = json.loads(snakemake.params.settings)["settings"]["models"]
    table = pretraining_table(
        (view, variant, kind, Path(model_dir) / "losses.json")
        for (view, variant, kind), model_dir in zip(models, snakemake.input, strict=True)
    )
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    log.info("%d pretrained models", len(table))
