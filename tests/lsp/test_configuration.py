"""Settings from every source an editor uses, pyproject.toml precedence, and bad settings."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_client import SOFTMAX_LOG, capabilities, eventually, session
from lsprotocol import types


def inserted_by_default_fix(diagnostic: types.Diagnostic) -> str:
    """The text the default fix inserts, which carries the epsilon in use."""
    return "".join(edit["newText"] for edit in diagnostic.data["fixes"][0]["edits"])


async def test_initialization_options_apply(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    options = {"nanguard": {"epsilon": 1e-7, "severity": "error"}}
    async with session(initialization_options=options, client_capabilities=capabilities(configuration=False)) as client:
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert diagnostic.severity == types.DiagnosticSeverity.Error
        assert inserted_by_default_fix(diagnostic) == "tf.clip_by_value(, 1e-7, 1.0)"


async def test_workspace_configuration_is_asked_for_and_changes_apply_without_restart(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    async with session(configuration={"": {"nanguard": {"severity": "information"}}}) as client:
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert diagnostic.severity == types.DiagnosticSeverity.Information

        client.set_configuration({"nanguard": {"severity": "hint", "epsilon": "1e-8"}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await eventually(lambda: client.latest(uri).diagnostics[0].severity == types.DiagnosticSeverity.Hint)
        assert inserted_by_default_fix(client.latest(uri).diagnostics[0]) == "tf.clip_by_value(, 1e-8, 1.0)"

        client.set_configuration({"nanguard": {"ignore": ["NG001"]}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await eventually(lambda: not client.latest(uri).diagnostics)


async def test_pushed_settings_apply_for_clients_without_workspace_configuration(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    async with session(client_capabilities=capabilities(configuration=False)) as client:
        client.open(uri, SOFTMAX_LOG)
        assert len(await client.wait_diagnostics(uri, 1)) == 1
        published = len(client.published)
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"nanguard": {"enable": False}, "pylsp": {"plugins": {}}})
        )
        await eventually(lambda: len(client.published) > published)
        assert list(client.published[-1].diagnostics) == []
        assert client.messages == [], "other servers' sections are none of our business"


async def test_pull_clients_are_asked_to_refresh_after_a_configuration_change(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    async with session(client_capabilities=capabilities(pull=True)) as client:
        client.open(uri, SOFTMAX_LOG)
        request = types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        assert (await client.text_document_diagnostic_async(request)).items[0].severity == types.DiagnosticSeverity.Warning
        client.set_configuration({"nanguard": {"severity": "error"}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await eventually(lambda: client.diagnostic_refresh_count > 0)
        assert (await client.text_document_diagnostic_async(request)).items[0].severity == types.DiagnosticSeverity.Error


async def test_invalid_settings_are_reported_and_the_defaults_used(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    bad = {"": {"nanguard": {"epsilon": -1, "severity": "loud", "debounceMs": 50}}}
    async with session(configuration=bad) as client:
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert diagnostic.severity == types.DiagnosticSeverity.Warning
        assert inserted_by_default_fix(diagnostic) == "tf.clip_by_value(, 1e-10, 1.0)"
        [message] = client.messages
        assert message.type == types.MessageType.Error
        assert "nanguard.epsilon" in message.message and "positive number" in message.message
        assert "using the default settings" in message.message

        # Still serving: fixing the setting takes effect.
        client.set_configuration({"nanguard": {"epsilon": 1e-6}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await eventually(lambda: "1e-6" in inserted_by_default_fix(client.latest(uri).diagnostics[0]))


async def test_unknown_settings_are_named_once(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    async with session(configuration={"": {"nanguard": {"epsilonn": 1e-3, "trace": {"server": "verbose"}}}}) as client:
        client.open(uri, SOFTMAX_LOG)
        client.open(uri.replace("train", "eval"), SOFTMAX_LOG)
        await client.wait_diagnostics(uri.replace("train", "eval"), 1)
        [message] = client.messages
        assert message.type == types.MessageType.Warning
        assert message.message == "nanguard: unknown settings ignored: nanguard.epsilonn (did you mean nanguard.epsilon?)"


def write_project(folder: Path, table: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(f"[project]\nname = 'demo'\n\n[tool.nanguard]\n{table}\n")
    return folder


@pytest.mark.parametrize(
    ("editor", "expected"),
    [
        ({}, "1e-6"),  # nothing set in the editor: the project's value
        ({"epsilon": 1e-8}, "1e-8"),  # editor first, the default
        ({"epsilon": 1e-8, "configurationPreference": "filesystemFirst"}, "1e-6"),
        ({"configurationPreference": "editorOnly"}, "1e-10"),
    ],
)
async def test_pyproject_settings_and_which_wins(tmp_path, editor, expected):
    project = write_project(tmp_path / "project", "epsilon = 1e-6")
    uri = (project / "src" / "train.py").as_uri()
    async with session(configuration={"": {"nanguard": editor}}, folders=[project]) as client:
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert inserted_by_default_fix(diagnostic) == f"tf.clip_by_value(, {expected}, 1.0)"


async def test_project_exclude_and_a_broken_pyproject(tmp_path):
    project = write_project(tmp_path / "project", 'exclude = ["generated"]')
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pyproject.toml").write_text("[tool.nanguard]\nepsilon = [\n")
    async with session(folders=[project, broken]) as client:
        excluded = (project / "generated" / "model.py").as_uri()
        client.open(excluded, SOFTMAX_LOG)
        assert await client.wait_diagnostics(excluded, 1) == []

        uri = (broken / "train.py").as_uri()
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert inserted_by_default_fix(diagnostic) == "tf.clip_by_value(, 1e-10, 1.0)"
        [message] = client.messages
        assert str(broken / "pyproject.toml") in message.message and "invalid TOML" in message.message


async def test_an_unreadable_pyproject_is_reported_and_ignored(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_bytes(b"[tool.nanguard]\nepsilon = 1e-6  # caf\xe9\n")  # Latin-1, not UTF-8
    uri = (project / "train.py").as_uri()
    async with session(folders=[project]) as client:
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert inserted_by_default_fix(diagnostic) == "tf.clip_by_value(, 1e-10, 1.0)"
        [message] = client.messages
        assert "pyproject.toml: not UTF-8" in message.message and "ignoring" in message.message


async def test_each_workspace_folder_has_its_own_settings_and_outside_files_the_global_ones(tmp_path):
    strict, quiet = tmp_path / "strict", tmp_path / "quiet"
    strict.mkdir()
    quiet.mkdir()
    configuration = {
        "": {"nanguard": {"severity": "information"}},
        strict.as_uri(): {"nanguard": {"severity": "error"}},
        quiet.as_uri(): {"nanguard": {"enable": False}},
    }
    async with session(configuration=configuration, folders=[strict, quiet]) as client:
        documents = {
            (strict / "a.py").as_uri(): [types.DiagnosticSeverity.Error],
            (quiet / "b.py").as_uri(): [],
            (tmp_path / "outside.py").as_uri(): [types.DiagnosticSeverity.Information],
        }
        for uri in documents:
            client.open(uri, SOFTMAX_LOG)
        for uri, severities in documents.items():
            assert [d.severity for d in await client.wait_diagnostics(uri, 1)] == severities


async def test_debounce_is_configurable(tmp_path):
    uri = (tmp_path / "train.py").as_uri()
    async with session(configuration={"": {"nanguard": {"debounceMs": 1500}}}) as client:
        client.open(uri, SOFTMAX_LOG)
        await client.wait_diagnostics(uri, 1)
        client.change(uri, 2, ((4, 0, 4, 0), "# edited\n"))
        await asyncio.sleep(0.7)
        assert client.latest(uri).version == 1, "still within the 1.5 s debounce"
        await client.wait_diagnostics(uri, 2)


USES_REEXPORT = "import torch\nfrom .ops import log\n\nloss = log(torch.softmax(z, dim=1))\n"


async def test_jedi_settings_reach_the_engine(tmp_path):
    """`log` re-exported by the user's own module resolves through jedi, in the configured environment."""
    environment = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True)
    package = tmp_path / "project" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "ops.py").write_text("from torch import log\n")
    uri = (package / "train.py").as_uri()

    async with session(configuration={"": {"nanguard": {"jedi": {"environmentPath": str(environment)}}}}) as client:
        client.open(uri, USES_REEXPORT)
        [diagnostic] = await client.wait_diagnostics(uri, 1, count=1)
        assert diagnostic.range.start.line == 3
        assert client.messages == []

    async with session(configuration={"": {"nanguard": {"jedi": {"enable": False}}}}) as client:
        client.open(uri, USES_REEXPORT)
        assert await client.wait_diagnostics(uri, 1) == []

    missing = str(tmp_path / "no-such-venv")
    async with session(configuration={"": {"nanguard": {"jedi": {"environmentPath": missing}}}}) as client:
        client.open(uri, USES_REEXPORT)
        assert len(await client.wait_diagnostics(uri, 1, count=1)) == 1, "defaults used"
        [message] = client.messages
        assert "nanguard.jedi.environmentPath" in message.message and missing in message.message


