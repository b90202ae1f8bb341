"""Fixtures for the end-to-end tests of the language server (helpers live in lsp_client.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsp_client import SERVER_COMMAND, Client, capabilities, make_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: Client):
    """A server with a push client that speaks UTF-16 (the LSP default)."""
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def file_uri(tmp_path: Path):
    """URIs of files in a fresh folder (nothing is written: documents live in the editor)."""
    return lambda name="train.py": (tmp_path / name).as_uri()
