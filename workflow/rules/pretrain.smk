# Adapted encoders: fastText, from-scratch RoBERTa, LAPT and VA + LAPT of every view, from
# the base models and vocabularies of the two files before.


rule pretrain:
    input:
        unpack(model_inputs),
    output:
        directory("results/models/{view}/{variant}"),
    params:
        settings=model_settings,
        checkpoints=lambda w: checkpoint_dir("pretrain", w.view, w.variant),
    threads: 2
    resources:
        gpu=gpus,
    conda:
        "../../envs/specmlm.yaml"
    log:
        "results/logs/pretrain/{view}.{variant}.log",
    benchmark:
        "results/benchmarks/pretrain/{view}.{variant}.tsv"
    script:
        "../scripts/pretrain.py"
