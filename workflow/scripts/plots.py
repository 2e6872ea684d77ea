"""Draw every plot the tables allow into results/plots/."""

import json
from pathlib import Path

from specmlm.logs import stage_log
from specmlm.plots import draw_all

with stage_log(snakemake.log[0], snakemake.output) as log:
    config = json.loads(snakemake.params.settings)["settings"]
    drawn = draw_all(Path(snakemake.input.tokenization).parent, config, snakemake.output[0])
    log.info("plots: %s", {name: "skipped" if "skipped" in d else d["file"] for name, d in drawn.items()})
