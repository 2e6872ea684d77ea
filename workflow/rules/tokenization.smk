# Tokenization statistics (PAPER §9): fertility, continuation, UNK and words-with-UNK
# proportions for every tokenizer in play, on every view, dataset and split.


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
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/tokstats/{view}.{source}.{name}.log",
    benchmark:
        "results/benchmarks/tokstats/{view}.{source}.{name}.tsv"
    script:
        "../scripts/tokstats.py"


rule tokenization_table:
    input:
        [f"results/stats/tokenization/{v}/{s}/{n}.csv" for v, s, n in tokenizer_sources()],
    output:
        report("results/tables/tokenization.csv", caption="../report/tokenization.rst", category="Tables"),
    params:
        settings=lambda w: settings("aggregate", {"views": view_facts()}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/tokenization_table.log",
    benchmark:
        "results/benchmarks/tokenization_table.tsv"
    script:
        "../scripts/tokenization_table.py"
