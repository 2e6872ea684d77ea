# Vocabularies: the augmented vocabulary (VA, with the base model it extends) or the
# from-scratch tokenizer of each view's variant, from the view's training text.


rule vocab:
    input:
        unpack(vocab_inputs),
    output:
        directory("results/vocab/{view}/{variant}"),
    params:
        settings=vocab_settings,
    retries: 0
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/vocab/{view}.{variant}.log",
    benchmark:
        "results/benchmarks/vocab/{view}.{variant}.tsv"
    script:
        "../scripts/vocab.py"
