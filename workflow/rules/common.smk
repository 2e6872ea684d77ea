# Config validation, the study grid and the input functions every rule file uses.
# Import-light on purpose: SLURM jobs re-parse this file (no torch, no transformers here).

import json

from snakemake.utils import min_version

from specmlm.config import Study, canonical, validate
from specmlm.stages import VERSIONS

min_version("9.0")

validate(config)
STUDY = Study(config)
VIEWS = STUDY.views
LANGS = [v for v in VIEWS if VIEWS[v].parent is None]


wildcard_constraints:
    lang="[a-z]{2,3}",
    view="[a-z]{2,3}(-[A-Z][a-z]{3})?",
    translit="[a-z]{2,3}-[A-Z][a-z]{3}",
    split="train|dev|test",
    tsplit="train|valid|test",
    task="pos|ud|ner",
    variant="[a-z][a-z0-9_]*",
    base="[a-z][a-z0-9_]*",
    seed="[0-9]+",


def settings(stage, value):
    """A rule's params: its own config slice, key-sorted, with the stage's code version."""
    return canonical({"version": VERSIONS[stage], "settings": value})


def language(wildcards):
    return config["languages"][wildcards.lang]


def parent(wildcards):
    """The language a transliterated view is made from."""
    return VIEWS[wildcards.translit].parent


def view_datasets(view):
    entry = VIEWS[view]
    return [d for d, present in (("ud", entry.has_ud), ("ner", entry.has_ner), ("text", entry.has_text)) if present]


def prepared_files(view):
    """Every prepared file of a view (what tokenization statistics and the views rely on)."""
    names = {"ud": ["train.conllu", "dev.conllu", "test.conllu"],
             "ner": ["train.tsv", "dev.tsv", "test.tsv"],
             "text": ["train.txt", "valid.txt", "test.txt"]}
    return [f"results/data/{view}/{d}/{n}" for d in view_datasets(view) for n in names[d]]
