"""Learning curves: every run's dev score and training loss per epoch, gathered into one table.

Each run's ``metrics.json`` keeps its ``history`` (one entry per epoch). Gathered in
``results/tables/learning_curves.csv``, the curves show whether a run trained to convergence:
a run whose best epoch is its last one was still improving when it stopped, most often at
``max_epochs``, and its score understates what the representation can do.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from specmlm.errors import InputError
from specmlm.identity import RUN_KEYS, read_run

COLUMNS = ["task", "view", "variant", "seed", "epoch", "train_loss", "dev", "best_epoch", "epochs_run", "max_epochs",
           "still_improving"]


def read_histories(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per run and epoch: the training loss and the dev score in percent.

    ``still_improving`` marks every row of a run whose best dev epoch was its last one.
    """
    rows = []
    for path in paths:
        metrics, identity = read_run(path)
        if "history" not in metrics:
            raise InputError(path, None, "no 'history' of dev scores per epoch; expected a metrics.json written by "
                                         "run_finetune (rerun its job to rewrite it)")
        dev = f"dev_{metrics['metric']}"
        run = {name: identity[name] for name in RUN_KEYS}
        last = metrics["epochs_run"] == metrics["best_epoch"]
        for entry in metrics["history"]:
            rows.append({**run, "epoch": entry["epoch"], "train_loss": round(entry["train_loss"], 5),
                         "dev": round(100 * entry[dev], 2), "best_epoch": metrics["best_epoch"],
                         "epochs_run": metrics["epochs_run"], "max_epochs": metrics["settings"]["max_epochs"],
                         "still_improving": last})
    return pd.DataFrame(rows, columns=COLUMNS)
