"""Config validation names the key at fault; the study grid is what the paper describes."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml

from specmlm.config import Study, canonical, check_unique_keys, load, validate
from specmlm.errors import ConfigError
from specmlm.representations import KINDS
from tests.workflow_utils import snakemake

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


def test_a_tasks_data_cut_is_its_own_and_every_variants(paper: dict) -> None:
    config = copy.deepcopy(paper)
    config["finetune"]["max_eval_sentences"] = 80
    config["tasks"]["pos"]["finetune"] = {"max_train_sentences": 600, "max_eval_sentences": 200}
    validate(config)
    study = Study(config)
    assert study.data_cut("pos") == {"max_train_sentences": 600, "max_eval_sentences": 200}
    assert study.data_cut("ud") == {"max_train_sentences": None, "max_eval_sentences": 80}
    for variant in config["variants"]:
        settings = study.finetune_settings("pos", variant)
        assert {key: settings[key] for key in study.data_cut("pos")} == study.data_cut("pos")


def test_each_kind_is_one_entry_the_rules_read(paper: dict) -> None:
    """What every job of a variant reads follows from its kind's entry in representations.KINDS."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
    assert sorted(schema["properties"]["variants"]["additionalProperties"]["properties"]["kind"]["enum"]) == sorted(KINDS)
    config = copy.deepcopy(paper)
    config["pretrain"]["short"] = {**config["pretrain"]["lapt"], "epochs": 2}
    config["variants"]["xlmr_va"]["lapt"] = "short"
    validate(config)
    study = Study(config)
    text = {"train": "results/data/mt/text/train.txt", "valid": "results/data/mt/text/valid.txt"}
    assert study.vocab_inputs("mt", "xlmr_va") == {"text": "results/data/mt/text/train.txt", "base": "results/base/xlmr"}
    assert study.vocab_inputs("mt", "roberta") == {"text": "results/data/mt/text/train.txt"}
    assert study.model_inputs("mt", "lapt") == {**text, "base": "results/base/mbert"}
    assert study.model_inputs("mt", "xlmr_va") == {**text, "vocab": "results/vocab/mt/xlmr_va"}
    assert study.model_inputs("mt", "fasttext") == text
    assert study.vocab_settings("xlmr_va") == {"kind": "va", "vocab_size": 5000, "min_frequency": 5, "limit_alphabet": 1000,
                                               "new_pieces": 99, "method": "append", "init": "mean"}
    assert study.vocab_settings("roberta") == {"kind": "scratch", "vocab_size": 52000, "min_frequency": 2}
    assert study.pretrain_settings("xlmr_va") == {"kind": "va", **config["pretrain"]["short"], "init": "mean"}
    assert study.pretrain_settings("va")["epochs"] == 20 and study.pretrain_settings("fasttext")["min_count"] == 5
    assert [study.tokenizer("mt", v) for v in ("mbert", "lapt", "va", "roberta", "fasttext")] == [
        ("base", "mbert"), ("base", "mbert"), ("vocab", "va"), ("vocab", "roberta"), None]
    assert [(study.kind(v).encoder, study.kind(v).gpu) for v in ("mbert", "roberta", "fasttext")] == [
        ("transformer", 1), ("transformer", 1), ("fasttext", 0)]
    assert [v for v in config["variants"] if study.kind(v).masked_lm] == ["roberta", "lapt", "va", "xlmr_lapt", "xlmr_va"]
    config["variants"]["xlmr_va"]["lapt"] = "long"
    with pytest.raises(ConfigError, match="pretrain section 'long' is not defined") as error:
        validate(config)
    assert error.value.key == "variants.xlmr_va.lapt"


def test_exclude_drops_exactly_the_matching_cells_and_their_encoders(paper: dict) -> None:
    config = copy.deepcopy(paper)
    config["study"]["exclude"] = [{"task": "ud", "variant": "fasttext"}, {"view": "ug-Latn", "variant": "roberta"}]
    full, study = Study(paper), Study(config)
    dropped = {run for run in full.runs if (run.task, run.variant) == ("ud", "fasttext") or (run.view, run.variant) == ("ug-Latn", "roberta")}
    assert len(dropped) == 9 * 5 + 3 * 5  # UD on 9 views (8 languages and ug-Latn), and ug-Latn's 3 tasks, x 5 seeds
    assert set(study.runs) == set(full.runs) - dropped and study.grid == full.runs
    assert ("ug-Latn", "roberta") in full.encoders() and ("ug-Latn", "roberta") not in study.encoders()
    assert ("be", "fasttext") in study.encoders()  # POS and NER still train on its vectors
    validate(config)


