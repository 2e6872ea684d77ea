"""The VA stage: train and select the pieces, add them, initialise their rows, write the model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from specmlm.atomic import staged_directory, write_json, write_text
from specmlm.formats.text import read_documents, read_lines
from specmlm.settings import VocabSettings
from specmlm.tokstats import token_stats
from specmlm.vocab.pieces import WORDPIECE_SPECIALS, Convention, convention_of, select_new_pieces, train_wordpiece
from specmlm.vocab.rows import INIT_SEED, initialise_rows
from specmlm.vocab.tokenizer import METHODS
from specmlm.wordpiece import wordpiece_tokenizer

MLM_ARCHITECTURE_SUFFIXES = ("ForMaskedLM", "ForPreTraining")


def _load_model(model_dir: str | Path) -> PreTrainedModel:
    """The MLM model if the checkpoint has an MLM head, so LAPT continues from it; else the encoder."""
    architectures = AutoConfig.from_pretrained(str(model_dir)).architectures or []
    has_mlm = any(name.endswith(MLM_ARCHITECTURE_SUFFIXES) for name in architectures)
    return (AutoModelForMaskedLM if has_mlm else AutoModel).from_pretrained(str(model_dir))


def _vocab_lines(vocab_file: Path) -> list[str]:
    return [line for line in read_lines(vocab_file) if line]


def _overlap(new_vocab_file: Path, base: PreTrainedTokenizerBase, convention: Convention) -> list[str]:
    """Tokens of the trained vocabulary that the base vocabulary already has, by base id."""
    base_vocab = base.get_vocab()
    excluded = set(base.all_special_tokens) | set(WORDPIECE_SPECIALS)
    shared = {convention.entry(token) for token in _vocab_lines(new_vocab_file) if token not in excluded}
    return sorted((token for token in shared if token in base_vocab and token not in excluded), key=base_vocab.get)


def augment(
    base_model_dir: str | Path, train_text_file: str | Path, out_dir: str | Path, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """Run VA: train, select, add, initialise; write tokenizer + model, ``added_pieces.txt``, ``report.json``.

    ``base_model_dir`` holds the base tokenizer and model (``save_pretrained``). The output
    directory also keeps the trained WordPiece vocabulary under ``trained_wordpiece/``.
    Returns the report.
    """
    settings = VocabSettings.of(settings)
    base = AutoTokenizer.from_pretrained(str(base_model_dir))
    convention = convention_of(base)
    model = _load_model(base_model_dir)
    lines = [line for document in read_documents(train_text_file) for line in document]
    base_tokens = [token for token, _ in sorted(base.get_vocab().items(), key=lambda item: item[1])]
    with staged_directory(out_dir) as stage:
        new_vocab_file = train_wordpiece(
            train_text_file,
            stage / "trained_wordpiece",
            vocab_size=settings["vocab_size"],
            min_frequency=settings["min_frequency"],
            limit_alphabet=settings["limit_alphabet"],
        )
        pieces, selection = select_new_pieces(
            lines, base, wordpiece_tokenizer(new_vocab_file), base_tokens, settings["new_pieces"]
        )
        base.save_pretrained(stage)
        tokenizer_json = json.loads((stage / "tokenizer.json").read_text(encoding="utf-8"))
        ids = METHODS[settings["method"]](tokenizer_json, pieces, base)
        write_text(stage / "tokenizer.json", json.dumps(tokenizer_json, ensure_ascii=False))
        tokenizer = AutoTokenizer.from_pretrained(str(stage))
        if tokenizer.convert_tokens_to_ids(pieces) != ids:
            raise RuntimeError("the edited tokenizer does not map the new pieces to the ids they were given")
        torch.manual_seed(INIT_SEED)
        if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
            model.resize_token_embeddings(len(tokenizer))
        overlap = _overlap(new_vocab_file, base, convention)
        initialise_rows(model, ids, pieces, base, overlap, settings["init"])
        model.save_pretrained(stage)
        tokenizer.save_pretrained(stage)
        write_text(stage / "added_pieces.txt", "".join(f"{piece}\n" for piece in pieces))
        report = {
            "settings": dict(settings),
            "selection": selection,
            "pieces": [{"id": index, "piece": piece} for index, piece in zip(ids, pieces, strict=True)],
            "trained_vocab_size": len(_vocab_lines(new_vocab_file)),
            "base_vocab_size": len(base),
            "vocab_size": len(tokenizer),
            "overlap": len(overlap),
            "train_stats_before": token_stats(base, lines),
            "train_stats_after": token_stats(tokenizer, lines),
        }
        write_json(stage / "report.json", report)
    return report
