"""Config validation names the key at fault; the study grid is what the paper describes."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from specmlm.config import Study, canonical, load, validate
from specmlm.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def paper() -> dict:
    return load(REPO / "config.yaml")


def test_paper_config_describes_the_whole_study(paper: dict) -> None:
    study = Study(paper)
    assert set(study.views) == {"be", "bg", "ga", "mt", "ug", "ug-Latn", "ur", "vi", "wo", "mhr", "mhr-Latn"}
    # PAPER §1: 3 tasks x 8 languages x 5 representations x 5 seeds + 100 transliterated runs.
    assert len(study.runs) == 700
    # The extension: English -> 10 NER views x 6 variants x 3 shot settings x 5 seeds.
    assert len(study.transfer_runs) == 900
    assert study.transfer_runs[0].path == "results/transfer/en/be/zero_shot/mbert/seed0"
    assert len({(r.task, r.view) for r in study.runs if r.view.endswith("-Latn")}) == 4
    assert study.batch_size("ud", "be", "va") == 64
    assert study.batch_size("ud", "be", "lapt") == 32
    assert study.batch_size("ner", "ur", "roberta") == 16
    assert study.batch_size("pos", "ga", "fasttext") == 128
    assert study.model_dir("ug", "mbert") == "results/base/mbert"
    assert study.model_dir("ug-Latn", "va") == "results/models/ug-Latn/va"


def test_finetune_settings_merge_shared_task_and_variant(paper: dict) -> None:
    config = copy.deepcopy(paper)
    config["tasks"]["ud"]["finetune"] = {"max_epochs": 40, "patience": 5, "freeze_encoder_epochs": 0}
    config["variants"]["fasttext"]["finetune"] = {"weight_decay": 0.0, "patience": 7}
    validate(config)
    study = Study(config)
    ud_mbert = study.finetune_settings("ud", "mbert")
    assert (ud_mbert["max_epochs"], ud_mbert["patience"], ud_mbert["freeze_encoder_epochs"]) == (40, 5, 0)
    assert ud_mbert["lr_encoder"] == 5e-5 and "checkpoint_every_s" not in ud_mbert
    assert study.finetune_settings("pos", "mbert")["max_epochs"] == 200  # the shared section
    assert study.finetune_settings("ud", "fasttext")["patience"] == 7  # the variant's own wins
    assert study.finetune_settings("ud", "fasttext")["weight_decay"] == 0.0


def test_demo_config_is_valid() -> None:
    study = Study(load(REPO / "demo" / "config.yaml"))
    assert {"ug", "ug-Latn", "wo", "mt"} == set(study.views)


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (lambda c: c["finetune"].update(max_epochs=0), "finetune.max_epochs", "less than the minimum"),
        (lambda c: c["finetune"].update(max_epoch=3), "finetune", "Additional properties"),
        (lambda c: c["languages"]["ug"]["ud"].update(pos_column="lemma"), "languages.ug.ud.pos_column", "is not one of"),
        (lambda c: c["study"]["variants"].append("xlmr_mlm"), "study.variants.5", "not defined under 'variants'"),
        (lambda c: c["study"]["seeds"].append(9), "study.seeds.5", "seed set 9 does not exist"),
        (lambda c: c["variants"]["lapt"].update(base="xlm"), "variants.lapt.base", "base model 'xlm'"),
        (lambda c: c["variants"]["va"].update(finetune={"checkpoint_every_s": 60}), "variants.va.finetune.checkpoint_every_s", "run-only setting"),
        (lambda c: c["finetune"].update(checkpoint_every_s=-1), "finetune.checkpoint_every_s", "less than the minimum"),
        (lambda c: c["tasks"]["ud"].update(finetune={"lr_head": 0.1}), "tasks.ud.finetune", "Additional properties"),
        (lambda c: c["tasks"]["pos"].update(finetune={"patience": 0}), "tasks.pos.finetune.patience", "less than the minimum"),
        (lambda c: c["languages"]["ug"]["translit"].update({"ug-Cyrl": {"scheme": "klingon"}}), "languages.ug.translit.ug-Cyrl.scheme", "is not one of"),
        (lambda c: c["languages"]["ga"]["batch_size"].pop("ner"), "languages.ga.batch_size.ner", "needs batch sizes for ner"),
        (lambda c: c["transfer"]["targets"].append("wo"), "transfer.targets.10", "not a view of the study with NER data"),
        (lambda c: c["transfer"]["sources"].append("xx"), "transfer.sources.1", "not a language with NER data"),
        (lambda c: c["downloads"].pop("cache_dir"), "downloads", "'cache_dir' is a required property"),
        (lambda c: c["languages"]["ug"]["ud"].pop("source"), "languages.ug.ud", "is not valid under any of the given schemas"),
    ],
)
def test_config_errors_name_the_key(paper: dict, edit, key: str, message: str) -> None:
    config = copy.deepcopy(paper)
    edit(config)
    with pytest.raises(ConfigError) as err:
        validate(config)
    assert err.value.key == key
    assert message in str(err.value)


def test_canonical_ignores_dict_order() -> None:
    assert canonical({"b": 1, "a": {"y": 2, "x": 3}}) == canonical({"a": {"x": 3, "y": 2}, "b": 1})


def test_a_language_is_added_by_config_alone(paper: dict) -> None:
    config = copy.deepcopy(paper)
    config["languages"]["kk"] = yaml.safe_load(
        """
        name: Kazakh
        iso639_3: kaz
        script: Cyrl
        type: 0
        in_mbert: true
        ner: {format: wikiann, source: {lang: kk}}
        text: {source: {lang: kk, source: hf-snapshot, snapshot: "20231101", shards: 1}}
        translit: {kk-Latn: {scheme: uroman}}
        batch_size: {ner: {default: 32}}
        """
    )
    config["study"]["languages"].append("kk")
    validate(config)
    runs = [r for r in Study(config).runs if r.view.startswith("kk")]
    assert {r.view for r in runs} == {"kk", "kk-Latn"}
    assert {r.task for r in runs} == {"ner"}
    assert len(runs) == 2 * 5 * 5
