"""The NER head: a linear-chain CRF whose decoding obeys IOB2 (AllenNLP ``crf_tagger``, paper §7.2).

No start or end transition parameters. Training maximises the unconstrained likelihood of the
gold path (gold paths are valid IOB2); Viterbi decoding forbids ``I-X`` at the start of a
sentence and after anything but ``B-X`` / ``I-X``, so no illegal sequence is ever predicted.
"""

from __future__ import annotations

import torch
from torch import nn


def iob2_constraints(tags: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """``allowed[i, j]``: may tag ``j`` follow tag ``i``; ``start[j]``: may a sentence open with ``j``."""
    def continues(previous: str, tag: str) -> bool:
        return not tag.startswith("I-") or previous in (f"B-{tag[2:]}", tag)

    allowed = torch.tensor([[continues(prev, tag) for tag in tags] for prev in tags], dtype=torch.bool)
    start = torch.tensor([not tag.startswith("I-") for tag in tags], dtype=torch.bool)
    return allowed, start


class CRF(nn.Module):
    def __init__(self, tags: list[str]) -> None:
        super().__init__()
        self.transitions = nn.Parameter(torch.empty(len(tags), len(tags)))
        nn.init.xavier_normal_(self.transitions)
        allowed, start = iob2_constraints(tags)
        self.register_buffer("allowed", allowed, persistent=False)
        self.register_buffer("allowed_start", start, persistent=False)

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log Z per sentence by the forward algorithm in log space; ``mask`` is a prefix per row."""
        emissions = emissions.float()
        alpha = emissions[:, 0]
        for step in range(1, emissions.shape[1]):
            scores = alpha.unsqueeze(2) + self.transitions.unsqueeze(0) + emissions[:, step].unsqueeze(1)
            alpha = torch.where(mask[:, step].unsqueeze(1), torch.logsumexp(scores, dim=1), alpha)
        return torch.logsumexp(alpha, dim=1)

    def path_score(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Unnormalised score of the given tag path per sentence."""
        emissions = emissions.float()
        weights = mask.float()
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)
        moves = self.transitions[tags[:, :-1], tags[:, 1:]]
        return (emitted * weights).sum(1) + (moves * weights[:, 1:]).sum(1)

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood summed over the batch (AllenNLP's CRF tagger loss)."""
        return (self.log_partition(emissions, mask) - self.path_score(emissions, tags, mask)).sum()

    @torch.no_grad()
    def viterbi(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Best path under the IOB2 constraints for each sentence."""
        emissions = emissions.float()
        transitions = self.transitions.float().masked_fill(~self.allowed, float("-inf"))
        score = emissions[:, 0].masked_fill(~self.allowed_start, float("-inf"))
        backpointers = []
        for step in range(1, emissions.shape[1]):
            best, previous = (score.unsqueeze(2) + transitions.unsqueeze(0)).max(dim=1)
            score = torch.where(mask[:, step].unsqueeze(1), best + emissions[:, step], score)
            backpointers.append(previous)
        pointers = torch.stack(backpointers, 1).cpu() if backpointers else None
        last = score.argmax(1).cpu().tolist()
        paths = []
        for row, length in enumerate(mask.sum(1).tolist()):
            path = [last[row]]
            for step in range(length - 1, 0, -1):
                path.append(int(pointers[row, step - 1, path[-1]]))
            paths.append(path[::-1])
        return paths


class CrfTagger(nn.Module):
    """Dropout before and after the (pass-through) encoder, a projection to tags, then the CRF."""

    def __init__(self, input_dim: int, tags: list[str], dropout: float = 0.1) -> None:
        super().__init__()
        self.input_dropout = nn.Dropout(dropout)
        self.dropout = nn.Dropout(dropout)
        self.projection = nn.Linear(input_dim, len(tags))
        self.crf = CRF(tags)

    def emissions(self, word_vectors: torch.Tensor) -> torch.Tensor:
        return self.projection(self.dropout(self.input_dropout(word_vectors)))

    def loss(self, word_vectors: torch.Tensor, mask: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
        return self.crf.nll(self.emissions(word_vectors), gold, mask)

    def decode(self, word_vectors: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        return self.crf.viterbi(self.emissions(word_vectors), mask)
