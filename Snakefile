# Specializing multilingual language models: a cached benchmark DAG (Chau & Smith 2021).
#
#   snakemake --cores 8                               the whole study in config.yaml (the default)
#   snakemake --profile profiles/demo                 the offline demo (demo/config.yaml)
#   snakemake --cores 8 results/tables/ner.csv        one task's table and what it needs


# The paper's study is the default; a --configfile on the command line replaces it (several
# --configfile flags are merged in order), so the demo never inherits the paper's languages.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"



# Every rule but the four training rules (build_base_model, pretrain, finetune,
# finetune_transfer) says `retries: 0`: their failures are bad inputs or bugs, and a retry
# prints the same message again. Training retries (SLURM profiles) to get more memory or time.
include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/prepare.smk"
include: "workflow/rules/transliterate.smk"
include: "workflow/rules/base_models.smk"
include: "workflow/rules/vocab.smk"
include: "workflow/rules/pretrain.smk"
include: "workflow/rules/tokenization.smk"
include: "workflow/rules/finetune.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        "results/tables/tokenization.csv",
        expand("results/tables/{task}.csv", task=config["study"]["tasks"]),
        "results/plots",
        "results/README.md",
        "results/tables/pretraining.csv" if pretrained_models() else [],
        ["results/tables/ner_transfer.csv", "results/tables/transfer_analysis.csv"] if config.get("transfer") else [],
    default_target: True
