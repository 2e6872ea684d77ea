"""Per-stage version numbers, carried in every rule's params.

Snakemake reruns a job when its params change but cannot see this package's code. Bump a
stage's number whenever a change here alters that stage's outputs, and exactly the jobs of
that stage (and what depends on them) run again.
"""

VERSIONS: dict[str, int] = {
    "fetch_ud": 1,
    "fetch_ner": 1,
    "fetch_text": 2,
    "prepare": 2,
    "transliterate": 1,
    "tokenizer": 1,
    "tokstats": 2,
    "base_model": 2,
    "vocab": 1,
    "pretrain": 3,
    "fasttext": 1,
    "finetune": 3,
    "aggregate": 4,
    "baselines": 1,
}
