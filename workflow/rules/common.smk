# Config validation, the study grid and the input functions every rule file uses.
# Import-light on purpose: SLURM jobs re-parse this file (no torch, no transformers here).

import sys

from snakemake.utils import min_version

from specmlm import tracked
from specmlm.config import Study, canonical, validate
from specmlm.download import sources
from specmlm.errors import ConfigError
from specmlm.identity import IN_LANGUAGE, SETTING_PATTERN, shots_of
from specmlm.stages import VERSIONS

min_version("9.0")

# A config mistake is one line naming the key (and file and line), no traceback: Snakemake
# prints any exception raised here with the frames of this file, so exit with the message.
try:
    validate(config, workflow.configfiles)
except ConfigError as err:
    sys.exit(str(err))


STUDY = Study(config)
VIEWS = STUDY.views


wildcard_constraints:
    lang="[a-z]{2,3}",
    view="[a-z]{2,3}(-[A-Z][a-z]{3})?",
    translit="[a-z]{2,3}-[A-Z][a-z]{3}",
    split="train|dev|test",
    task="pos|ud|ner",
    variant="[a-z][a-z0-9_]*",
    base="[a-z][a-z0-9_]*",
    seed="[0-9]+",


def settings(stage, value, content=None):
    """A rule's params: its own config slice, key-sorted, with the stage's code version, and
    the content of the local files it reads (local_content; absent when there are none, so a
    study of remote sources has the params it always had)."""
    return canonical({"version": VERSIONS[stage], "settings": value, **({"content": content} if content else {})})


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


# --- local files ----------------------------------------------------------

LOCAL_FILES = tracked.local_files(config)


def local_inputs(*prefixes):
    """The local files under these config keys, as inputs whose timestamps never rerun a job:
    their content (local_content, in the rule's settings) does. Why: src/specmlm/tracked.py."""
    return [ancient(str(f.path)) for prefix in prefixes for f in tracked.under(LOCAL_FILES, prefix)]


def local_content(*prefixes):
    return {key: digests for prefix in prefixes for key, digests in tracked.content(tracked.under(LOCAL_FILES, prefix)).items()}


# --- download -----------------------------------------------------------

FETCH_KEYS = ("treebank", "source", "files", "sha256")


def fetch_params(dataset):
    """Where the dataset comes from and the download settings: a changed pin refetches, a
    changed preparation setting (lines_per_document, say) does not."""

    def params(w):
        entry = {key: value for key, value in language(w)[dataset].items() if key in FETCH_KEYS}
        where = f"languages.{w.lang}.{dataset}"
        return settings(f"fetch_{dataset}", {"entry": entry, "downloads": config["downloads"], "where": where}, local_content(where))

    return params


# --- prepare ------------------------------------------------------------

def raw_text_files(wildcards):
    return [f"results/raw/{wildcards.lang}/text/{name}" for name in sources.raw_files("text", language(wildcards)["text"])]


def leak_sources(wildcards):
    """Every labelled split of the language: unlabelled lines equal to one are removed."""
    entry = VIEWS[wildcards.lang]
    files = []
    if entry.has_ud:
        files += expand("results/data/{lang}/ud/{split}.conllu", lang=wildcards.lang, split=["train", "dev", "test"])
    if entry.has_ner:
        files += expand("results/data/{lang}/ner/{split}.tsv", lang=wildcards.lang, split=["train", "dev", "test"])
    return files


# --- transliterate ------------------------------------------------------

def translit_settings(wildcards):
    lang = parent(wildcards)
    scheme = config["languages"][lang]["translit"][wildcards.translit]["scheme"]
    return settings("transliterate", {"scheme": scheme, "language": config["languages"][lang]["iso639_3"]})


# --- base models --------------------------------------------------------

FETCHED_BASES = [b for b, spec in config["base_models"].items() if "source" in spec] or ["none"]


BUILT_BASES = [b for b, spec in config["base_models"].items() if "build" in spec] or ["none"]


def base_source(wildcards):
    """A base model's config entry with the download settings it is fetched under."""
    where = f"base_models.{wildcards.base}"
    return settings("base_model", {"entry": config["base_models"][wildcards.base], "downloads": config["downloads"], "where": where},
                    local_content(f"{where}.source"))


def checkpoint_dir(stage, *parts):
    """Training checkpoints live outside declared outputs, which Snakemake wipes before a rerun."""
    return "results/checkpoints/" + "/".join((stage,) + parts)


# --- variants: what each kind needs is its entry in specmlm.representations.KINDS --------

def model_dir(wildcards):
    return STUDY.model_dir(wildcards.view, wildcards.variant)


def gpus(wildcards):
    return STUDY.kind(wildcards.variant).gpu


# --- vocab --------------------------------------------------------------

def vocab_inputs(wildcards):
    return STUDY.vocab_inputs(wildcards.view, wildcards.variant)


def vocab_settings(wildcards):
    return settings("vocab", STUDY.vocab_settings(wildcards.variant))


# --- pretrain -----------------------------------------------------------

def model_inputs(wildcards):
    return STUDY.model_inputs(wildcards.view, wildcards.variant)


