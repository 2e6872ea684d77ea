"""Read a language's NER splits in their source format and write the study's format."""

import json
from pathlib import Path

from specmlm.atomic import write_json
from specmlm.logs import stage_log
from specmlm.prepare import prepare_ner

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    raw = {split: snakemake.input[split] for split in ("train", "dev", "test")}
    report = prepare_ner(raw, settings["format"], Path(snakemake.output.train).parent, settings["drop_types"], settings["max_sentences"])
    log.info("NER splits: %s", report)
    write_json(snakemake.output.report, report)
