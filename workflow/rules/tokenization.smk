# Tokenization statistics (PAPER §9): fertility, continuation, UNK and words-with-UNK
# proportions for every tokenizer in play, on every view, dataset and split.


def tokenizer_sources():
    """(view, source, name) for each tokenizer a run of the study uses on a view."""
    found = set()
    for view, variant in STUDY.encoders():
        spec = STUDY.variant(variant)
        if spec["kind"] in ("pretrained", "lapt"):
            found.add((view, "base", spec["base"]))
        elif spec["kind"] in ("va", "scratch"):
            found.add((view, "vocab", variant))
    return sorted(found)


def view_facts():
    """Language, script and type of each view, for the tables (a -Latn view is in Latin script)."""
    facts = {}
    for name, view in VIEWS.items():
        entry = config["languages"][view.language]
        script = name.split("-")[1] if view.parent else entry["script"]
        facts[name] = {"language": view.language, "script": script, "type": entry["type"]}
    return facts


def tokenizer_dir(wildcards):
    if wildcards.source == "base":
        return f"results/tokenizers/{wildcards.name}"
    return f"results/vocab/{wildcards.view}/{wildcards.name}"


localrules: base_tokenizer


rule base_tokenizer:
    output:
        directory("results/tokenizers/{base}"),
    params:
        settings=lambda w: settings("tokenizer", {"entry": config["base_models"][w.base], "downloads": config["downloads"], "where": f"base_models.{w.base}"}),
    log:
        "results/logs/base_tokenizer/{base}.log",
    script:
        "../scripts/base_tokenizer.py"


rule tokstats:
    input:
        data=lambda w: prepared_files(w.view),
        tokenizer=tokenizer_dir,
    output:
        "results/stats/tokenization/{view}/{source}/{name}.csv",
    params:
        settings=lambda w: settings("tokstats", {}),
    wildcard_constraints:
        source="base|vocab",
        name="[a-z][a-z0-9_]*",
    log:
        "results/logs/tokstats/{view}.{source}.{name}.log",
    script:
        "../scripts/tokstats.py"


rule tokenization_table:
    input:
        [f"results/stats/tokenization/{v}/{s}/{n}.csv" for v, s, n in tokenizer_sources()],
    output:
        report("results/tables/tokenization.csv", caption="../report/tokenization.rst", category="Tables"),
    params:
        settings=lambda w: settings("aggregate", {"views": view_facts()}),
    log:
        "results/logs/tokenization_table.log",
    script:
        "../scripts/tokenization_table.py"
