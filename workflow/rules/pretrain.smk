# Representations: the base models, the adapted vocabularies and the adapted encoders
# (fastText, from-scratch RoBERTa, LAPT, VA + LAPT) of every view.


def variant_kind(wildcards):
    return STUDY.variant(wildcards.variant)["kind"]


def base_of(wildcards):
    return STUDY.variant(wildcards.variant)["base"]


def checkpoint_dir(stage, *parts):
    """Training checkpoints live outside declared outputs, which Snakemake wipes before a rerun."""
    return "results/checkpoints/" + "/".join((stage,) + parts)


def vocab_inputs(wildcards):
    inputs = {"text": f"results/data/{wildcards.view}/text/train.txt"}
    if variant_kind(wildcards) == "va":
        inputs["base"] = f"results/base/{base_of(wildcards)}"
    return inputs


def vocab_settings(wildcards):
    spec = STUDY.variant(wildcards.variant)
    if spec["kind"] == "va":
        return settings("vocab", {"kind": "va", **config["vocab"][spec["vocab"]]})
    scratch = config["pretrain"]["scratch"]
    return settings("vocab", {"kind": "scratch", "vocab_size": scratch["vocab_size"], "min_frequency": scratch["min_frequency"]})


def model_inputs(wildcards):
    """What each kind of representation is built from (data, not branches in the script)."""
    kind = variant_kind(wildcards)
    view = wildcards.view
    inputs = {"train": f"results/data/{view}/text/train.txt", "valid": f"results/data/{view}/text/valid.txt"}
    if kind == "lapt":
        inputs["base"] = f"results/base/{base_of(wildcards)}"
    if kind in ("va", "scratch"):  # the VA vocabulary directory holds the augmented model too
        inputs["vocab"] = f"results/vocab/{view}/{wildcards.variant}"
    return inputs


def model_settings(wildcards):
    spec = STUDY.variant(wildcards.variant)
    section = {"lapt": spec.get("lapt", "lapt"), "va": spec.get("lapt", "lapt"), "scratch": "scratch", "fasttext": "fasttext"}[spec["kind"]]
    extra = {"init": config["vocab"][spec["vocab"]]["init"]} if spec["kind"] == "va" else {}
    return settings("pretrain", {"kind": spec["kind"], **config["pretrain"][section], **extra})


FETCHED_BASES = [b for b, spec in config["base_models"].items() if "source" in spec] or ["none"]
BUILT_BASES = [b for b, spec in config["base_models"].items() if "build" in spec] or ["none"]

localrules: fetch_base_model


def base_source(wildcards):
    """A base model's config entry with the download settings it is fetched under."""
    return settings("base_model", {"entry": config["base_models"][wildcards.base], "downloads": config["downloads"], "where": f"base_models.{wildcards.base}"})


rule fetch_base_model:
    output:
        directory("results/base/{base}"),
    params:
        settings=base_source,
    wildcard_constraints:
        base="|".join(FETCHED_BASES),
    log:
        "results/logs/base_model/{base}.log",
    script:
        "../scripts/fetch_model.py"


rule build_base_model:
    input:
        tokenizer="results/tokenizers/{base}",
        text=lambda w: config["base_models"][w.base]["build"].get("text", []),
    output:
        directory("results/base/{base}"),
    params:
        settings=lambda w: settings("base_model", config["base_models"][w.base]),
        checkpoints=lambda w: checkpoint_dir("base", w.base),
    wildcard_constraints:
        base="|".join(BUILT_BASES),
    threads: 2
    resources:
        gpu=1,
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
    log:
        "results/logs/pretrain/{view}.{variant}.log",
    benchmark:
        "results/benchmarks/pretrain/{view}.{variant}.tsv"
    script:
        "../scripts/pretrain.py"
