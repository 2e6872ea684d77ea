"""The pretraining table: chosen epoch and held-out loss beside PAPER §11, on exact records."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from specmlm.errors import InputError
from specmlm.pretrain_table import pretraining_table


def losses_file(root: Path, name: str, losses: list[float], chosen: int) -> Path:
    path = root / name / "losses.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"losses": {str(e): loss for e, loss in enumerate(losses)}, "chosen_epoch": chosen}))
    return path


def test_rows_sit_beside_the_papers_epoch_and_loss(tmp_path: Path) -> None:
    lapt = losses_file(tmp_path, "lapt", [4.5, 1.3, 0.9, 1.0], 2)
    va = losses_file(tmp_path, "va", [6.0, 2.0, 1.9], 2)
    roberta = losses_file(tmp_path, "roberta", [9.0, 7.0, 6.5], 2)
    xlmr = losses_file(tmp_path, "xlmr_lapt", [3.0, 2.5], 1)
    table = pretraining_table([("ug", "lapt", "lapt", lapt), ("ug-Latn", "va", "va", va),
                               ("ug", "roberta", "scratch", roberta), ("ug", "xlmr_lapt", "lapt", xlmr)])
    rows = table.set_index("variant").to_dict("index")
    # ug LAPT: the paper kept epoch 3 (0.8872) after mBERT's 4.2168; this run has only 3 epochs
    assert rows["lapt"] == {
        "view": "ug", "kind": "lapt", "epochs": 3, "start_loss": 4.5, "chosen_epoch": 2, "chosen_loss": 0.9,
        "final_loss": 1.0, "paper_start_loss": 4.2168, "paper_epoch": 3, "paper_loss": 0.8872, "loss_at_paper_epoch": 1.0,
    }
    # ug-Latin VA (epoch 5, 1.6950): no mBERT start loss in the paper; this run never reached epoch 5
    assert (rows["va"]["paper_epoch"], rows["va"]["paper_loss"]) == (5, 1.6950)
    assert pd.isna(rows["va"]["paper_start_loss"]) and pd.isna(rows["va"]["loss_at_paper_epoch"])
    # RoBERTa: the paper gives the loss at epoch 20 only
    assert (rows["roberta"]["paper_epoch"], rows["roberta"]["paper_loss"], rows["roberta"]["final_loss"]) == (20, 4.3403, 6.5)
    # a variant the paper did not have gets no paper numbers
    assert table[table.variant == "xlmr_lapt"][["paper_epoch", "paper_loss"]].isna().all(axis=None)


def test_a_record_without_losses_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "losses.json"
    bad.write_text(json.dumps({"chosen_epoch": 1}))
    with pytest.raises(InputError, match="losses.json: expected a pretraining record"):
        pretraining_table([("ug", "lapt", "lapt", bad)])
    missing = losses_file(tmp_path, "m", [1.0, 0.5], 4)
    with pytest.raises(InputError, match="chosen epoch 4"):
        pretraining_table([("ug", "lapt", "lapt", missing)])
