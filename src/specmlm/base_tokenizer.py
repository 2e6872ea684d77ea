"""The tokenizer of a base model on its own, so statistics and vocabularies need no weights.

A hub name or local directory is loaded with ``AutoTokenizer``; a base model the workflow
builds offline gets its tokenizer from its kind's entry in
:data:`specmlm.representations.BASE_RECIPES`, beside the recipe of the model itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from specmlm.errors import ConfigError
from specmlm.representations import BASE_RECIPES


def materialize_tokenizer(spec: dict[str, Any], downloads: dict[str, Any], out_dir: str | Path, where: str) -> None:
    """Write the base model's tokenizer as a ``save_pretrained`` directory at ``out_dir``.

    A fetched model comes through the download stage's verified cache (the weights too, so
    the later ``fetch_base_model`` job finds them there).
    """
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    if "source" in spec:
        from transformers import AutoTokenizer

        from specmlm.download.models import fetch_model_entry
        from specmlm.download.plan import fetch_options

        local = fetch_model_entry(spec, fetch_options(downloads), where=where)
        AutoTokenizer.from_pretrained(str(local)).save_pretrained(out)
        return
    kind = spec["build"]["kind"]
    if kind not in BASE_RECIPES:
        raise ConfigError(f"{where}.build.kind", f"expected one of {sorted(BASE_RECIPES)}, found {kind!r}")
    BASE_RECIPES[kind].tokenizer(spec["build"], out)
