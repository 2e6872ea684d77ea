# Trivial baselines: what each task table's cells must beat (src/specmlm/baselines.py says how
# each is computed), scored on the same sentences as the runs.


rule baselines:
    input:
        [path for cell in baseline_cells() for path in cell["files"].values()],
    output:
        report("results/tables/baselines.csv", caption="../report/baselines.rst", category="Tables"),
    params:
        settings=lambda w: settings("baselines", {"cells": baseline_cells()}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/baselines.log",
    benchmark:
        "results/benchmarks/baselines.tsv"
    script:
        "../scripts/baselines.py"
