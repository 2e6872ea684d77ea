"""The study's configuration: validation, and the views, variants and runs it describes.

Imported by the Snakefile at parse time, so it stays light (yaml and jsonschema only): every
SLURM job re-parses the workflow, and a slow import here is paid hundreds of times.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from specmlm import tracked
from specmlm.errors import ConfigError
from specmlm.identity import setting_name
from specmlm.representations import KINDS, Kind
from specmlm.settings import FinetuneSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
TASK_DATA = {"pos": "ud", "ud": "ud", "ner": "ner"}
DATA_CUT = ("max_train_sentences", "max_eval_sentences")  # fine-tuning settings that decide a view's sentences


def _dotted(path: Any) -> str:
    return ".".join(str(part) for part in path) or "<root>"


# JSON Schema's "integer" accepts 1.0; a seed or a count written 1.0 is a typo to refuse, not round.
_STRICT_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda checker, value: isinstance(value, int) and not isinstance(value, bool))
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_STRICT_TYPES)


def validate(config: dict[str, Any], configfiles: Sequence[str | Path] = (), schema_path: Path = SCHEMA_PATH) -> None:
    """Check everything about a config that can be known without running a job.

    ``configfiles`` are the files it was merged from, re-read for duplicate keys (a YAML loader
    keeps the last of two, silently). Then the schema, the cross-references it cannot express,
    the text split, that the study has runs, and that every local file it reads exists (paths
    are relative to the working directory). The first error found is raised as a
    :class:`ConfigError` naming its dotted key.
    """
    for path in configfiles:
        check_unique_keys(path)
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    validator = _Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        error = errors[-1] if errors[-1].validator != "oneOf" else errors[0]
        raise ConfigError(_dotted(error.absolute_path), error.message)
    _check_references(config)
    _check_exclude(config)
    _check_split(config)
    _check_not_empty(config)
    _check_local_files(config)


def check_unique_keys(path: str | Path) -> None:
    """Refuse a config file in which one mapping holds the same key twice."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{_shown(path)}:{mark.line + 1}" if mark else _shown(path)
        raise ConfigError("<root>", f"{where}: not valid YAML: {getattr(err, 'problem', err)}") from None
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())] if root is not None else []
    while stack:
        node, at = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack += [(item, (*at, str(i))) for i, item in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value)
                if name in first:
                    raise ConfigError(_dotted((*at, name)), f"appears twice in {_shown(path)} (lines {first[name]} and "
                                      f"{key.start_mark.line + 1}); YAML keeps only the last, so the first would be ignored")
                first[name] = key.start_mark.line + 1
                stack.append((value, (*at, name)))


