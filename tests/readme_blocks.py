"""The code blocks README.md marks for tests: ``<!-- example: NAME -->`` (a file to write),
``<!-- output: COMMAND -->`` (what COMMAND prints) and ``<!-- recipe: NAME -->`` (commands or
configuration to run as written)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

_BLOCK = r"<!-- {kind}: (?P<name>[^>]+?) -->\n(?P<indent>[ \t]*)```(?P<language>\w*)\n(?P<code>.*?)^(?P=indent)```"


def blocks(kind: str) -> list[tuple[str, str, str]]:
    """(name, language, code) of each block of `kind`, in order, without the indentation of
    its fence (a block in a list item); other whitespace, such as a diff's " " line, stays."""
    pattern = re.compile(_BLOCK.format(kind=kind), re.DOTALL | re.MULTILINE)
    return [
        (match["name"], match["language"], _unindent(match["code"], match["indent"]))
        for match in pattern.finditer(README.read_text(encoding="utf-8"))
    ]


def _unindent(code: str, indent: str) -> str:
    return "".join(line.removeprefix(indent) for line in code.splitlines(keepends=True))


def recipe(name: str) -> str:
    (code,) = [code for found, _, code in blocks("recipe") if found == name]
    return code


def copy_checkout(target: Path) -> Path:
    """The repository's files (what a clone has, uncommitted changes included) in `target`, as a
    git repository with one commit, so recipes run on a checkout and never write into this one."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() or source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name, follow_symlinks=False)
    commit(target)
    return target


def commit(folder: Path) -> str:
    """Commit everything in `folder` (made a repository if it is not one); the commit's hash."""
    environment = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                   "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "snapshot"]):
        subprocess.run(command, cwd=folder, check=True, env=environment, capture_output=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=True).stdout.strip()
