"""The study's cased WordPiece tokenizer (mBERT's settings) over a ``vocab.txt``.

mBERT, the tiny mBERT-vocabulary models the demo builds and every VA vocabulary tokenise with
these settings, so they are written once here. transformers 5 ignores a ``vocab_file=``
argument to BertTokenizer(Fast) and silently builds a 5-token vocabulary, so the vocabulary is
read here and passed as ``vocab``.
"""

from __future__ import annotations

from pathlib import Path

from transformers import BertTokenizer
from transformers.models.bert.tokenization_bert import load_vocab

from specmlm.atomic import staged_directory

MBERT_SETTINGS = {"do_lower_case": False, "strip_accents": False, "tokenize_chinese_chars": True}
MBERT_MAX_LENGTH = 512


def wordpiece_tokenizer(vocab_file: str | Path) -> BertTokenizer:
    """Build the study's cased WordPiece tokenizer (mBERT settings) over a ``vocab.txt``."""
    return BertTokenizer(vocab=load_vocab(str(vocab_file)), model_max_length=MBERT_MAX_LENGTH, **MBERT_SETTINGS)


def tokenizer_from_wordpiece_vocab(vocab_file: str | Path, out_dir: str | Path) -> Path:
    """Write a ``save_pretrained`` tokenizer directory for a WordPiece ``vocab.txt``."""
    tokenizer = wordpiece_tokenizer(vocab_file)
    with staged_directory(out_dir) as stage:
        tokenizer.save_pretrained(stage)
    return Path(out_dir)
