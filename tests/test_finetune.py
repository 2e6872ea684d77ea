"""Fine-tuning end to end on real treebank data with tiny models built from configs.

The learning checks use the first 150 Maltese training sentences and the whole dev set: the
tagger must beat the most-frequent-tag-per-word baseline and the parser attach-to-previous.
Tiny random transformers learn slowly, so those runs use larger learning rates than the paper's
and no frozen epoch; the paper's defaults are exercised by the resume test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import torch

from specmlm import finetune
from specmlm.errors import ConfigError, InputError
from specmlm.fasttext import train_fasttext
from specmlm.finetune import ViewFiles, prepared_files, read_splits, run_finetune
from specmlm.formats.conllu import read_ud
from specmlm.formats.ner import read_ner, read_prepared_ner, write_ner
from specmlm.metrics import attachment_files, pos_accuracy_files
from specmlm.metrics.attachment import training_attachment_scores
from specmlm.tasks.registry import TASKS
from tests.conftest import DEMO_DATA
from tests.models import tiny_bert

torch.set_num_threads(1)

MALTESE = DEMO_DATA / "ud" / "UD_Maltese-MUDT"
FAST = {"threads": 1, "batch_size": 8, "freeze_encoder_epochs": 0}


def first_sentences(path: Path, count: int | None) -> str:
    blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return "\n\n".join(blocks[:count]) + "\n\n"


def make_view(root: Path, train: int, dev: int | None, test: int) -> Path:
    (root / "ud").mkdir(parents=True)
    for split, count in (("train", train), ("dev", dev), ("test", test)):
        text = first_sentences(MALTESE / f"mt_mudt-ud-{split}.conllu", count)
        (root / "ud" / f"{split}.conllu").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_view(tmp_path_factory.mktemp("mt"), train=150, dev=None, test=60)


@pytest.fixture(scope="module")
def bert32(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("bert32"), hidden=32, heads=2, positions=64)


@pytest.fixture(scope="module")
def bert64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("bert64"), hidden=64, heads=4, positions=128)


def check_outputs(metrics: dict[str, Any], out: Path, ckpt: Path) -> None:
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8")) == json.loads(json.dumps(metrics))
    assert not ckpt.exists()
    key = f"dev_{metrics['metric']}"
    best = max(metrics["history"], key=lambda row: row[key])
    assert best["epoch"] == metrics["best_epoch"]
    expected = metrics["dev"][metrics["metric"]]
    if metrics["task"] == "ud":  # the epoch is picked on AllenNLP's LAS; the files get CoNLL 2018's
        expected = training_attachment_scores(read_ud(metrics["dev"]["gold_file"]), read_ud(out / "dev.conllu"))["las"]
    assert best[key] == pytest.approx(expected, abs=1e-12)


def test_tagger_beats_most_frequent_tag_per_word(view: Path, bert32: Path, tmp_path: Path) -> None:
    settings = {**FAST, "max_epochs": 7, "lr_encoder": 2e-3, "lr_head": 3e-3, "pos_column": "xpos"}
    metrics = run_finetune("pos", "transformer", bert32, prepared_files(view, "pos"), tmp_path / "out", tmp_path / "ckpt", settings)
    check_outputs(metrics, tmp_path / "out", tmp_path / "ckpt")
    train, dev = read_ud(view / "ud" / "train.conllu"), read_ud(view / "ud" / "dev.conllu")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in train:
        for word, tag in zip(sentence.words, sentence.xpos, strict=True):
            counts[word][tag] += 1
    overall = Counter(tag for sentence in train for tag in sentence.xpos).most_common(1)[0][0]
    guesses = [counts[w].most_common(1)[0][0] if w in counts else overall for s in dev for w in s.words]
    gold = [tag for s in dev for tag in s.xpos]
    baseline = sum(g == p for g, p in zip(gold, guesses, strict=True)) / len(gold)
    assert metrics["dev"]["total"] == len(gold) == 10209
    assert metrics["dev"]["accuracy"] > baseline + 0.01
    rescored = pos_accuracy_files(view / "ud" / "dev.conllu", tmp_path / "out" / "dev.conllu", "xpos")
    assert rescored == {k: metrics["dev"][k] for k in rescored}


def test_parser_beats_attach_to_previous_word(view: Path, bert64: Path, tmp_path: Path) -> None:
    settings = {**FAST, "max_epochs": 6, "lr_encoder": 3e-3, "lr_head": 3e-3, "bias_correction": True,
                "max_eval_sentences": 200}
    metrics = run_finetune("ud", "transformer", bert64, prepared_files(view, "ud"), tmp_path / "out", tmp_path / "ckpt", settings)
    check_outputs(metrics, tmp_path / "out", tmp_path / "ckpt")
    dev = read_ud(view / "ud" / "dev.conllu")[:200]
    baseline = sum(head == index for s in dev for index, head in enumerate(s.heads)) / metrics["dev"]["words"]
    assert metrics["dev"]["uas"] > baseline + 0.03
    assert metrics["dev"]["gold_file"] == str(tmp_path / "out" / "dev.gold.conllu")
    predicted = read_ud(tmp_path / "out" / "test.conllu")  # the reader insists on one root per sentence
    assert len(predicted) == 60
    assert attachment_files(view / "ud" / "test.conllu", tmp_path / "out" / "test.conllu") == {
        k: v for k, v in metrics["test"].items() if k != "gold_file"}


RUN = """
import json, sys
from specmlm.finetune import prepared_files, run_finetune
task, encoder, model, view, *rest = json.loads(sys.argv[1])
run_finetune(task, encoder, model, prepared_files(view, task), *rest)
"""


def test_killed_run_resumes_to_the_same_numbers(bert32: Path, tmp_path: Path) -> None:
    small = make_view(tmp_path / "view", train=40, dev=30, test=20)
    settings = {"threads": 1, "batch_size": 8, "max_epochs": 3, "patience": 3, "lr_encoder": 1e-3,
                "checkpoint_every_s": 0}
    whole = run_finetune("ud", "transformer", bert32, prepared_files(small, "ud"), tmp_path / "whole", tmp_path / "whole-ckpt", settings)

    args = ["ud", "transformer", str(bert32), str(small), str(tmp_path / "resumed"), str(tmp_path / "ckpt"), settings]
    child = subprocess.Popen([sys.executable, "-c", RUN, json.dumps(args)], env={**os.environ, "HF_HUB_OFFLINE": "1"})
    checkpoint = tmp_path / "ckpt" / "last.pt"
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert checkpoint.exists() and not (tmp_path / "resumed" / "metrics.json").exists()
    assert torch.load(checkpoint, weights_only=False)["progress"]["epoch"] < 3

    resumed = run_finetune(*args[:3], prepared_files(small, "ud"), *args[4:])
    assert whole["epochs_run"] == 3 and whole["history"][0]["epoch"] == 1
    resumed.pop("throughput"), whole.pop("throughput")
    assert resumed == whole
    for name in ("dev.conllu", "test.conllu"):
        assert (tmp_path / "resumed" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    assert not (tmp_path / "ckpt").exists()


def test_checkpoints_wait_for_their_interval(bert32: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Epochs shorter than ``checkpoint_every_s`` write nothing; 0 writes after every epoch."""
    small = make_view(tmp_path / "view", train=16, dev=8, test=8)
    written: list[int] = []
    monkeypatch.setattr(finetune, "save", lambda path, obj: written.append(obj["progress"]["epoch"]))
    for interval, expected in ((3600, []), (0, [1, 2, 3])):
        written.clear()
        settings = {**FAST, "max_epochs": 3, "patience": 3, "checkpoint_every_s": interval}
        metrics = run_finetune("pos", "transformer", bert32, prepared_files(small, "pos"), tmp_path / f"out{interval}", tmp_path / "ckpt", settings)
        assert written == expected and metrics["epochs_run"] == 3


