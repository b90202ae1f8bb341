"""A file's findings follow the modules it imports from: edited in the editor, changed on disk
and reported by the editor, or changed on disk and noticed at the next edit. Logs re-exported
through the user's module are settled off the keystroke path, so their diagnostics follow the
fast path's."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from lsp_client import eventually, session
from lsprotocol import types

REEXPORTING = "from torch import log\n"
NOT_A_LOG = "def log(x):\n    return x\n"
IMPORTER = "import torch\nfrom .ops import log\n\n\ndef loss(z):\n    return log(torch.softmax(z, dim=1))\n"


def package(folder: Path) -> Path:
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "ops.py").write_text(REEXPORTING)
    (folder / "pkg" / "train.py").write_text(IMPORTER)
    return folder / "pkg"


@asynccontextmanager
async def importer_open(folder: Path):
    """A session with the package's importer open and its first diagnostics in: (client, package, uri)."""
    pkg = package(folder)
    train = (pkg / "train.py").as_uri()
    async with session(folders=[folder]) as client:
        client.open(train, IMPORTER)
        await client.wait_diagnostics(train, 1, count=1)
        yield client, pkg, train


def lines(client, uri: str) -> list[int]:
    latest = client.latest(uri)
    return [] if latest is None else [diagnostic.range.start.line for diagnostic in latest.diagnostics]


async def test_editing_the_imported_module_in_the_editor_changes_the_importers_findings(tmp_path):
    pkg = package(tmp_path)
    train, ops = (pkg / "train.py").as_uri(), (pkg / "ops.py").as_uri()
    async with session(folders=[tmp_path]) as client:
        client.open(train, IMPORTER)
        assert [d.range.start.line for d in await client.wait_diagnostics(train, 1, count=1)] == [5]
        client.open(ops, REEXPORTING)
        client.change(ops, 2, ((0, 0, 1, 0), NOT_A_LOG))  # unsaved: the editor's text counts
        await eventually(lambda: lines(client, train) == [])
        client.change(ops, 3, ((0, 0, 2, 0), REEXPORTING))
        await eventually(lambda: lines(client, train) == [5])


async def test_a_change_on_disk_reported_by_the_editor_changes_the_importers_findings(tmp_path):
    async with importer_open(tmp_path) as (client, pkg, train):
        (pkg / "ops.py").write_text(NOT_A_LOG)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=(pkg / "ops.py").as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        await eventually(lambda: lines(client, train) == [])


async def test_a_change_on_disk_is_seen_at_the_next_edit(tmp_path):
    async with importer_open(tmp_path) as (client, pkg, train):
        (pkg / "ops.py").write_text(NOT_A_LOG)
        client.change(train, 2, ((6, 0, 6, 0), "\n"))
        await client.wait_diagnostics(train, 2)
        await eventually(lambda: lines(client, train) == [] and client.latest(train).version == 2)
        (pkg / "ops.py").write_text(REEXPORTING)
        client.change(train, 3, ((7, 0, 7, 0), "\n"))
        await eventually(lambda: lines(client, train) == [5] and client.latest(train).version == 3)


CONFIG = "EPS = 1e-8\n"
USES_CONSTANT = "import torch\nfrom .config import EPS\n\n\ndef nll(z):\n    return torch.log(torch.softmax(z, 1) + EPS)\n"


async def test_editing_an_imported_constant_in_the_editor_changes_the_importers_findings(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "config.py").write_text(CONFIG)
    (tmp_path / "pkg" / "loss.py").write_text(USES_CONSTANT)
    loss, config = (tmp_path / "pkg" / "loss.py").as_uri(), (tmp_path / "pkg" / "config.py").as_uri()
    async with session(folders=[tmp_path]) as client:
        client.open(loss, USES_CONSTANT)
        assert await client.wait_diagnostics(loss, 1) == []
        client.open(config, CONFIG)
        client.change(config, 2, ((0, 0, 1, 0), "EPS = 0.0\n"))  # unsaved: the editor's text counts
        await eventually(lambda: lines(client, loss) == [5])
        client.change(config, 3, ((0, 0, 1, 0), CONFIG))
        await eventually(lambda: lines(client, loss) == [])
