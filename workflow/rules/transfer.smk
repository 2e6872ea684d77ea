# Cross-lingual NER transfer (the extension): train on a source view, test on a target view,
# zero-shot or with the target's first N training sentences; then the transfer table, URIEL
# distances between each pair, and how transfer and its gains follow distance and UNK rates.
# Each cell of the table sits beside the NER gazetteer baseline of its setting
# (baselines.transfer_score), fitted on the same training sentences as the setting's runs.

rule finetune_transfer:
    input:
        model=lambda w: STUDY.model_dir(w.target, w.variant),
        train="results/data/{source}/ner/train.tsv",
        dev="results/data/{source}/ner/dev.tsv",
        data=expand("results/data/{{target}}/ner/{split}.tsv", split=["train", "dev", "test"]),
    output:
        "results/transfer/{source}/{target}/{setting}/{variant}/seed{seed}/metrics.json",
    params:
        settings=transfer_settings,
        checkpoints=lambda w: checkpoint_dir("transfer", w.source, w.target, w.setting, w.variant, f"seed{w.seed}"),
    wildcard_constraints:
        source="[a-z]{2,3}(-[A-Z][a-z]{3})?",
        target="[a-z]{2,3}(-[A-Z][a-z]{3})?",
        setting=SETTING_PATTERN,
    threads: 1
    resources:
        gpu=gpus,
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/transfer/{source}.{target}.{setting}.{variant}.seed{seed}.log",
    benchmark:
        "results/benchmarks/transfer/{source}.{target}.{setting}.{variant}.seed{seed}.tsv"
    script:
        "../scripts/finetune.py"


rule transfer_table:
    input:
        transfer=[f"{run.path}/metrics.json" for run in STUDY.transfer_runs],
        in_language=[f"{run.path}/metrics.json" for run in STUDY.transfer_in_language],
        data=lambda w: list(dict.fromkeys(path for cell in transfer_baseline_cells()
                                          for path in [*cell["train_files"], *cell["files"].values()])),
    output:
        report("results/tables/ner_transfer.csv", caption="../report/ner_transfer.rst", category="Transfer"),
    params:
        settings=lambda w: settings("aggregate", {v: spec.get("base", v) for v, spec in config["variants"].items()}),
        baselines=lambda w: settings("baselines", {"cells": transfer_baseline_cells()}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/transfer_table.log",
    benchmark:
        "results/benchmarks/transfer_table.tsv"
    script:
        "../scripts/transfer_table.py"


rule distances:
    output:
        report("results/tables/distances.csv", caption="../report/distances.rst", category="Transfer"),
    params:
        settings=lambda w: settings("aggregate", STUDY.transfer_pairs()),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/distances.log",
    benchmark:
        "results/benchmarks/distances.tsv"
    script:
        "../scripts/distances.py"


rule transfer_analysis:
    input:
        transfer="results/tables/ner_transfer.csv",
        distances="results/tables/distances.csv",
        tokenization="results/tables/tokenization.csv",
    output:
        report("results/tables/transfer_analysis.csv", caption="../report/transfer_analysis.rst", category="Transfer"),
    params:
        settings=lambda w: settings("aggregate", {}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/transfer_analysis.log",
    benchmark:
        "results/benchmarks/transfer_analysis.tsv"
    script:
        "../scripts/transfer_analysis.py"
