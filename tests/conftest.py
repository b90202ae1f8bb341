import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.py"))
