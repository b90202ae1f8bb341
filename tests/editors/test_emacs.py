"""Emacs with eglot (Debian's emacs-nox and elpa-eglot), in batch, with the configuration of
docs/editors.md. Not `-Q`: that skips site-start, where Debian puts eglot on the load path."""

from __future__ import annotations

import json
import shutil
import subprocess

from editor_runs import HERE, expected_after_clip_fix, require, run_editor, snippet


def eglot_available() -> bool:
    if shutil.which("emacs") is None:
        return False
    probe = subprocess.run(
        ["emacs", "--batch", "--eval", "(require 'eglot)"], check=False, capture_output=True, stdin=subprocess.DEVNULL
    )
    return probe.returncode == 0


def test_emacs_eglot_shows_the_finding_and_applies_the_clip_fix(example_copy, tmp_path):
    require(eglot_available(), "Emacs with eglot (emacs-nox, elpa-eglot)")
    config = tmp_path / "nanguard-eglot.el"
    config.write_text(snippet("emacs"))

    finished = run_editor(
        ["emacs", "--batch", "-l", str(config), "-l", str(HERE / "eglot_driver.el"), example_copy.name],
        cwd=example_copy.parent,
    )
    assert finished.returncode == 0, f"stdout: {finished.stdout}\nstderr: {finished.stderr}"
    result = json.loads(finished.stdout.strip().splitlines()[-1])

    assert result["server_name"] == "nanguard"
    [diagnostic] = result["diagnostics"]
    assert (diagnostic["line"], diagnostic["column"], diagnostic["end_column"]) == (13, 36, 50)
    assert diagnostic["type"] == "eglot-warning"
    assert "NG001" in diagnostic["text"] and "`y_conv` is a softmax output" in diagnostic["text"]
    assert result["titles"] == ["Clip argument with epsilon", "Add epsilon", "Disable NG001 for this line"]
    assert example_copy.read_text(encoding="utf-8") == expected_after_clip_fix("1e-8")
