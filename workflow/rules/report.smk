# Results people can read: plots drawn from the tables alone (they redraw without retraining),
# a Markdown summary next to the paper's findings, and `snakemake --report report.html`.


report: "../report/workflow.rst"


rule plots:
    input:
        unpack(table_inputs),
    output:
        report(
            directory("results/plots"),
            patterns=["{name}.png"],
            caption="../report/plots.rst",
            category="Plots",
        ),
    params:
        settings=lambda w: settings("aggregate", {"languages": config["languages"], "variants": config["variants"], "study": config["study"]}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/plots.log",
    benchmark:
        "results/benchmarks/plots.tsv"
    script:
        "../scripts/plots.py"


rule summary:
    input:
        unpack(table_inputs),
        corpora=list(corpus_reports().values()),
    output:
        report("results/README.md", caption="../report/summary.rst", category="Summary"),
    params:
        settings=lambda w: settings("aggregate", {"languages": config["languages"], "variants": config["variants"], "study": config["study"]}),
        expected=[{"task": r.task, "view": r.view, "variant": r.variant, "seed": r.seed} for r in STUDY.runs],
        corpora=list(corpus_reports()),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    script:
        "../scripts/summary.py"


rule pretraining_table:
    input:
        [f"results/models/{view}/{variant}" for view, variant, _ in pretrained_models()],
    output:
        report("results/tables/pretraining.csv", caption="../report/pretraining.rst", category="Tables"),
    params:
        settings=lambda w: settings("aggregate", {"models": pretrained_models()}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/pretraining_table.log",
    benchmark:
        "results/benchmarks/pretraining_table.tsv"
    script:
        "../scripts/pretraining_table.py"
