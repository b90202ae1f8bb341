"""Real editors against the real server: what they need, and the configuration they run.

The editors' configuration is read from docs/editors.md (and README.md, where it is repeated),
so the snippets users copy are the ones tested. Without the editors these tests skip, unless
NANGUARD_REQUIRE_E2E=1 (as in CI, where .ci/setup-editors installs them) makes that a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
EXAMPLE = ROOT / "examples" / "tf_mnist_softmax.py"
TIMEOUT = 120
SNIPPET = re.compile(r"<!-- snippet: (?P<name>[\w-]+) -->\n```\w*\n(?P<code>.*?)```", re.DOTALL)


def snippets(document: Path) -> dict[str, str]:
    return {match["name"]: match["code"] for match in SNIPPET.finditer(document.read_text(encoding="utf-8"))}


def snippet(name: str) -> str:
    """The configuration snippet `name` of docs/editors.md; README.md must show the same text."""
    documented = snippets(ROOT / "docs" / "editors.md")
    assert name in documented, f"docs/editors.md has no snippet {name!r}"
    in_readme = snippets(ROOT / "README.md").get(name)
    assert in_readme in (None, documented[name]), f"README.md's {name!r} snippet differs from docs/editors.md"
    return documented[name]


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("NANGUARD_REQUIRE_E2E") == "1":
        pytest.fail(f"{what} is missing and NANGUARD_REQUIRE_E2E=1; .ci/setup-editors installs it")
    pytest.skip(f"{what} is missing; .ci/setup-editors installs it")


def server_environment() -> dict[str, str]:
    """The editor's environment: `nanguard` on PATH is the one of this checkout's environment."""
    bin_folder = Path(sys.executable).parent
    require((bin_folder / "nanguard").exists(), f"the nanguard command in {bin_folder}")
    return {**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_editor(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        check=False,
        cwd=cwd,
        env=server_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def expected_after_clip_fix(epsilon: str) -> str:
    original = EXAMPLE.read_text(encoding="utf-8")
    assert original.count("tf.log(y_conv)") == 1
    return original.replace("tf.log(y_conv)", f"tf.log(tf.clip_by_value(y_conv, {epsilon}, 1.0))")
