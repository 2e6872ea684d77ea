# Base models: each base model's tokenizer, then the model itself, fetched by hub name (or
# taken from a local directory) or built from a vocabulary (the demo's tiny mBERT stand-in).
# The fetches need the network, so the SLURM profile runs them on the submit host.


localrules: base_tokenizer, fetch_base_model


rule base_tokenizer:
    input:
        lambda w: local_inputs(f"base_models.{w.base}.build.vocab", f"base_models.{w.base}.source"),
    output:
        directory("results/tokenizers/{base}"),
    params:
        settings=lambda w: settings("tokenizer", {"entry": config["base_models"][w.base], "downloads": config["downloads"], "where": f"base_models.{w.base}"},
                                    local_content(f"base_models.{w.base}.build.vocab", f"base_models.{w.base}.source")),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/base_tokenizer/{base}.log",
    benchmark:
        "results/benchmarks/base_tokenizer/{base}.tsv"
    script:
        "../scripts/base_tokenizer.py"


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