def _shown(path: str | Path) -> str:
    """A config file's path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_references(config: dict[str, Any]) -> None:
    study = config["study"]
    for i, name in enumerate(study["variants"]):
        if name not in config["variants"]:
            raise ConfigError(f"study.variants.{i}", f"variant {name!r} is not defined under 'variants'")
    for i, seed in enumerate(study["seeds"]):
        if seed >= len(config["seed_sets"]):
            raise ConfigError(f"study.seeds.{i}", f"seed set {seed} does not exist; seed_sets has {len(config['seed_sets'])} entries")
    for i, lang in enumerate(study.get("languages", [])):
        if lang not in config["languages"]:
            raise ConfigError(f"study.languages.{i}", f"language {lang!r} is not defined under 'languages'")
    for name, variant in config["variants"].items():
        kind = KINDS[variant["kind"]]
        if kind.needs_base:
            if "base" not in variant:
                raise ConfigError(f"variants.{name}.base", f"a {variant['kind']!r} variant needs a base model")
            if variant["base"] not in config["base_models"]:
                raise ConfigError(f"variants.{name}.base", f"base model {variant['base']!r} is not defined under 'base_models'")
        if kind.needs_vocab_section:
            vocab = variant.get("vocab")
            if vocab not in config.get("vocab", {}):
                raise ConfigError(f"variants.{name}.vocab", f"vocabulary settings {vocab!r} are not defined under 'vocab'")
        for key in variant.get("finetune", {}):
            if key in FinetuneSettings.run_only():
                raise ConfigError(f"variants.{name}.finetune.{key}",
                                  "a run-only setting; set it in the shared 'finetune' section, which the script reads")
            if key in DATA_CUT:
                raise ConfigError(f"variants.{name}.finetune.{key}",
                                  "the data a view's runs see is the same for every variant, so that one trivial "
                                  "baseline fits them all; set it in 'finetune' or 'tasks.<task>.finetune'")
        section = kind.pretrain_section(variant)
        if kind.section_key and section not in config["pretrain"]:
            raise ConfigError(f"variants.{name}.{kind.section_key}", f"pretrain section {section!r} is not defined under 'pretrain'")
    _check_transfer(config)
    views: set[str] = set()
    for lang, entry in config["languages"].items():
        for task in study["tasks"]:
            if TASK_DATA[task] in entry and task not in entry["batch_size"]:
                raise ConfigError(f"languages.{lang}.batch_size.{task}", f"{lang} has {TASK_DATA[task]} data, so it needs batch sizes for {task}")
        for view in entry.get("translit", {}):
            if not view.startswith(lang + "-"):
                raise ConfigError(f"languages.{lang}.translit.{view}", f"a view of {lang} must be named '{lang}-<Script>'")
            if view in views:
                raise ConfigError(f"languages.{lang}.translit.{view}", "view name is used twice")
            views.add(view)


def _check_exclude(config: dict[str, Any]) -> None:
    """An exclusion that drops nothing is a typo or a stale line, and one that drops a run the
    transfer table needs would run anyway: refuse both rather than surprise."""
    study = Study(config)
    names = {"task": config["study"]["tasks"], "view": list(study.views), "variant": config["study"]["variants"]}
    for i, entry in enumerate(config["study"].get("exclude", [])):
        for key, value in entry.items():
            if value not in names[key]:
                raise ConfigError(f"study.exclude.{i}.{key}", f"{value!r} is not one of the study's {key}s ({', '.join(names[key])})")
        if not any(_matches(entry, run) for run in study.grid):
            raise ConfigError(f"study.exclude.{i}", f"{entry} matches no run of the study")
        needed = next((run for run in study.transfer_in_language if _matches(entry, run)), None)
        if needed:
            raise ConfigError(f"study.exclude.{i}", f"{entry} drops {needed.path}, the in-language run the transfer "
                              "table compares its cells with; narrow the entry, or take the variant out of transfer.variants")


def _matches(entry: dict[str, str], run: TaskRun) -> bool:
    return all(getattr(run, key) == value for key, value in entry.items())


def _check_split(config: dict[str, Any]) -> None:
    split = config["text_defaults"]["split"]
    total = sum(split.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ConfigError("text_defaults.split", f"train + valid + test sum to {total:g}; they must sum to 1")


def _check_not_empty(config: dict[str, Any]) -> None:
    study = Study(config)
    if not study.runs and not study.transfer_runs:
        tasks = ", ".join(config["study"]["tasks"])
        raise ConfigError("study", f"no runs: none of the study's languages ({', '.join(study.languages)}) has data for its tasks ({tasks})")


def used_languages(config: dict[str, Any]) -> list[str]:
    """The languages whose data some job reads: the study's, and the transfer sources."""
    sources = config.get("transfer", {}).get("sources", [])
    return list(dict.fromkeys([*Study(config).languages, *sources]))


def used_base_models(config: dict[str, Any]) -> list[str]:
    variants = [*config["study"]["variants"], *config.get("transfer", {}).get("variants", [])]
    return sorted({config["variants"][v]["base"] for v in variants if "base" in config["variants"][v]})


def _check_local_files(config: dict[str, Any]) -> None:
    used = [f"languages.{lang}" for lang in used_languages(config)] + [f"base_models.{b}" for b in used_base_models(config)]
    files = tracked.local_files(config)
    now = time.time()
    for prefix in used:
        for local in tracked.under(files, prefix):
            if not local.path.exists():
                raise ConfigError(local.key, f"{local.written} does not exist (relative paths start at the working directory, {Path.cwd()})")
            # Snakemake fails any job whose outputs are older than an input, ancient() or not.
            if local.path.stat().st_mtime > now:
                raise ConfigError(local.key, f"{local.path} was modified in the future ({time.ctime(local.path.stat().st_mtime)}), "
                                  "which would fail the job that reads it; `touch` it (the same bytes rerun nothing)")