def test_fasttext_ner_with_transfer_and_a_cut_eval(tmp_path: Path) -> None:
    view = tmp_path / "wo"
    for split, count in (("train", 150), ("dev", 80), ("test", 80)):
        source = DEMO_DATA / "ner" / "wo" / "masakhaner1" / f"{split}.txt"
        write_ner(view / "ner" / f"{split}.tsv", read_ner(source, "conll", drop_types=["DATE"]).sentences[:count])
    text = tmp_path / "text.txt"
    lines = [" ".join(s.tokens) for s in read_prepared_ner(view / "ner" / "train.tsv")]
    text.write_text("\n".join(lines), encoding="utf-8")
    vectors = train_fasttext(text, tmp_path / "fasttext", {"min_count": 1, "epoch": 1, "seed": 3})
    settings = {"threads": 1, "max_epochs": 2, "train_files": [str(view / "ner" / "train.tsv")] * 2, "max_eval_sentences": 50,
                "pos_column": None}
    metrics = run_finetune("ner", "fasttext", vectors, prepared_files(view, "ner"), tmp_path / "out", tmp_path / "ckpt", settings)
    assert metrics["encoder"] == "fasttext" and metrics["train_sentences"] == 300
    assert metrics["settings"]["batch_size"] == 128 and metrics["settings"]["bias_correction"] is True
    gold = tmp_path / "out" / "dev.gold.tsv"
    assert metrics["dev"]["gold_file"] == str(gold) and len(read_prepared_ner(gold)) == 50
    predicted = read_prepared_ner(tmp_path / "out" / "dev.tsv")
    for sentence in predicted:
        previous = "O"
        for tag in sentence.tags:
            assert not tag.startswith("I-") or previous[2:] == tag[2:]
            previous = tag


