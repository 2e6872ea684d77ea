"""The pretraining table: each pretrained model's chosen epoch and held-out loss beside PAPER §11.

The paper keeps, for LAPT and VA, the epoch with the lowest held-out MLM loss, and the losses it
reports say how far a corpus lets a model adapt before it overfits; a study whose corpora or
recipe differ shows it here first, before any fine-tuning. Each row reads one model's
``losses.json`` (held-out loss per epoch, epoch 0 being the starting model, and the chosen
epoch). ``loss_at_paper_epoch`` is this model's loss at the epoch the paper reports, so the two
losses sit at the same point of training (the paper gives RoBERTa's at epoch 20 only).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from specmlm.errors import InputError
from specmlm.published import published_selection

COLUMNS = [
    "view", "variant", "kind", "epochs", "start_loss", "chosen_epoch", "chosen_loss", "final_loss",
    "paper_start_loss", "paper_epoch", "paper_loss", "loss_at_paper_epoch",
]  # fmt: skip


def read_losses(path: str | Path) -> tuple[dict[int, float], int]:
    """Held-out loss per epoch and the chosen epoch from a model's ``losses.json``."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        losses = {int(epoch): float(loss) for epoch, loss in record["losses"].items()}
        return losses, int(record["chosen_epoch"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputError(path, None, f"expected a pretraining record with 'losses' per epoch and 'chosen_epoch': {err}") from None


def pretraining_table(models: Iterable[tuple[str, str, str, str | Path]]) -> pd.DataFrame:
    """One row per (view, variant, kind, path of its ``losses.json``), the paper's numbers beside."""
    rows = []
    for view, variant, kind, path in models:
        losses, chosen = read_losses(path)
        if chosen not in losses or 0 not in losses:
            raise InputError(path, None, f"chosen epoch {chosen} or the starting loss (epoch 0) is missing from 'losses'")
        paper_start, paper_epoch, paper_loss = published_selection(view, variant)
        last = max(losses)
        rows.append({
            "view": view, "variant": variant, "kind": kind, "epochs": last, "start_loss": losses[0],
            "chosen_epoch": chosen, "chosen_loss": losses[chosen], "final_loss": losses[last],
            "paper_start_loss": paper_start, "paper_epoch": paper_epoch, "paper_loss": paper_loss,
            "loss_at_paper_epoch": losses.get(paper_epoch) if paper_epoch is not None else None,
        })
    return pd.DataFrame(rows, columns=COLUMNS)
