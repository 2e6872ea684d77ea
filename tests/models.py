"""The tiny BERT the tests build over a real WordPiece vocabulary (mBERT's, unless told).

One builder, so every test's model is the study's cased WordPiece tokenizer
(:func:`specmlm.wordpiece.wordpiece_tokenizer`) beside randomly initialised weights of a given
shape and seed; the feed-forward width is twice the hidden size throughout.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, BertModel, BertPreTrainedModel, PreTrainedTokenizerBase

from specmlm.wordpiece import wordpiece_tokenizer
from tests.conftest import MBERT_VOCAB


def tiny_bert(out: Path, *, hidden: int, layers: int = 2, heads: int = 2, positions: int = 512, seed: int = 0,
              architecture: type[BertPreTrainedModel] = BertModel,
              tokenizer: PreTrainedTokenizerBase | None = None) -> Path:
    """Save a BERT of this shape, seeded with ``seed``, and its tokenizer to ``out``; return ``out``."""
    tokenizer = wordpiece_tokenizer(MBERT_VOCAB) if tokenizer is None else tokenizer
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                        intermediate_size=2 * hidden, max_position_embeddings=positions, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    architecture(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
