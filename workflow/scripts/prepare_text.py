"""Clean, de-leak and split a language's unlabelled corpus."""

import json
from pathlib import Path

from specmlm.atomic import write_json
from specmlm.corpus_size import size_check
from specmlm.errors import keyed
from specmlm.logs import stage_log
from specmlm.prepare import prepare_text

with stage_log(snakemake.log[0], snakemake.output) as log:
    settings = json.loads(snakemake.params.settings)["settings"]
    leaks = list(snakemake.input.leaks)
    ud = [f for f in leaks if f.endswith(".conllu")]
    ner = [f for f in leaks if f.endswith(".tsv")]
    with keyed(f"languages.{snakemake.wildcards.lang}.text"):
        report = prepare_text(list(snakemake.input.text), Path(snakemake.output.train).parent, settings, (ud, ner))
    report["size_check"] = size_check(snakemake.wildcards.lang, settings["origin"], report)
    if "warning" in report["size_check"]:
        log.warning("%s", report["size_check"]["warning"])
    log.info("text: %s", report)
    write_json(snakemake.output.report, report)
