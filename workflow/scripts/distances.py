"""URIEL (lang2vec) distances and script match for every transfer pair, keyed by view names."""

import json

import pandas as pd

from specmlm.atomic import atomic_open
from specmlm.logs import stage_log
from specmlm.typology import distances

with stage_log(snakemake.log[0], snakemake.output) as log:
    pairs = json.loads(snakemake.params.settings)["settings"]["pairs"]
    rows = distances([(p["source_iso"], p["target_iso"]) for p in pairs], [(p["source_script"], p["target_script"]) for p in pairs])
    table = pd.DataFrame(rows)
    table["source"] = [p["source"] for p in pairs]
    table["target"] = [p["target"] for p in pairs]
    with atomic_open(snakemake.output[0]) as handle:
        table.to_csv(handle, index=False)
    log.info("%d pairs", len(table))
