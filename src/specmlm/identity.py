"""A fine-tuning run's identity: what ``metrics.json`` records under ``run`` and the tables read.

A run's identity used to live only in its path and was parsed back by regexes; a table that
moved its inputs or a path that changed shape broke them. The job records the identity it was
given (from its wildcards) and every table reads it from there.

Every run has a task, the view it is evaluated on, a variant and a seed set; a transfer run
also names its source and target views and its setting (``zero_shot`` or ``few_shotN``, N
labelled target sentences). The setting's name is encoded and decoded here only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specmlm.errors import InputError

RUN_KEYS = ("task", "view", "variant", "seed")
ZERO_SHOT = "zero_shot"
FEW_SHOT = "few_shot"
IN_LANGUAGE = "in_language"  # an in-language NER run's setting in the transfer table
SETTING_PATTERN = f"{ZERO_SHOT}|{FEW_SHOT}[1-9][0-9]*"
"""The settings a transfer run's path may name (a wildcard constraint)."""


def setting_name(shots: int) -> str:
    """``zero_shot`` without labelled target sentences, ``few_shotN`` with N of them."""
    return ZERO_SHOT if shots == 0 else f"{FEW_SHOT}{shots}"


def shots_of(setting: str) -> int:
    """The labelled target sentences a setting trains on: ``setting_name``'s inverse."""
    if setting == ZERO_SHOT:
        return 0
    count = setting.removeprefix(FEW_SHOT)
    if setting.startswith(FEW_SHOT) and count.isdigit() and int(count) > 0 and count == str(int(count)):
        return int(count)
    raise ValueError(f"transfer setting {setting!r} is neither {ZERO_SHOT} nor {FEW_SHOT}N with N > 0")


def run_identity(task: str, wildcards: Mapping[str, str]) -> dict[str, Any]:
    """The identity a fine-tuning job records, from its wildcards: a transfer job's (source,
    target, setting) or an in-language job's view; a transfer run is evaluated on its target."""
    transfer = "setting" in wildcards
    identity: dict[str, Any] = {"task": task, "view": wildcards["target"] if transfer else wildcards["view"],
                                "variant": wildcards["variant"], "seed": int(wildcards["seed"])}
    if transfer:
        setting = wildcards["setting"]
        identity |= {"source": wildcards["source"], "target": wildcards["target"], "setting": setting, "shots": shots_of(setting)}
    return identity


def read_run(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A run's ``metrics.json`` and its identity; an InputError naming the file and what it lacks."""
    try:
        metrics = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(path, None, f"not JSON ({err})") from None
    run = metrics.get("run") if isinstance(metrics, dict) else None
    if not isinstance(run, dict):
        raise InputError(path, None, "no run identity ('run': task, view, variant, seed): not a run's metrics.json, or "
                                     "one written before metrics.json recorded its run; rerun its job to rewrite it")
    missing = [key for key in RUN_KEYS if key not in run]
    if missing:
        raise InputError(path, None, f"the run identity lacks {', '.join(missing)}")
    return metrics, run
