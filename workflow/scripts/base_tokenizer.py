"""Write a base model's tokenizer on its own (no weights needed for statistics or VA)."""

import json

from specmlm.base_tokenizer import materialize_tokenizer
from specmlm.errors import keyed
from specmlm.logs import stage_log

with stage_log(snakemake.log[0], snakemake.output):
    spec = json.loads(snakemake.params.settings)["settings"]
    with keyed(spec["where"]):
        materialize_tokenizer(spec["entry"], spec["downloads"], snakemake.output[0], spec["where"])
