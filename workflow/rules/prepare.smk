# Prepare: validated UD and NER splits, and the cleaned, de-leaked, split unlabelled corpus,
# per language, in results/data/{lang}/ (the file contracts in DESIGN.md).


rule prepare_ud:
    input:
        train="results/raw/{lang}/ud/train.conllu",
        dev="results/raw/{lang}/ud/dev.conllu",
        test="results/raw/{lang}/ud/test.conllu",
    output:
        train="results/data/{lang}/ud/train.conllu",
        dev="results/data/{lang}/ud/dev.conllu",
        test="results/data/{lang}/ud/test.conllu",
        report="results/data/{lang}/ud/report.json",
    params:
        settings=lambda w: settings("prepare", {"pos_column": language(w)["ud"]["pos_column"]}),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/prepare_ud/{lang}.log",
    benchmark:
        "results/benchmarks/prepare_ud/{lang}.tsv"
    script:
        "../scripts/prepare_ud.py"


rule prepare_ner:
    input:
        train="results/raw/{lang}/ner/train.txt",
        dev="results/raw/{lang}/ner/dev.txt",
        test="results/raw/{lang}/ner/test.txt",
    output:
        train="results/data/{lang}/ner/train.tsv",
        dev="results/data/{lang}/ner/dev.tsv",
        test="results/data/{lang}/ner/test.tsv",
        report="results/data/{lang}/ner/report.json",
    params:
        settings=lambda w: settings(
            "prepare",
            {
                "format": language(w)["ner"]["format"],
                "drop_types": language(w)["ner"].get("drop_types", []),
                "max_sentences": language(w)["ner"].get("max_sentences"),
            },
        ),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/prepare_ner/{lang}.log",
    benchmark:
        "results/benchmarks/prepare_ner/{lang}.tsv"
    script:
        "../scripts/prepare_ner.py"


rule prepare_text:
    input:
        text=raw_text_files,
        leaks=leak_sources,
    output:
        train="results/data/{lang}/text/train.txt",
        valid="results/data/{lang}/text/valid.txt",
        test="results/data/{lang}/text/test.txt",
        report="results/data/{lang}/text/report.json",
    params:
        settings=lambda w: settings(
            "prepare",
            {
                **config["text_defaults"],
                "format": sources.text_format(language(w)["text"]),
                "origin": "wikipedia" if "source" in language(w)["text"] else "local",
                "lines_per_document": language(w)["text"].get("lines_per_document"),
                "max_train_tokens": language(w)["text"].get("max_train_tokens", config["text_defaults"]["max_train_tokens"]),
            },
        ),
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/prepare_text/{lang}.log",
    benchmark:
        "results/benchmarks/prepare_text/{lang}.tsv"
    script:
        "../scripts/prepare_text.py"
