"""Build a view's own vocabulary: VA pieces added to a base model, or a from-scratch BPE."""

import json

from specmlm.logs import stage_log
from specmlm.representations import build_vocab

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    report = build_vocab(settings, dict(snakemake.input.items()), snakemake.output[0])
    log.info("vocabulary: %s", report)
