"""Build a view's own vocabulary: VA pieces added to a base model, or a from-scratch BPE."""

from specmlm.logs import stage_log
from specmlm.representations import build_vocab
from specmlm.settings import VocabSettings, job_settings

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = job_settings(snakemake, VocabSettings)
    report = build_vocab(settings, dict(snakemake.input.items()), snakemake.output[0])
    log.info("vocabulary: %s", report)