@pytest.mark.parametrize(
    ("exclude", "key", "message"),
    [
        ([{"task": "ud", "variant": "xlmr"}], "study.exclude.0.variant", "'xlmr' is not one of the study's variants"),
        ([{"task": "pos", "view": "ug"}, {"view": "ur-Latn"}], "study.exclude.1.view", "'ur-Latn' is not one of the study's views"),
        ([{"task": "pos", "view": "ug"}, {"task": "ud", "view": "mhr"}], "study.exclude.1", "matches no run of the study"),  # mhr has no treebank
        ([{}], "study.exclude.0", "should be non-empty"),
        ([{"task": "ner", "view": "ug-Latn"}], "study.exclude.0",
         "drops results/runs/ner/ug-Latn/mbert/seed0, the in-language run the transfer table compares its cells with"),
        ([{"language": "ug"}], "study.exclude.0", "Additional properties"),
    ],
)
def test_an_exclusion_that_drops_nothing_or_a_transfer_run_is_refused(paper: dict, exclude: list, key: str, message: str) -> None:
    assert_refused(paper, lambda c: c["study"].update(exclude=exclude), key, message)


def test_demo_config_is_valid(demo: dict) -> None:
    study = Study(demo)
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
        (lambda c: c["variants"]["va"].update(finetune={"max_train_sentences": 100}), "variants.va.finetune.max_train_sentences",
         "one trivial baseline fits them all"),
        (lambda c: c["finetune"].update(checkpoint_every_s=-1), "finetune.checkpoint_every_s", "less than the minimum"),
        (lambda c: c["finetune"].update(layer_dropout=1), "finetune.layer_dropout", "greater than or equal to the maximum"),
        (lambda c: c["variants"]["fasttext"]["finetune"].update(bilstm={"ud": {"layers": 0}}), "variants.fasttext.finetune.bilstm", "is not valid under any of the given schemas"),
        (lambda c: c["pretrain"]["scratch"].update(instances="packed"), "pretrain.scratch.instances", "is not one of"),
        (lambda c: c["tasks"]["ud"].update(finetune={"weight_decay": 0.1}), "tasks.ud.finetune", "Additional properties"),
        (lambda c: c["tasks"]["pos"].update(finetune={"max_train_sentences": 0}), "tasks.pos.finetune.max_train_sentences", "0 is not valid under any of the given schemas"),
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
    assert_refused(paper, edit, key, message)


def assert_refused(config: dict, edit, key: str, message: str) -> None:
    """``edit`` applied to a copy of ``config`` makes validation fail on ``key`` with ``message``."""
    config = copy.deepcopy(config)
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


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(REPO)  # the demo's data paths are relative to the repository
    return load(REPO / "demo" / "config.yaml")


TRANSFER = {"sources": ["en"], "targets": ["wo"], "shots": [0], "variants": ["mbert"]}


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (lambda c: c["study"].update(seeds=[0, 1.0]), "study.seeds.1", "1.0 is not of type 'integer'"),
        (lambda c: c["seed_sets"][0].update(torch=133.0), "seed_sets.0.torch", "133.0 is not of type 'integer'"),
        (lambda c: c["text_defaults"]["split"].update(test=0.2), "text_defaults.split", "sum to 1.1; they must sum to 1"),
        (lambda c: c["study"].update(languages=[]), "study.languages", "[] should be non-empty"),
        (lambda c: c["study"].update(tasks=[]), "study.tasks", "[] should be non-empty"),
        (lambda c: c["study"].update(variants=[]), "study.variants", "[] should be non-empty"),
        (lambda c: c["study"].update(languages=["mt"], tasks=["ner"]), "study",
         "no runs: none of the study's languages (mt) has data for its tasks (ner)"),
        (lambda c: c["languages"]["wo"]["ud"]["files"].update(train="demo/data/ud/wo-train.conllu"), "languages.wo.ud.files.train",
         "demo/data/ud/wo-train.conllu does not exist"),
        (lambda c: c["languages"]["wo"]["text"]["files"].append("file:///nowhere/wo.txt"), "languages.wo.text.files.1",
         "file:///nowhere/wo.txt does not exist"),
        (lambda c: (c.update(transfer=TRANSFER), c["languages"]["en"]["ner"]["files"].update(dev="en/dev")),
         "languages.en.ner.files.dev", "en/dev does not exist"),  # a transfer source is in the study
        (lambda c: c["base_models"]["mbert"]["build"]["text"].append("demo/data/text/xx.txt"), "base_models.mbert.build.text.7",
         "demo/data/text/xx.txt does not exist"),
        (lambda c: c["base_models"].update(mbert={"source": "./models/mbert"}), "base_models.mbert.source", "./models/mbert does not exist"),
    ],
)
def test_dry_run_checks_name_the_key(demo: dict, edit, key: str, message: str) -> None:
    assert_refused(demo, edit, key, message)


