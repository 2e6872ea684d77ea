"""Fetch one raw file of the study (a URL, a local path, WikiAnn or Wikipedia), verified."""

import json

from specmlm.download import fetch_source
from specmlm.logs import stage_log

with stage_log(snakemake.log[0]):
    spec = json.loads(snakemake.params.source)["settings"]
    fetch_source(spec, snakemake.output[0], cache_dir=snakemake.params.cache)
