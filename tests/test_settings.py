"""The settings layer: the dataclasses agree with the config schema, and a bad value names its key."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from specmlm.config import SCHEMA_PATH
from specmlm.errors import ConfigError
from specmlm.settings import (
    Bounds,
    FastTextSettings,
    FinetuneSettings,
    LaptSettings,
    MlmSettings,
    ScratchSettings,
    Settings,
    TinyBaseSettings,
    VocabSettings,
    job_settings,
)

SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
PROPERTIES = SCHEMA["properties"]

# (schema section, its properties, the settings classes it feeds, the fields the workflow or code sets instead)
SECTIONS: list[tuple[str, dict[str, Any], tuple[type[Settings], ...], set[str]]] = [
    ("finetune", PROPERTIES["finetune"]["properties"], (FinetuneSettings,),
     {"seed_set", "batch_size", "bias_correction", "pos_column", "threads", "train_files", "shots", "dev_file"}),
    ("pretrain.<lapt, scratch>", PROPERTIES["pretrain"]["additionalProperties"]["properties"],
     (LaptSettings, ScratchSettings),
     {"short_seq_prob", "max_grad_norm", "eval_batch_size", "threads", "log_every", "new_rows_file",
      "max_position_embeddings"}),
    ("pretrain.fasttext", PROPERTIES["pretrain"]["properties"]["fasttext"]["properties"], (FastTextSettings,),
     {"threads"}),
    ("vocab.<name>", PROPERTIES["vocab"]["additionalProperties"]["properties"], (VocabSettings,), set()),
]


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolved(SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]])
    return node


def schema_bounds(node: dict[str, Any]) -> dict[str, Any]:
    """A schema property's words (type, bounds, choices, null), its ``anyOf`` branches merged."""
    node = _resolved(node)
    said: dict[str, Any] = {"choices": set(), "nullable": False}
    for branch in [_resolved(b) for b in node.get("anyOf", [node])]:
        if branch.get("type") == "null":
            said["nullable"] = True
            continue
        said["choices"] |= set(branch.get("enum", [])) | ({branch["const"]} if "const" in branch else set())
        for word in ("type", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
            if word in branch:
                said[word] = branch[word]
    return said


def field_bounds(cls: type[Settings], name: str) -> Bounds:
    return cls.__dataclass_fields__[name].metadata["bounds"]


@pytest.mark.parametrize(("section", "properties", "classes", "not_in_config"), SECTIONS, ids=[s[0] for s in SECTIONS])
def test_the_dataclasses_have_the_schemas_keys_and_bounds(section: str, properties: dict[str, Any],
                                                          classes: tuple[type[Settings], ...], not_in_config: set[str]) -> None:
    names = {f.name for cls in classes for f in fields(cls)}
    assert set(properties) == names - not_in_config
    for cls in classes:
        for name in set(properties) & {f.name for f in fields(cls)}:
            said, bounds = schema_bounds(properties[name]), field_bounds(cls, name)
            where = f"{section}.{name} in {cls.__name__}"
            assert said["nullable"] == bounds.nullable, where
            if said["choices"] and bounds.choices:
                assert said["choices"] == set(bounds.choices), where
            if "type" in said and bounds.kind is not None:
                assert said["type"] == bounds.kind, where
            for pair in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
                schema_side = tuple(said.get(word) for word in pair)
                ours = (getattr(bounds, pair[0]), getattr(bounds, pair[1].replace("M", "_m")))
                if any(v is not None for v in schema_side) and any(v is not None for v in ours):
                    assert schema_side == ours, where


def test_the_schema_requires_what_has_no_default() -> None:
    required = {f.name for f in fields(VocabSettings) if f.default is MISSING and f.default_factory is MISSING}
    assert set(PROPERTIES["vocab"]["additionalProperties"]["required"]) == required


def test_choices_name_the_code_that_runs_them() -> None:
    from specmlm.mlm.pretrain import SELECTIONS, TRAINING_DATA
    from specmlm.vocab.rows import INITS
    from specmlm.vocab.tokenizer import METHODS

    assert set(field_bounds(MlmSettings, "instances").choices) == set(TRAINING_DATA)
    assert set(field_bounds(MlmSettings, "selection").choices) == set(SELECTIONS)
    assert set(field_bounds(VocabSettings, "method").choices) == set(METHODS)
    assert set(field_bounds(VocabSettings, "init").choices) == set(INITS)


def test_run_only_settings_are_marked_on_the_fields() -> None:
    assert FinetuneSettings.run_only() == ("threads", "checkpoint_every_s")
    assert LaptSettings.run_only() == ("threads", "log_every", "new_rows_file")
    assert ScratchSettings.run_only() == TinyBaseSettings.run_only() == ("threads", "log_every")
    assert FastTextSettings.run_only() == ("threads",)
    assert VocabSettings.run_only() == ()
    settings = FinetuneSettings.of({"threads": 4, "checkpoint_every_s": 0})
    assert set(settings) - set(settings.numbers()) == {"threads", "checkpoint_every_s"}


def test_defaults_then_given_defaults_then_values() -> None:
    settings = FinetuneSettings.of({"lr_head": 2e-3}, {"batch_size": 128, "lr_head": 1.0})
    assert (settings["batch_size"], settings["lr_head"], settings["lr_encoder"]) == (128, 2e-3, 5e-5)
    assert dict(settings)["seed_set"] == {"numpy": 1337, "torch": 133, "python": 13370}
    scratch = ScratchSettings.of({})
    assert (scratch["lr"], scratch["warmup_steps"], scratch["dupe_factor"], scratch["max_seq_length"]) == (1e-4, "epoch", 1, 128)


@pytest.mark.parametrize(("cls", "values", "key", "message"), [
    (FinetuneSettings, {"layer_dropout": 1}, "layer_dropout", "expected a number in [0, 1), found 1"),
    (FinetuneSettings, {"lr_encoder": 0}, "lr_encoder", "expected a positive number, found 0"),
    (FinetuneSettings, {"max_epochs": True}, "max_epochs", "expected a positive integer, found True"),
    (FinetuneSettings, {"pos_column": "feats"}, "pos_column", 'expected null or one of "upos", "xpos", found \'feats\''),
    (FinetuneSettings, {"grad_clip": 0}, "grad_clip", "expected a positive number, found 0"),
    (FinetuneSettings, {"lr": 1e-3}, "lr", "unknown fine-tuning setting"),
    (LaptSettings, {"warmup_steps": "year"}, "warmup_steps", 'expected a non-negative integer or "epoch", found \'year\''),
    (LaptSettings, {"max_seq_length": 1024}, "max_seq_length", "expected an integer in [8, 512], found 1024"),
    (ScratchSettings, {"hidden": 100}, "heads", "hidden (100) must be a multiple of heads (12)"),
    (ScratchSettings, {"max_position_embeddings": 100}, "max_seq_length", "max_seq_length + 2 must not exceed"),
    (VocabSettings, {"vocab_size": 5000}, "min_frequency", "missing; expected a positive integer"),
    (FastTextSettings, {"model": "cbow2"}, "model", 'expected one of "skipgram", "cbow", found \'cbow2\''),
])
def test_a_bad_value_names_its_key(cls: type[Settings], values: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        cls.of(values)
    assert error.value.key == key
    assert message in str(error.value)


def test_a_job_gets_its_run_only_values_back() -> None:
    params = json.dumps({"version": 3, "settings": {"task": "pos", "patience": 5}})
    job = SimpleNamespace(params=SimpleNamespace(settings=params), threads=3)
    config = {"patience": 20, "checkpoint_every_s": 0}
    assert job_settings(job, FinetuneSettings, config) == {"task": "pos", "patience": 5, "threads": 3,
                                                            "checkpoint_every_s": 0}
    assert job_settings(job, VocabSettings) == {"task": "pos", "patience": 5}
    nested = SimpleNamespace(params=SimpleNamespace(settings=json.dumps({"settings": {"build": {"kind": "x"}}})), threads=2)
    assert job_settings(nested, TinyBaseSettings, within="build") == {"build": {"kind": "x", "threads": 2}}
