"""Each setting is declared once: pyproject.toml and the editor accept the same keys, reject the
same values with the same words, and the editor spells every key in camelCase too."""

from __future__ import annotations

import pytest
from lsp_client import SOFTMAX_LOG, session
from nanguard.lsp.config import parse_editor_settings
from nanguard.settings import SETTINGS, Settings, SettingsError, settings_from_mapping


def problem(error: SettingsError, name: str) -> str:
    """The message without the way it names the key."""
    message = str(error)
    assert message.startswith(name), message
    return message.removeprefix(name)


@pytest.mark.parametrize(
    ("key", "editor_key", "value"),
    [
        ("epsilon", "epsilon", -1),
        ("select", "select", ["NG9"]),
        ("frameworks", "frameworks", ["theano"]),
        ("include", "include", 3),
        ("extend-include", "extendInclude", [1]),
        ("jedi", "jedi.enable", "yes"),
        ("jedi-environment", "jedi.environmentPath", 7),
        ("strict", "strict", "yes"),
    ],
)
def test_a_bad_value_gets_the_same_message_from_pyproject_and_from_the_editor(key, editor_key, value):
    with pytest.raises(SettingsError) as from_file:
        settings_from_mapping({key: value})
    with pytest.raises(SettingsError) as from_editor:
        parse_editor_settings({editor_key: value})
    assert problem(from_file.value, f"`{key}`") == problem(from_editor.value, f"setting `nanguard.{editor_key}`")


def test_every_pyproject_key_is_an_editor_key_in_camel_case_and_as_spelled_in_the_file():
    camel = {"extend-include": "extendInclude", "jedi": "jedi.enable", "jedi-environment": "jedi.environmentPath"}
    for key in SETTINGS:
        value = None if key == "jedi-environment" else getattr(Settings(), SETTINGS[key].name)
        value = list(value) if isinstance(value, (frozenset, tuple)) else value
        for spelling in {key, camel.get(key, key)}:
            parsed = parse_editor_settings({spelling: value})
            assert parsed.unknown == (), spelling
            assert parsed.settings() == Settings(), spelling


def test_strict_is_off_unless_set():
    assert Settings().strict is False
    assert settings_from_mapping({"strict": True}).strict is True
    assert parse_editor_settings({"strict": True}).settings().strict is True


async def test_the_server_reports_a_bad_strict_setting_from_either_source(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.nanguard]\nstrict = "yes"\n')
    uri = (project / "train.py").as_uri()
    async with session(configuration={"": {"nanguard": {}}}, folders=[project]) as client:
        client.open(uri, SOFTMAX_LOG)
        assert len(await client.wait_diagnostics(uri, 1)) == 1, "the file's settings are ignored, not the file"
        [message] = client.messages
        assert "`strict` must be true or false, not 'yes'" in message.message
        assert str(project / "pyproject.toml") in message.message

    outside = (tmp_path / "train.py").as_uri()
    async with session(configuration={"": {"nanguard": {"strict": 1}}}) as client:
        client.open(outside, SOFTMAX_LOG)
        assert len(await client.wait_diagnostics(outside, 1)) == 1
        [message] = client.messages
        assert "setting `nanguard.strict` must be true or false, not 1" in message.message