async def test_an_edited_pyproject_applies_once_the_editor_reports_it(tmp_path):
    project = write_project(tmp_path / "project", "epsilon = 1e-6")
    uri = (project / "train.py").as_uri()
    async with session(folders=[project]) as client:
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert inserted_by_default_fix(diagnostic) == "tf.clip_by_value(, 1e-6, 1.0)"

        write_project(project, "epsilon = 1e-5")
        published = len(client.published)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=(project / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        await eventually(lambda: len(client.published) > published)
        assert inserted_by_default_fix(client.latest(uri).diagnostics[0]) == "tf.clip_by_value(, 1e-5, 1.0)"


async def test_workspace_folders_added_later_get_their_settings(tmp_path):
    first, added = tmp_path / "first", tmp_path / "added"
    first.mkdir()
    added.mkdir()
    configuration = {"": {"nanguard": {}}, added.as_uri(): {"nanguard": {"severity": "error"}}}
    async with session(configuration=configuration, folders=[first]) as client:
        uri = (added / "train.py").as_uri()
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert diagnostic.severity == types.DiagnosticSeverity.Warning  # not a workspace folder yet

        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[types.WorkspaceFolder(uri=added.as_uri(), name="added")], removed=[]
                )
            )
        )
        await eventually(lambda: client.latest(uri).diagnostics[0].severity == types.DiagnosticSeverity.Error)
        assert client.latest(uri).version == 1



async def test_initialization_options_give_way_to_what_the_editor_answers(tmp_path):
    """A key the client's workspace/configuration answer leaves out (VS Code omits unset
    settings) falls back to pyproject.toml and the defaults, not to stale initializationOptions."""
    uri = (tmp_path / "train.py").as_uri()
    options = {"nanguard": {"epsilon": 1e-3}}
    async with session(initialization_options=options, configuration={"": {"nanguard": {"severity": "hint"}}}) as client:
        client.open(uri, SOFTMAX_LOG)
        [diagnostic] = await client.wait_diagnostics(uri, 1)
        assert diagnostic.severity == types.DiagnosticSeverity.Hint
        assert inserted_by_default_fix(diagnostic) == "tf.clip_by_value(, 1e-10, 1.0)"