def _check_transfer(config: dict[str, Any]) -> None:
    transfer = config.get("transfer")
    if not transfer:
        return
    languages = config["languages"]
    for i, source in enumerate(transfer["sources"]):
        if "ner" not in languages.get(source, {}):
            raise ConfigError(f"transfer.sources.{i}", f"{source!r} is not a language with NER data under 'languages'")
    in_study = config["study"].get("languages", list(languages))
    ner_views = {lang for lang in in_study if "ner" in languages[lang]}
    ner_views |= {view for lang in ner_views for view in languages[lang].get("translit", {})}
    for i, target in enumerate(transfer["targets"]):
        if target not in ner_views:
            raise ConfigError(f"transfer.targets.{i}", f"{target!r} is not a view of the study with NER data")
    for i, variant in enumerate(transfer["variants"]):
        if variant not in config["variants"]:
            raise ConfigError(f"transfer.variants.{i}", f"variant {variant!r} is not defined under 'variants'")


def load(path: str | Path) -> dict[str, Any]:
    """Read and validate a config file."""
    config = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        raise ConfigError("<root>", f"{path} does not hold a mapping")
    validate(config, [path])
    return config


def canonical(value: Any) -> str:
    """A key-sorted JSON rendering, so a rule's params change only when their content does."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class View:
    """A language in one script: the unit every stage after transliteration works on."""

    name: str
    language: str
    parent: str | None
    scheme: str | None
    has_ud: bool
    has_ner: bool
    has_text: bool

    def has(self, task: str) -> bool:
        return self.has_ud if TASK_DATA[task] == "ud" else self.has_ner


@dataclass(frozen=True)
class TaskRun:
    """One fine-tuning run of the study: a task on a view with a variant and a seed."""

    task: str
    view: str
    variant: str
    seed: int

    @property
    def path(self) -> str:
        return f"results/runs/{self.task}/{self.view}/{self.variant}/seed{self.seed}"


@dataclass(frozen=True)
class TransferRun:
    """NER trained on a source view (plus ``shots`` target sentences) and tested on a target."""

    source: str
    target: str
    variant: str
    shots: int
    seed: int

    @property
    def setting(self) -> str:
        return setting_name(self.shots)

    @property
    def path(self) -> str:
        return f"results/transfer/{self.source}/{self.target}/{self.setting}/{self.variant}/seed{self.seed}"


class Study:
    """The grid a config describes: views × variants × tasks × seeds, and each job's settings."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @cached_property
    def languages(self) -> list[str]:
        return list(self.config["study"].get("languages", self.config["languages"]))

    @cached_property
    def views(self) -> dict[str, View]:
        views: dict[str, View] = {}
        for lang in self.languages:
            entry = self.config["languages"][lang]
            flags = {"has_ud": "ud" in entry, "has_ner": "ner" in entry, "has_text": "text" in entry}
            views[lang] = View(lang, lang, None, None, **flags)
            for name, translit in entry.get("translit", {}).items():
                views[name] = View(name, lang, lang, translit["scheme"], **flags)
        return views

    def variant(self, name: str) -> dict[str, Any]:
        return self.config["variants"][name]

    def kind(self, variant: str) -> Kind:
        return KINDS[self.variant(variant)["kind"]]

    def variant_applies(self, view: View, variant: str) -> bool:
        """Variants that pretrain on the view's own text need that text."""
        return view.has_text or not self.kind(variant).needs_text

    @cached_property
    def grid(self) -> list[TaskRun]:
        """Every run the study's tasks, views, variants and seeds can form, before ``study.exclude``."""
        study = self.config["study"]
        return [
            TaskRun(task, view.name, variant, seed)
            for task in study["tasks"]
            for view in self.views.values()
            if view.has(task)
            for variant in study["variants"]
            if self.variant_applies(view, variant)
            for seed in study["seeds"]
        ]

    @cached_property
    def runs(self) -> list[TaskRun]:
        excluded = self.config["study"].get("exclude", [])
        return [run for run in self.grid if not any(_matches(entry, run) for entry in excluded)]

    @cached_property
    def transfer_runs(self) -> list[TransferRun]:
        transfer = self.config.get("transfer")
        if not transfer:
            return []
        return [
            TransferRun(source, target, variant, shots, seed)
            for source in transfer["sources"]
            for target in transfer["targets"]
            for variant in transfer["variants"]
            for shots in transfer["shots"]
            for seed in self.config["study"]["seeds"]
        ]

    @cached_property
    def transfer_in_language(self) -> list[TaskRun]:
        """The in-language NER runs each transfer cell is compared with."""
        transfer = self.config.get("transfer")
        if not transfer:
            return []
        return [TaskRun("ner", t, v, s) for t in transfer["targets"] for v in transfer["variants"] for s in self.config["study"]["seeds"]]


    def finetune_settings(self, task: str, variant: str) -> dict[str, Any]:
        """A run's fine-tuning settings from the config: the shared ``finetune`` section, then the
        task's own (``tasks.<task>.finetune``), then the variant's own settings; without
        the run-only ones (the script reads those itself), so that changing how often a run
        checkpoints reruns nothing."""
        merged = {**self._task_settings(task), **self.variant(variant).get("finetune", {})}
        return {key: value for key, value in merged.items() if key not in FinetuneSettings.run_only()}

    def data_cut(self, task: str) -> dict[str, int | None]:
        """The sentences every run of a task trains and is scored on, and so its trivial baselines:
        the task's own, as no variant may set a cut (``_check_references``)."""
        settings = self._task_settings(task)
        return {key: settings.get(key) for key in DATA_CUT}

    def _task_settings(self, task: str) -> dict[str, Any]:
        return {**self.config["finetune"], **self.config["tasks"][task].get("finetune", {})}

    def batch_size(self, task: str, view: str, variant: str) -> int:
        return self.batch_size_of_language(task, self.views[view].language, variant)

    def batch_size_of_language(self, task: str, language: str, variant: str) -> int:
        fixed = self.variant(variant).get("batch_size")
        if fixed is not None:
            return int(fixed)
        sizes = self.config["languages"][language]["batch_size"][task]
        return int(sizes.get(variant, sizes["default"]))

    def encoders(self) -> list[tuple[str, str]]:
        """Every (view, variant) whose encoder some run uses, in-language or as a transfer target."""
        pairs = {(r.view, r.variant) for r in self.runs} | {(r.target, r.variant) for r in self.transfer_runs}
        return sorted(pairs)

    def transfer_pairs(self) -> dict[str, Any]:
        """Source-target pairs with ISO 639-3 codes and scripts, for the typological distances."""
        pairs = []
        for source, target in sorted({(r.source, r.target) for r in self.transfer_runs}):
            target_view = self.views[target]
            source_entry = self.config["languages"][source]
            target_entry = self.config["languages"][target_view.language]
            target_script = target.split("-")[1] if target_view.parent else target_entry["script"]
            pairs.append({"source": source, "target": target, "source_iso": source_entry["iso639_3"],
                          "target_iso": target_entry["iso639_3"], "source_script": source_entry["script"],
                          "target_script": target_script})
        return {"pairs": pairs}

    def _paths(self, templates: dict[str, str], view: str, variant: str) -> dict[str, str]:
        return {name: template.format(view=view, variant=variant, base=self.variant(variant).get("base"))
                for name, template in templates.items()}

    def model_dir(self, view: str, variant: str) -> str:
        """Where the encoder of a run comes from: a shared base model or a per-view build."""
        return self._paths({"model": self.kind(variant).model_dir}, view, variant)["model"]

    def vocab_inputs(self, view: str, variant: str) -> dict[str, str]:
        return self._paths(self.kind(variant).vocab_inputs, view, variant)

    def model_inputs(self, view: str, variant: str) -> dict[str, str]:
        return self._paths(self.kind(variant).model_inputs, view, variant)

    def vocab_settings(self, variant: str) -> dict[str, Any]:
        """A vocabulary job's settings: the variant's vocab section, or its kind's keys of its pretrain section."""
        spec, kind = self.variant(variant), self.kind(variant)
        if kind.needs_vocab_section:
            own = self.config["vocab"][spec["vocab"]]
        else:
            section = self.config["pretrain"][kind.pretrain_section(spec)]
            own = {key: section[key] for key in kind.vocab_keys or ()}
        return {"kind": spec["kind"], **own}

    def pretrain_settings(self, variant: str) -> dict[str, Any]:
        """A pretraining job's settings: its pretrain section, and what it needs of its vocab section."""
        spec, kind = self.variant(variant), self.kind(variant)
        extra = {key: self.config["vocab"][spec["vocab"]][key] for key in kind.model_keys}
        return {"kind": spec["kind"], **self.config["pretrain"][kind.pretrain_section(spec)], **extra}

    def tokenizer(self, view: str, variant: str) -> tuple[str, str] | None:
        """(source, name) of the tokenizer a variant uses on a view: its base model's, its own, or none."""
        source = self.kind(variant).tokenizer
        if source is None:
            return None
        return source, self.variant(variant)["base"] if source == "base" else variant
