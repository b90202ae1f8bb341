"""Finding files, decoding them as Python does, and writing fixes back without losing anything."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from engine_helpers import write

from nanguard.files import (
    ExcludePattern,
    FileError,
    decode_source,
    discover,
    is_excluded,
    read_source,
    write_source,
)


def no_patterns(folder: Path) -> tuple[ExcludePattern, ...]:
    return ()


def patterns(base: Path, *globs: str):
    parsed = tuple(ExcludePattern.parse(base, glob) for glob in globs)
    return lambda folder: parsed


def names(paths: list[Path], root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in paths]


# ------------------------------------------------------------------------------------------
# Discovery


def test_recursion_finds_python_files_sorted_and_skips_environments_and_caches(tmp_path: Path) -> None:
    for relative in [
        "b.py", "a/z.py", "a/y.py", "notes.txt", "stub.pyi",
        ".git/hooks/h.py", ".venv/lib/v.py", "venv/v.py", "env/lib/site-packages/pkg/m.py",
        "__pycache__/c.py", "node_modules/pkg/n.py", "custom_env/lib/e.py", ".tox/py311/t.py",
    ]:
        write(tmp_path / relative)
    write(tmp_path / "custom_env/pyvenv.cfg", "home = /usr/bin\n")

    found, errors = discover([tmp_path], no_patterns)

    assert errors == []
    assert names(found, tmp_path) == ["a/y.py", "a/z.py", "b.py"]


def test_a_file_named_explicitly_is_checked_whatever_its_suffix_or_folder(tmp_path: Path) -> None:
    script = write(tmp_path / "bin/train")
    inside_venv = write(tmp_path / ".venv/lib/v.py")

    found, errors = discover([script, inside_venv], no_patterns)

    assert errors == []
    assert found == [inside_venv, script]


def test_duplicates_are_checked_once_and_missing_paths_are_reported(tmp_path: Path) -> None:
    module = write(tmp_path / "pkg/m.py")

    found, errors = discover([tmp_path / "pkg", module, tmp_path / "nope.py"], no_patterns)

    assert found == [module]
    assert errors == [(str(tmp_path / "nope.py"), "no such file or folder")]


def test_symlinked_folders_are_not_followed_so_loops_end(tmp_path: Path) -> None:
    write(tmp_path / "pkg/m.py")
    (tmp_path / "pkg/loop").symlink_to(tmp_path, target_is_directory=True)

    found, _ = discover([tmp_path], no_patterns)

    assert names(found, tmp_path) == ["pkg/m.py"]


def test_broken_symlinks_and_other_non_files_are_skipped_while_recursing(tmp_path: Path) -> None:
    write(tmp_path / "ok.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.py")

    found, errors = discover([tmp_path], no_patterns)

    assert names(found, tmp_path) == ["ok.py"]
    assert errors == []


@pytest.mark.parametrize(
    ("glob", "kept"),
    [
        ("generated", ["src/model.py", "src/model_pb2.py", "tests/test_model.py"]),
        ("*_pb2.py", ["src/generated/ops.py", "src/model.py", "tests/test_model.py"]),
        ("src/generated/*", ["src/model.py", "src/model_pb2.py", "tests/test_model.py"]),
        ("src/generated/", ["src/model.py", "src/model_pb2.py", "tests/test_model.py"]),
        ("./tests", ["src/generated/ops.py", "src/model.py", "src/model_pb2.py"]),
        ("**/generated", ["src/model.py", "src/model_pb2.py", "tests/test_model.py"]),
        ("tests/**", ["src/generated/ops.py", "src/model.py", "src/model_pb2.py"]),
    ],
)
def test_exclude_globs(tmp_path: Path, glob: str, kept: list[str]) -> None:
    for relative in ["src/model.py", "src/model_pb2.py", "src/generated/ops.py", "tests/test_model.py"]:
        write(tmp_path / relative)

    found, _ = discover([tmp_path], patterns(tmp_path, glob))

    assert names(found, tmp_path) == kept


def test_exclude_globs_apply_to_files_named_explicitly(tmp_path: Path) -> None:
    generated = write(tmp_path / "src/generated/ops.py")
    model = write(tmp_path / "src/model.py")
    rule = patterns(tmp_path, "generated")

    assert is_excluded(generated, rule)
    assert not is_excluded(model, rule)
    assert discover([generated, model], rule)[0] == [model]


def test_a_slashed_glob_only_matches_below_its_own_folder(tmp_path: Path) -> None:
    inner = write(tmp_path / "project/src/m.py")
    outside = write(tmp_path / "other/src/m.py")
    rule = patterns(tmp_path / "project", "src/*")

    assert is_excluded(inner, rule)
    assert not is_excluded(outside, rule)


# ------------------------------------------------------------------------------------------
# Decoding


def test_utf8_without_bom() -> None:
    assert decode_source("π = 3.14\r\n".encode()) == ("π = 3.14\r\n", "utf-8")


def test_bom_is_remembered_and_not_part_of_the_text() -> None:
    text, encoding = decode_source(b"\xef\xbb\xbfx = 1\n")
    assert (text, encoding) == ("x = 1\n", "utf-8-sig")


def test_pep263_coding_line_is_honoured() -> None:
    data = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    text, encoding = decode_source(data)
    assert text.endswith("name = 'café'\n")
    assert encoding == "iso-8859-1"


def test_coding_line_on_the_second_line_is_honoured() -> None:
    data = "#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '€'\n".encode("cp1252")
    text, encoding = decode_source(data)
    assert "s = '€'" in text
    assert encoding == "cp1252"


def test_non_utf8_without_coding_line_is_a_clear_error() -> None:
    data = b"x = 1\ny = 2\nname = 'caf\xe9'\n"
    with pytest.raises(FileError) as error:
        decode_source(data)
    message = str(error.value)
    assert "0xe9" in message and "line 3" in message and "coding" in message
    assert "\n" not in message


def test_non_utf8_in_the_first_lines_without_coding_line_is_a_clear_error() -> None:
    with pytest.raises(FileError, match="not valid UTF-8 and has no coding line"):
        decode_source(b"# caf\xe9\nx = 1\n")


def test_bytes_that_contradict_the_coding_line_are_a_clear_error() -> None:
    with pytest.raises(FileError, match=r"as ascii \(declared by its coding line\)"):
        decode_source(b"# coding: ascii\ns = '\xc3\xa9'\n")


def test_unknown_encoding_is_a_clear_error() -> None:
    with pytest.raises(FileError, match="unknown encoding: klingon"):
        decode_source(b"# -*- coding: klingon -*-\nx = 1\n")


def test_bom_with_a_different_coding_line_is_a_clear_error() -> None:
    with pytest.raises(FileError, match="byte order mark"):
        decode_source(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n")


def test_nul_bytes_are_refused_with_their_line() -> None:
    with pytest.raises(FileError, match=r"NUL byte \(line 2\)"):
        decode_source(b"x = 1\ny = '\0'\n")


def test_utf16_is_recognised_as_not_python_source() -> None:
    with pytest.raises(FileError, match="UTF-16"):
        decode_source("x = 1\n".encode("utf-16"))


def test_empty_file() -> None:
    assert decode_source(b"") == ("", "utf-8")


def test_reading_a_folder_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="a folder, not a regular file"):
        read_source(tmp_path)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.py")
    path.chmod(0)
    with pytest.raises(FileError, match="cannot read: Permission denied"):
        read_source(path)


# ------------------------------------------------------------------------------------------
# Writing


@pytest.mark.parametrize(
    ("data", "new_text", "expected"),
    [
        (b"x = 1\r\ny = 2\r\n", "x = 1\r\ny = 3\r\n", b"x = 1\r\ny = 3\r\n"),
        (b"\xef\xbb\xbfx = 1\n", "x = 2\n", b"\xef\xbb\xbfx = 2\n"),
        (
            "# coding: latin-1\ns = 'café'\n".encode("latin-1"),
            "# coding: latin-1\ns = 'café!'\n",
            "# coding: latin-1\ns = 'café!'\n".encode("latin-1"),
        ),
    ],
    ids=["crlf", "bom", "latin-1"],
)
def test_writing_keeps_encoding_bom_and_line_endings(
    tmp_path: Path, data: bytes, new_text: str, expected: bytes
) -> None:
    path = write(tmp_path / "m.py", data)
    source = read_source(path)

    assert write_source(source, new_text) is True
    assert path.read_bytes() == expected


def test_writing_keeps_the_file_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = write(tmp_path / "tool.py", "x = 1\n")
    path.chmod(0o751)
    source = read_source(path)

    write_source(source, "x = 2\n")

    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tool.py"]


def test_nothing_is_written_when_the_text_is_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path / "m.py", "x = 1\n")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    source = read_source(path)

    assert write_source(source, "x = 1\n") is False
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path / "m.py", "x = 1\n")
    source = read_source(path)
    path.write_text("x = 1  # edited meanwhile\n")

    with pytest.raises(FileError, match="changed on disk"):
        write_source(source, "x = 2\n")
    assert path.read_text() == "x = 1  # edited meanwhile\n"


def test_writing_through_a_symlink_replaces_the_target_not_the_link(tmp_path: Path) -> None:
    target = write(tmp_path / "real.py", "x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    source = read_source(link)

    write_source(source, "x = 2\n")

    assert link.is_symlink()
    assert target.read_text() == "x = 2\n"


def test_a_fix_the_encoding_cannot_hold_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "m.py", b"# coding: ascii\nx = 1\n")
    source = read_source(path)

    with pytest.raises(FileError, match="cannot encode"):
        write_source(source, "# coding: ascii\nx = 'é'\n")
    assert path.read_bytes() == b"# coding: ascii\nx = 1\n"
