# Specializing multilingual language models: a cached benchmark DAG (Chau & Smith 2021).
#
#   snakemake --cores 8                               the whole study in config.yaml
#   snakemake --cores 2 --configfile demo/config.yaml the offline demo
#   snakemake --cores 8 results/tables/ner.csv        one task's table and what it needs


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/prepare.smk"
include: "workflow/rules/transliterate.smk"
include: "workflow/rules/tokenization.smk"


rule all:
    input:
        "results/tables/tokenization.csv",
    default_target: True
