"""Make one dataset of a transliterated view from the same dataset of its parent language."""

import json
from pathlib import Path

from specmlm.atomic import write_json
from specmlm.logs import stage_log
from specmlm.transliterate import make_scheme, transliterate_view

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    dataset_dir = Path(snakemake.input[0]).parent
    out_dir = Path(snakemake.output[0]).parent
    report = transliterate_view(dataset_dir.parent, out_dir.parent, make_scheme(settings), parts=[dataset_dir.name])
    log.info("transliterated %s: %d units, %d changed, %d fallbacks", dataset_dir, report["units"], report["changed"], report["fallbacks"])
    write_json(out_dir / "translit-report.json", report)
