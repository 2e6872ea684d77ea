"""Learning curves: the per-epoch history a run writes, and the table gathered from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specmlm.curves import COLUMNS, read_histories
from specmlm.errors import InputError
from specmlm.finetune import prepared_files, run_finetune
from tests.models import tiny_bert

DEMO = Path(__file__).resolve().parents[1] / "demo" / "data"


def first_sentences(path: Path, count: int) -> str:
    blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return "\n\n".join(blocks[:count]) + "\n\n"


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A three-epoch POS run of a tiny BERT (mBERT's vocabulary) on 30 Maltese sentences."""
    root = tmp_path_factory.mktemp("run")
    view = root / "mt"
    (view / "ud").mkdir(parents=True)
    for split, count in (("train", 30), ("dev", 10), ("test", 10)):
        text = first_sentences(DEMO / "ud" / "UD_Maltese-MUDT" / f"mt_mudt-ud-{split}.conllu", count)
        (view / "ud" / f"{split}.conllu").write_text(text, encoding="utf-8")
    model = tiny_bert(root / "bert", hidden=16, layers=1, positions=128)
    settings = {"threads": 1, "batch_size": 8, "max_epochs": 3, "patience": 3, "freeze_encoder_epochs": 1,
                "lr_head": 1e-2, "pos_column": "xpos"}
    out = root / "runs" / "pos" / "mt" / "mbert" / "seed0"
    run_finetune("pos", "transformer", model, prepared_files(view, "pos"), out, root / "ckpt", settings, {"task": "pos", "view": "mt", "variant": "mbert", "seed": 0})
    return json.loads((out / "metrics.json").read_text(encoding="utf-8")) | {"path": str(out / "metrics.json")}


def test_metrics_json_keeps_every_epoch(metrics: dict) -> None:
    assert metrics["run"] == {"task": "pos", "view": "mt", "variant": "mbert", "seed": 0}
    history = metrics["history"]
    assert [entry["epoch"] for entry in history] == [1, 2, 3] == list(range(1, metrics["epochs_run"] + 1))
    assert all(set(entry) == {"epoch", "train_loss", "dev_accuracy"} for entry in history)
    assert all(entry["train_loss"] > 0 for entry in history)
    best = history[metrics["best_epoch"] - 1]
    assert best["dev_accuracy"] == max(entry["dev_accuracy"] for entry in history)
    assert best["dev_accuracy"] == pytest.approx(metrics["dev"]["accuracy"], abs=1e-12)  # the best epoch is what is scored


def test_read_histories_one_row_per_epoch(metrics: dict) -> None:
    table = read_histories([metrics["path"]])
    assert list(table.columns) == COLUMNS
    assert table[["task", "view", "variant", "seed"]].drop_duplicates().values.tolist() == [["pos", "mt", "mbert", 0]]
    assert table["epoch"].tolist() == [1, 2, 3]
    assert table["dev"].tolist() == [round(100 * e["dev_accuracy"], 2) for e in metrics["history"]]
    assert (table["max_epochs"] == 3).all() and (table["best_epoch"] == metrics["best_epoch"]).all()
    assert (table["still_improving"] == (metrics["best_epoch"] == 3)).all()


def test_read_histories_rejects_other_files(tmp_path: Path) -> None:
    stray = tmp_path / "metrics.json"
    stray.write_text("{}")
    with pytest.raises(ValueError, match="no run identity"):
        read_histories([stray])
    run = tmp_path / "runs/ud/wo/lapt/seed1/metrics.json"
    run.parent.mkdir(parents=True)
    run.write_text(json.dumps({"run": {"task": "ud", "view": "wo", "variant": "lapt", "seed": 1}, "metric": "las"}))
    with pytest.raises(InputError, match=r"metrics.json: no 'history' of dev scores per epoch"):
        read_histories([run])
