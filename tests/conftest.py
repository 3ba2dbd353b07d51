"""Shared fixtures: the real guide from the repository's flows, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.flow_loader import load_guide
from bot.engine import Guide

REPO = Path(__file__).resolve().parent.parent
FLOWS = REPO / "flows"


@pytest.fixture(scope="session")
def guide() -> Guide:
    return load_guide(FLOWS)
