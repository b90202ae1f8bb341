"""Fixtures for the real-editor tests (helpers live in editor_runs.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from editor_runs import EXAMPLE


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A copy of the classic example, as a user's training script."""
    target = tmp_path / "project" / "train.py"
    target.parent.mkdir()
    shutil.copyfile(EXAMPLE, target)
    return target
