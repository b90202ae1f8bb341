import sys
from pathlib import Path

# Test folders keep shared helpers beside their tests (engine_helpers, lsp_client, ...); with
# pytest's importlib import mode those folders must be on the path explicitly.
for folder in (Path(__file__).parent, *sorted(p for p in Path(__file__).parent.iterdir() if p.is_dir())):
    sys.path.insert(0, str(folder))

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.py"))
