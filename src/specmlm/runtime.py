"""What every training job needs around its loop: device, threads, RNG state, checkpoints.

Pretraining and fine-tuning both run for hours, are preempted, and must end with the numbers of
an uninterrupted run. So both pick the device and CPU threads the same way, save and restore
every RNG the same way, and write checkpoints atomically with a fingerprint of what decides
their numbers: a checkpoint left by other inputs or settings is never resumed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from specmlm.atomic import atomic_open

log = logging.getLogger(__name__)


def choose_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_threads(threads: int | None) -> None:
    """CPU threads for torch; None = every core this process may run on (its affinity mask)."""
    torch.set_num_threads(threads or len(os.sched_getaffinity(0)))


def autocast(device: torch.device) -> torch.autocast:
    """bf16 autocast on a GPU; full precision on the CPU."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def to_device(value: Any, device: torch.device) -> Any:
    """Tensors, and the dicts and tuples of them a collate function returns, moved to ``device``."""
    if isinstance(value, torch.Tensor):
        return value.to(device, non_blocking=True)
    if isinstance(value, dict):
        return {key: to_device(item, device) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(to_device(item, device) for item in value)
    return value


def rng_state(generator: np.random.Generator | None = None) -> dict[str, Any]:
    """Every global RNG's state (Python, NumPy, torch, CUDA), and ``generator``'s if given."""
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "generator": generator.bit_generator.state if generator is not None else None,
    }


def restore_rng_state(state: dict[str, Any], generator: np.random.Generator | None = None) -> None:
    """Put back what :func:`rng_state` captured."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if generator is not None:
        generator.bit_generator.state = state["generator"]


def fingerprint(key: Any, *blobs: bytes) -> str:
    """A checkpoint's fingerprint: ``key`` as key-sorted JSON, then ``blobs`` (data, weights)."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode())
    for blob in blobs:
        digest.update(blob)
    return digest.hexdigest()


def save(path: Path, state: dict[str, Any]) -> None:
    """Write a checkpoint (holding its ``fingerprint``) atomically: a kill never leaves half of one."""
    with atomic_open(path, "wb") as handle:
        torch.save(state, handle)


def load(path: Path, expected: str) -> dict[str, Any] | None:
    """The checkpoint at ``path`` if it belongs to this run; None if absent or another run's."""
    if not path.exists():
        return None
    state = torch.load(path, weights_only=False, map_location="cpu")
    if state.get("fingerprint") != expected:
        log.warning("ignoring %s: it was written by a run with other inputs or settings", path)
        return None
    return state
