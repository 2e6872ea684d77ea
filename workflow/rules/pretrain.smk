# Representations: the base models, the adapted vocabularies and the adapted encoders
# (fastText, from-scratch RoBERTa, LAPT, VA + LAPT) of every view.


localrules: fetch_base_model


rule fetch_base_model:
    input:
        lambda w: local_inputs(f"base_models.{w.base}.source"),
    output:
        directory("results/base/{base}"),
    params:
        settings=base_source,
    wildcard_constraints:
        base="|".join(FETCHED_BASES),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/base_model/{base}.log",
    benchmark:
        "results/benchmarks/fetch_base_model/{base}.tsv"
    script:
        "../scripts/fetch_model.py"


rule build_base_model:
    input:
        tokenizer="results/tokenizers/{base}",
        local=lambda w: local_inputs(f"base_models.{w.base}.build"),
    output:
        directory("results/base/{base}"),
    params:
        settings=lambda w: settings("base_model", config["base_models"][w.base], local_content(f"base_models.{w.base}.build")),
        checkpoints=lambda w: checkpoint_dir("base", w.base),
    wildcard_constraints:
        base="|".join(BUILT_BASES),
    threads: 2
    resources:
        gpu=1,
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/base_model/{base}.log",
    benchmark:
        "results/benchmarks/base_model/{base}.tsv"
    script:
        "../scripts/build_base_model.py"


rule vocab:
    input:
        unpack(vocab_inputs),
    output:
        directory("results/vocab/{view}/{variant}"),
    params:
        settings=vocab_settings,
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/vocab/{view}.{variant}.log",
    benchmark:
        "results/benchmarks/vocab/{view}.{variant}.tsv"
    script:
        "../scripts/vocab.py"


rule pretrain:
    input:
        unpack(model_inputs),
    output:
        directory("results/models/{view}/{variant}"),
    params:
        settings=model_settings,
        checkpoints=lambda w: checkpoint_dir("pretrain", w.view, w.variant),
    threads: 2
    resources:
        gpu=lambda w: 0 if variant_kind(w) == "fasttext" else 1,
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/pretrain/{view}.{variant}.log",
    benchmark:
        "results/benchmarks/pretrain/{view}.{variant}.tsv"
    script:
        "../scripts/pretrain.py"
