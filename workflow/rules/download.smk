# Download: every raw file of the study, verified and cached, fetched once.
# These rules need the network, so the SLURM profile runs them on the submit host (localrules).

localrules: fetch_ud, fetch_ner, fetch_text


rule fetch_ud:
    output:
        expand("results/raw/{{lang}}/ud/{split}.conllu", split=["train", "dev", "test"]),
    params:
        settings=fetch_params("ud"),
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/fetch/{lang}.ud.log",
    benchmark:
        "results/benchmarks/fetch/{lang}.ud.tsv"
    script:
        "../scripts/fetch.py"


rule fetch_ner:
    output:
        expand("results/raw/{{lang}}/ner/{split}.txt", split=["train", "dev", "test"]),
    params:
        settings=fetch_params("ner"),
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/fetch/{lang}.ner.log",
    benchmark:
        "results/benchmarks/fetch/{lang}.ner.tsv"
    script:
        "../scripts/fetch.py"


rule fetch_text:
    output:
        "results/raw/{lang}/text/corpus.txt",
    params:
        settings=fetch_params("text"),
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/fetch/{lang}.text.log",
    benchmark:
        "results/benchmarks/fetch/{lang}.text.tsv"
    script:
        "../scripts/fetch.py"
