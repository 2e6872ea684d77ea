"""The POS head: dropout, dropout again, one linear layer, cross-entropy (paper §7.2).

The paper's config applies dropout 0.4 to the embedder output and again in front of the
projection; with a pass-through encoder the two act back to back, and both are kept.
"""

from __future__ import annotations

import torch
from torch import nn


class LinearTagger(nn.Module):
    def __init__(self, input_dim: int, num_tags: int, dropout: float = 0.4) -> None:
        super().__init__()
        self.input_dropout = nn.Dropout(dropout)
        self.dropout = nn.Dropout(dropout)
        self.projection = nn.Linear(input_dim, num_tags)

    def logits(self, word_vectors: torch.Tensor) -> torch.Tensor:
        return self.projection(self.dropout(self.input_dropout(word_vectors)))

    def loss(self, word_vectors: torch.Tensor, mask: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
        """Token cross-entropy averaged within each sentence, then over sentences (AllenNLP's "batch")."""
        logits = self.logits(word_vectors).float()
        token_loss = nn.functional.cross_entropy(logits.transpose(1, 2), gold, reduction="none")
        weights = mask.float()
        per_sentence = (token_loss * weights).sum(1) / weights.sum(1).clamp(min=1)
        return per_sentence.mean()

    def decode(self, word_vectors: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        best = self.logits(word_vectors).argmax(-1).cpu()
        lengths = mask.sum(1).tolist()
        return [best[row, :length].tolist() for row, length in enumerate(lengths)]