def pretrained_models():
    """[view, variant, kind] of every masked-LM encoder a run uses (what held-out losses exist for)."""
    return [[view, variant, STUDY.variant(variant)["kind"]] for view, variant in STUDY.encoders()
            if STUDY.kind(variant).masked_lm]


def model_settings(wildcards):
    return settings("pretrain", STUDY.pretrain_settings(wildcards.variant))


# --- tokenization -------------------------------------------------------

def tokenizer_sources():
    """(view, source, name) for each tokenizer a run of the study uses on a view."""
    found = {(view, *STUDY.tokenizer(view, variant)) for view, variant in STUDY.encoders() if STUDY.tokenizer(view, variant)}
    return sorted(found)


def view_facts():
    """Language, script and type of each view, for the tables (a -Latn view is in Latin script)."""
    facts = {}
    for name, view in VIEWS.items():
        entry = config["languages"][view.language]
        script = name.split("-")[1] if view.parent else entry["script"]
        facts[name] = {"language": view.language, "script": script, "type": entry["type"]}
    return facts


def tokenizer_dir(wildcards):
    if wildcards.source == "base":
        return f"results/tokenizers/{wildcards.name}"
    return f"results/vocab/{wildcards.view}/{wildcards.name}"


# --- finetune -----------------------------------------------------------

def task_files(task, view):
    """A view's prepared train, dev and test files of a task."""
    dataset = config["tasks"][task]["data"]
    suffix = "conllu" if dataset == "ud" else "tsv"
    return expand("results/data/{view}/{dataset}/{split}.{suffix}", view=view, dataset=dataset, split=["train", "dev", "test"], suffix=suffix)


def run_data(wildcards):
    return task_files(wildcards.task, wildcards.view)


def run_settings(wildcards):
    view = VIEWS[wildcards.view]
    lang = config["languages"][view.language]
    return settings(
        "finetune",
        {
            **STUDY.finetune_settings(wildcards.task, wildcards.variant),
            "task": wildcards.task,
            "batch_size": STUDY.batch_size(wildcards.task, wildcards.view, wildcards.variant),
            "seed_set": config["seed_sets"][int(wildcards.seed)],
            "pos_column": lang["ud"]["pos_column"] if "ud" in lang else None,
        },
    )


def baseline_cells():
    """Every (task, view) of the study's runs, with the prepared files its trivial baseline reads."""
    cells = []
    for task, view in dict.fromkeys((run.task, run.view) for run in STUDY.runs):
        lang = config["languages"][VIEWS[view].language]
        files = task_files(task, view)
        cells.append({"task": task, "view": view, "pos_column": lang["ud"]["pos_column"] if "ud" in lang else None,
                      "files": dict(zip(("train", "dev", "test"), files, strict=True)), **STUDY.data_cut(task)})
    return cells


# --- transfer -----------------------------------------------------------

def transfer_settings(wildcards):
    return settings(
        "finetune",
        {
            **STUDY.finetune_settings("ner", wildcards.variant),
            "task": "ner",
            "batch_size": STUDY.batch_size_of_language("ner", wildcards.source, wildcards.variant),
            "seed_set": config["seed_sets"][int(wildcards.seed)],
            "pos_column": None,
            "shots": shots_of(wildcards.setting),
        },
    )


def transfer_baseline_cells():
    """Every (source, target, setting) of the transfer table, with the files its trivial baseline
    reads: what that setting's runs train on (finetune_transfer's train and the target's own
    train for few-shot), and the target's splits; an in-language cell is its own source."""
    cells = []
    trained = dict.fromkeys((r.source, r.target, r.setting, r.shots) for r in STUDY.transfer_runs)
    for source, target, setting, shots in trained:
        cells.append({"source": source, "target": target, "setting": setting, "shots": shots,
                      "train_files": task_files("ner", source)[:1],
                      "files": dict(zip(("train", "dev", "test"), task_files("ner", target), strict=True)),
                      **STUDY.data_cut("ner")})
    for target in dict.fromkeys(r.view for r in STUDY.transfer_in_language):
        files = dict(zip(("train", "dev", "test"), task_files("ner", target), strict=True))
        cells.append({"source": target, "target": target, "setting": IN_LANGUAGE, "shots": 0,
                      "train_files": [files["train"]], "files": files, **STUDY.data_cut("ner")})
    return cells


# --- report -------------------------------------------------------------

def corpus_reports():
    """Language -> the prepare report of each unlabelled corpus some encoder of the study is trained on."""
    languages = {VIEWS[view].language for view, variant in STUDY.encoders() if STUDY.kind(variant).needs_text}
    return {lang: f"results/data/{lang}/text/report.json" for lang in sorted(languages)}


def table_inputs(wildcards=None):
    tables = {task: f"results/tables/{task}.csv" for task in config["study"]["tasks"]}
    tables["baselines"] = "results/tables/baselines.csv"
    tables["learning_curves"] = "results/tables/learning_curves.csv"
    tables["tokenization"] = "results/tables/tokenization.csv"
    if config.get("transfer"):  # the summary states the transfer study's answer
        tables["ner_transfer"] = "results/tables/ner_transfer.csv"
    return tables
