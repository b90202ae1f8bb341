"""Neovim 0.7's built-in LSP client, headless, with the configuration of docs/editors.md."""

from __future__ import annotations

import json
import shutil
import subprocess

from editor_runs import HERE, expected_after_clip_fix, require, run_editor, snippet


def neovim_version() -> str | None:
    if shutil.which("nvim") is None:
        return None
    return subprocess.run(["nvim", "--version"], check=False, capture_output=True, text=True).stdout.split("\n")[0]


def test_neovim_shows_the_finding_and_applies_the_clip_fix(example_copy, tmp_path):
    version = neovim_version()
    require(version is not None, "Neovim (nvim)")
    init = tmp_path / "init.lua"
    init.write_text(snippet("neovim"))

    finished = run_editor(
        ["nvim", "--headless", "-n", "-i", "NONE", "-u", str(init), example_copy.name,
         "-c", f"luafile {HERE / 'neovim_driver.lua'}"],
        cwd=example_copy.parent,
    )
    assert finished.returncode == 0, f"{version}\nstdout: {finished.stdout}\nstderr: {finished.stderr}"
    result = json.loads(finished.stdout.strip().splitlines()[-1])

    [diagnostic] = result["diagnostics"]
    assert (diagnostic["lnum"], diagnostic["col"], diagnostic["end_col"]) == (13, 36, 50)
    assert (diagnostic["code"], diagnostic["source"]) == ("NG001", "nanguard")
    assert diagnostic["message"].startswith("`tf.log(y_conv)`: `y_conv` is a softmax output")
    assert result["titles"][:3] == ["Clip argument with epsilon", "Add epsilon", "Disable NG001 for this line"]
    assert result["code_action_provider"]
    assert example_copy.read_text(encoding="utf-8") == expected_after_clip_fix("1e-8")
