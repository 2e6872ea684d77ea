"""Build one view's encoder: LAPT, VA + LAPT, a from-scratch model or fastText vectors."""

from specmlm.logs import exit_now, stage_log
from specmlm.representations import build_model
from specmlm.settings import MlmSettings, job_settings

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = job_settings(snakemake, MlmSettings)
    record = build_model(settings, dict(snakemake.input.items()), snakemake.output[0], snakemake.params.checkpoints)
    log.info("built %s: %s", snakemake.output[0], record)
exit_now()
