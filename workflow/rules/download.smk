# Download: every raw file of the study, verified and cached, fetched once.
# These rules need the network, so the SLURM profile runs them on the submit host (localrules).
# Local `files:` are inputs tracked by content (common.smk: local_inputs, local_content).

localrules: fetch_ud, fetch_ner, fetch_text


rule fetch_ud:
    input:
        lambda w: local_inputs(f"languages.{w.lang}.ud"),
    output:
        expand("results/raw/{{lang}}/ud/{split}.conllu", split=["train", "dev", "test"]),
    params:
        settings=fetch_params("ud"),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/fetch/{lang}.ud.log",
    benchmark:
        "results/benchmarks/fetch/{lang}.ud.tsv"
    script:
        "../scripts/fetch.py"


rule fetch_ner:
    input:
        lambda w: local_inputs(f"languages.{w.lang}.ner"),
    output:
        expand("results/raw/{{lang}}/ner/{split}.txt", split=["train", "dev", "test"]),
    params:
        settings=fetch_params("ner"),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/fetch/{lang}.ner.log",
    benchmark:
        "results/benchmarks/fetch/{lang}.ner.tsv"
    script:
        "../scripts/fetch.py"


rule fetch_text:
    input:
        lambda w: local_inputs(f"languages.{w.lang}.text"),
    output:
        "results/raw/{lang}/text/corpus.txt",
    params:
        settings=fetch_params("text"),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/fetch/{lang}.text.log",
    benchmark:
        "results/benchmarks/fetch/{lang}.text.tsv"
    script:
        "../scripts/fetch.py"
