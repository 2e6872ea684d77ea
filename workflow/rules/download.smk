# Download: every raw file of the study, verified and cached, fetched once.
# These rules need the network, so the SLURM profile runs them on the submit host (localrules).

from specmlm import sources

localrules: fetch_ud, fetch_ner, fetch_text


rule fetch_ud:
    output:
        "results/raw/{lang}/ud/{split}.conllu",
    params:
        source=lambda w: settings("fetch", sources.ud_source(language(w), w.split)),
        cache=config["cache_dir"],
    log:
        "results/logs/fetch_ud/{lang}.{split}.log",
    script:
        "../scripts/fetch.py"


rule fetch_ner:
    output:
        "results/raw/{lang}/ner/{split}.txt",
    params:
        source=lambda w: settings("fetch", sources.ner_source(language(w), w.split)),
        cache=config["cache_dir"],
    log:
        "results/logs/fetch_ner/{lang}.{split}.log",
    script:
        "../scripts/fetch.py"


rule fetch_text:
    output:
        "results/raw/{lang}/text/part{part}.txt",
    params:
        source=lambda w: settings("fetch", sources.text_sources(language(w))[int(w.part)]),
        cache=config["cache_dir"],
    log:
        "results/logs/fetch_text/{lang}.{part}.log",
    script:
        "../scripts/fetch.py"
