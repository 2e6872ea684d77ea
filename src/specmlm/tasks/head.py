"""What every task head offers the trainer: a training loss and a decoder."""

from __future__ import annotations

from typing import Any, Protocol

import torch


class Head(Protocol):
    """One head per task type, all behind one encoder (MaChAmp's layout).

    ``word_vectors`` is ``(batch, words, dim)``, ``mask`` marks real words. ``gold`` and the
    decoded predictions are the head's own label ids; the task maps them to strings.
    """

    def loss(self, word_vectors: torch.Tensor, mask: torch.Tensor, gold: Any) -> torch.Tensor: ...

    def decode(self, word_vectors: torch.Tensor, mask: torch.Tensor) -> list[Any]: ...
