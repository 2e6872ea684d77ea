# Transliterate: a view of a language in another script (ug -> ug-Latn). Every form, token
# and line goes through one scheme; labels, heads and token counts are untouched.


rule transliterate_ud:
    input:
        lambda w: expand("results/data/{lang}/ud/{split}.conllu", lang=parent(w), split=["train", "dev", "test"]),
    output:
        expand("results/data/{{translit}}/ud/{split}.conllu", split=["train", "dev", "test"]),
    params:
        settings=translit_settings,
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/transliterate/{translit}.ud.log",
    benchmark:
        "results/benchmarks/transliterate/{translit}.ud.tsv"
    script:
        "../scripts/transliterate.py"


rule transliterate_ner:
    input:
        lambda w: expand("results/data/{lang}/ner/{split}.tsv", lang=parent(w), split=["train", "dev", "test"]),
    output:
        expand("results/data/{{translit}}/ner/{split}.tsv", split=["train", "dev", "test"]),
    params:
        settings=translit_settings,
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/transliterate/{translit}.ner.log",
    benchmark:
        "results/benchmarks/transliterate/{translit}.ner.tsv"
    script:
        "../scripts/transliterate.py"


rule transliterate_text:
    input:
        lambda w: expand("results/data/{lang}/text/{split}.txt", lang=parent(w), split=["train", "valid", "test"]),
    output:
        expand("results/data/{{translit}}/text/{split}.txt", split=["train", "valid", "test"]),
    params:
        settings=translit_settings,
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/transliterate/{translit}.text.log",
    benchmark:
        "results/benchmarks/transliterate/{translit}.text.tsv"
    script:
        "../scripts/transliterate.py"
