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
    output:
        report("results/README.md", caption="../report/summary.rst", category="Summary"),
    params:
        settings=lambda w: settings("aggregate", {"languages": config["languages"], "variants": config["variants"], "study": config["study"]}),
        expected=[run.path for run in STUDY.runs],
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    script:
        "../scripts/summary.py"