def test_a_run_reads_the_files_it_is_given(tmp_path: Path) -> None:
    """The evaluated view's files are named by the caller (the rule's inputs), never rebuilt from a folder."""
    given = {}
    for split, count in (("train", 5), ("dev", 3), ("test", 2)):
        given[split] = tmp_path / f"{split}-anywhere.conllu"
        given[split].write_text(first_sentences(MALTESE / f"mt_mudt-ud-{split}.conllu", count), encoding="utf-8")
    files = ViewFiles(given["train"], given["dev"], given["test"])
    settings = {"pos_column": "xpos", "train_files": None, "dev_file": None, "shots": 0, "max_train_sentences": None,
                "max_eval_sentences": None}
    train, dev, test = read_splits(TASKS["pos"], files, settings)
    assert [(s.path, len(s.words)) for s in (train, dev, test)] == [(given["train"], 5), (given["dev"], 3), (given["test"], 2)]
    transfer = {**settings, "train_files": [str(given["dev"])], "dev_file": str(given["test"]), "shots": 4}
    train, dev, test = read_splits(TASKS["pos"], files, transfer)  # the source's 3, then the view's first 4
    assert [(s.path, len(s.words)) for s in (train, dev, test)] == [(given["dev"], 7), (given["test"], 2), (given["test"], 2)]


def test_bad_settings_are_named(view: Path, bert32: Path, tmp_path: Path) -> None:
    def run(task: str, model: Path, settings: dict[str, Any], encoder: str = "transformer") -> None:
        run_finetune(task, encoder, model, prepared_files(view, "pos"), tmp_path / "o", tmp_path / "c", settings)

    with pytest.raises(ConfigError) as error:
        run("pos", bert32, {"learning_rate": 1e-3})
    assert error.value.key == "learning_rate"
    with pytest.raises(ConfigError, match="positive integer") as error:
        run("pos", bert32, {"batch_size": 0})
    assert error.value.key == "batch_size"
    with pytest.raises(ConfigError) as error:
        run("pos", bert32, {"pos_column": None})
    assert error.value.key == "pos_column"
    with pytest.raises(ConfigError, match="a positive number") as error:
        run("pos", bert32, {"lr_encoder": 0})
    assert error.value.key == "lr_encoder"
    with pytest.raises(ConfigError, match="non-negative number of seconds") as error:
        run("pos", bert32, {"checkpoint_every_s": -1})
    assert error.value.key == "checkpoint_every_s"
    with pytest.raises(ConfigError, match="integer numpy, torch and python seeds") as error:
        run("pos", bert32, {"seed_set": 0})
    assert error.value.key == "seed_set"
    with pytest.raises(ConfigError) as error:
        run("srl", bert32, {})
    assert error.value.key == "task"
    with pytest.raises(ConfigError) as error:
        run("pos", bert32, {}, encoder="bilstm")
    assert error.value.key == "encoder"
    with pytest.raises(InputError, match="not a transformer model directory: config.json is not in it"):
        run("pos", tmp_path, {})
    with pytest.raises(InputError, match="not a fasttext model directory: fasttext.json is not in it"):
        run("pos", bert32, {}, encoder="fasttext")