def test_a_file_modified_in_the_future_is_named(demo: dict, tmp_path: Path) -> None:
    """Snakemake would fail the fetch job after it ran (outputs older than an input)."""
    future = tmp_path / "train.conllu"
    future.write_text("", encoding="utf-8")
    os.utime(future, (4118097600, 4118097600))  # 2100-07-01 12:00 UTC: in 2100 in every time zone
    config = copy.deepcopy(demo)
    config["languages"]["wo"]["ud"]["files"]["train"] = str(future)
    with pytest.raises(ConfigError) as err:
        validate(config)
    assert err.value.key == "languages.wo.ud.files.train"
    assert f"{future} was modified in the future (" in str(err.value) and " 2100), which would fail the job" in str(err.value)


def test_a_missing_file_of_a_language_outside_the_study_is_no_error(demo: dict) -> None:
    config = copy.deepcopy(demo)
    config["languages"]["en"]["ner"]["files"]["dev"] = "en/dev"
    assert "transfer" not in config  # the demo's English is a transfer source only in the end-to-end test
    validate(config)


def test_duplicate_keys_name_the_key_the_file_and_both_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "extra.yaml").write_text(
        "study:\n  seeds: [0]\nlanguages:\n  mt:\n    text: {format: bert}\n  wo: {}\n  mt:\n    name: Maltese\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        check_unique_keys("extra.yaml")
    assert str(err.value) == ("config key 'languages.mt': appears twice in extra.yaml (lines 4 and 7); "
                              "YAML keeps only the last, so the first would be ignored")
    (tmp_path / "list.yaml").write_text("seed_sets:\n  - {numpy: 1, torch: 2, numpy: 3}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'seed_sets.0.numpy': appears twice in list.yaml \(lines 2 and 2\)"):
        check_unique_keys(tmp_path / "list.yaml")
    check_unique_keys(REPO / "config.yaml")
    check_unique_keys(REPO / "demo" / "config.yaml")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("  seeds: [0, 1]\n", "  seeds: [0, 1]\n  seeds: [0]\n"),
         "config key 'study.seeds': appears twice in bad.yaml (lines 17 and 18); YAML keeps only the last, so the first would be ignored"),
        (lambda text: text.replace("seeds: [0, 1]", "seeds: [0, 1.0]"), "config key 'study.seeds.1': 1.0 is not of type 'integer'"),
        (lambda text: text.replace("test: 0.1}", "test: 0.2}"), "config key 'text_defaults.split': train + valid + test sum to 1.1; they must sum to 1"),
        (lambda text: text.replace("wo/bible-corpus_Wolof-NT.verses.txt", "wo/bible.txt"),
         "config key 'languages.wo.text.files.0': demo/data/text/wo/bible.txt does not exist"),
    ],
)
def test_snakemake_dry_run_reports_a_config_error_in_one_line(tmp_path: Path, edit, message: str) -> None:
    (tmp_path / "demo").symlink_to(REPO / "demo")
    (tmp_path / "bad.yaml").write_text(edit((REPO / "demo" / "config.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    result = snakemake(tmp_path, "-s", str(REPO / "Snakefile"), "-n", "--configfile", "bad.yaml", check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "results").exists()
