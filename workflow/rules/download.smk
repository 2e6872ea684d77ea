# Download: every raw file of the study, verified and cached, fetched once.
# These rules need the network, so the SLURM profile runs them on the submit host (localrules).

from specmlm import sources

localrules: fetch_ud, fetch_ner, fetch_text


FETCH_KEYS = ("treebank", "source", "files", "sha256")


def fetch_params(dataset):
    """Where the dataset comes from and the download settings: a changed pin refetches, a
    changed preparation setting (lines_per_document, say) does not."""

    def params(w):
        entry = {key: value for key, value in language(w)[dataset].items() if key in FETCH_KEYS}
        return settings("fetch", {"entry": entry, "downloads": config["downloads"], "where": f"languages.{w.lang}.{dataset}"})

    return params


rule fetch_ud:
    output:
        expand("results/raw/{{lang}}/ud/{split}.conllu", split=["train", "dev", "test"]),
    params:
        settings=fetch_params("ud"),
    log:
        "results/logs/fetch/{lang}.ud.log",
    script:
        "../scripts/fetch.py"


rule fetch_ner:
    output:
        expand("results/raw/{{lang}}/ner/{split}.txt", split=["train", "dev", "test"]),
    params:
        settings=fetch_params("ner"),
    log:
        "results/logs/fetch/{lang}.ner.log",
    script:
        "../scripts/fetch.py"


rule fetch_text:
    output:
        "results/raw/{lang}/text/corpus.txt",
    params:
        settings=fetch_params("text"),
    log:
        "results/logs/fetch/{lang}.text.log",
    script:
        "../scripts/fetch.py"
