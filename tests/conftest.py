"""Shared fixtures: paths to the real data the tests read.

Everything a test reads ships with the repository (``demo/data``, ``tests/data``), so the suite
passes on a fresh clone; nothing here reads outside the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "demo" / "data"
TEST_DATA = REPO / "tests" / "data"
MBERT_VOCAB = DEMO_DATA / "vocab" / "bert-base-multilingual-cased-vocab.txt"


@pytest.fixture
def demo_data() -> Path:
    return DEMO_DATA
