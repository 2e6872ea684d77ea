"""Shared fixtures: paths to the real data the tests read."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "demo" / "data"
SHARED = REPO.parent / "shared" / "data"


@pytest.fixture
def demo_data() -> Path:
    return DEMO_DATA


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED
