"""nanguard's own reading of .gitignore files, against what git itself ignores."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from engine_helpers import write
from nanguard.gitignore import GitIgnore

RULES = """\
# comment
build/
*.gen.py
!keep.gen.py
/top.py
docs/**/draft.py
**/fixtures
data/*/raw.py
\\#hash.py
trailing.py   
sp\\ ace.py
[abc]x.py
"""

PATHS = [
    "build/a.py", "src/build/b.py", "x.gen.py", "src/y.gen.py", "src/keep.gen.py", "top.py", "src/top.py",
    "docs/draft.py", "docs/a/b/draft.py", "other/docs/draft.py", "fixtures/f.py", "src/fixtures/g.py",
    "data/one/raw.py", "data/one/two/raw.py", "#hash.py", "trailing.py", "sp ace.py", "ax.py", "dx.py", "src/ok.py",
]


def ignored(root: Path, relative: str) -> bool:
    """Whether `relative` or a folder above it is ignored, as a folder search meets them."""
    gitignore = GitIgnore()
    path = root / relative
    for candidate in reversed([path, *path.parents]):
        if candidate == root or root not in candidate.parents:
            continue
        if gitignore.matcher(candidate.parent).matches(candidate):
            return True
    return False


@pytest.fixture(params=["with a re-include", "without re-includes"])
def checkout(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A checkout with RULES; without re-includes the rules are matched all at once."""
    rules = RULES if request.param == "with a re-include" else RULES.replace("!keep.gen.py\n", "")
    write(tmp_path / ".gitignore", rules)
    for name in PATHS:
        write(tmp_path / name)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


@pytest.mark.skipif(shutil.which("git") is None, reason="git compares the answers")
def test_the_same_paths_as_git_check_ignore(checkout: Path) -> None:
    listed = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"], cwd=checkout, input="\n".join(PATHS), capture_output=True, text=True
    ).stdout.splitlines()
    assert {name for name in PATHS if ignored(checkout, name)} == set(listed)
    assert "src/ok.py" not in listed and "src/y.gen.py" in listed  # the test checks something


def test_nested_gitignore_files_and_info_exclude(checkout: Path) -> None:
    write(checkout / "src" / ".gitignore", "local.py\n!x.gen.py\n")  # a re-include: rules one by one
    write(checkout / ".git" / "info" / "exclude", "secret.py\n")
    for name in ("src/local.py", "local.py", "src/x.gen.py", "secret.py"):
        write(checkout / name)
    assert ignored(checkout, "src/local.py") and not ignored(checkout, "local.py")
    assert not ignored(checkout, "src/x.gen.py")  # re-included below
    assert ignored(checkout, "secret.py")


def test_outside_a_checkout_nothing_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "*.py\n")
    write(tmp_path / "a.py")
    assert not ignored(tmp_path, "a.py")
