"""Spearman's rho of transfer F1, the transfer gap and specialization gains against distance and UNK rate."""

import pandas as pd

from specmlm.atomic import atomic_open
from specmlm.logs import stage_log
from specmlm.transfer import distance_analysis

with stage_log(snakemake.log[0], snakemake.output) as log:
    analysis = distance_analysis(
        pd.read_csv(snakemake.input.transfer),
        pd.read_csv(snakemake.input.distances),
        pd.read_csv(snakemake.input.tokenization),
    )
    with atomic_open(snakemake.output[0]) as handle:
        analysis.to_csv(handle, index=False)
    log.info("%d correlations", len(analysis))
